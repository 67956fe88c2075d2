// The one place the browser's tracing is set up. `initTelemetry(config)` builds the provider,
// the Zipkin export and the instrumentations from /config.json, and returns `traceUserAction`,
// which every view uses to make a user action one trace: its span is the root, and every fetch
// the action causes is its child, because the action's context is passed to the API client
// explicitly (no zone.js: native async/await would lose a zone, and it costs ~36 kB).
import { context, propagation, ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { DocumentLoadInstrumentation } from '@opentelemetry/instrumentation-document-load';
import { FetchInstrumentation } from '@opentelemetry/instrumentation-fetch';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, WebTracerProvider } from '@opentelemetry/sdk-trace-web';
import * as attrs from './conventions.js';
import { currentSessionId } from './session.js';

/** Puts the current session.id on every span, so all spans of a session form its journey. */
class SessionSpanProcessor {
  onStart(span) {
    span.setAttribute(attrs.SESSION_ID, currentSessionId());
  }
  onEnd() {}
  forceFlush() {
    return Promise.resolve();
  }
  shutdown() {
    return Promise.resolve();
  }
}

/** HrTime [seconds, nanos] rounded to a whole microsecond. */
function wholeMicroseconds([seconds, nanos]) {
  const rounded = Math.round(nanos / 1000) * 1000;
  return rounded >= 1e9 ? [seconds + 1, rounded - 1e9] : [seconds, rounded];
}

/** Real Zipkin rejects fractional microsecond timestamps, which the JS exporter can produce. */
class WholeMicrosecondExporter {
  constructor(inner) {
    this.inner = inner;
  }
  export(spans, done) {
    const rounded = spans.map(
      (span) =>
        new Proxy(span, {
          get(target, key) {
            if (key === 'startTime') return wholeMicroseconds(target.startTime);
            const value = Reflect.get(target, key, target);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        }),
    );
    this.inner.export(rounded, done);
  }
  forceFlush() {
    return this.inner.forceFlush();
  }
  shutdown() {
    return this.inner.shutdown();
  }
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Build the tracing pipeline from the runtime config; returns the helpers the app uses. */
export function initTelemetry(config) {
  const exporter = new WholeMicrosecondExporter(new ZipkinExporter({ url: config.zipkinEndpoint }));
  const provider = new WebTracerProvider({
    resource: resourceFromAttributes({
      'service.name': config.serviceName,
      [attrs.USER_AGENT_ORIGINAL]: navigator.userAgent,
      [attrs.BROWSER_LANGUAGE]: navigator.language,
    }),
    spanProcessors: [
      new SessionSpanProcessor(),
      // flushes by itself when the page is hidden or closed, so the last action's spans still leave
      new BatchSpanProcessor(exporter, { scheduledDelayMillis: config.batchDelayMs, maxQueueSize: 1000 }),
    ],
  });
  provider.register({
    propagator: new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
  });
  const ownOrigin = window.location.origin;
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new DocumentLoadInstrumentation(),
      new FetchInstrumentation({
        // trace headers go to the backend's origin only (same origin always gets them)
        propagateTraceHeaderCorsUrls: config.traceHeaderOrigins
          .filter((origin) => origin !== ownOrigin)
          .map((origin) => new RegExp(`^${escapeRegExp(origin)}/`)),
        ignoreUrls: [config.zipkinEndpoint],
        ignoreNetworkEvents: true,
      }),
    ],
  });
  const tracer = provider.getTracer('journey-frontend');
  recordUncaughtErrors(tracer);
  return { traceUserAction: (name, target, run) => traceUserAction(tracer, name, target, run) };
}

/**
 * Run `run(ctx, span)` as one user action: a root span named for the intent, with session.id in
 * baggage so the backend gets it too. Pass `ctx` to every API call the action makes.
 */
async function traceUserAction(tracer, name, target, run) {
  const sessionBaggage = propagation.createBaggage({ [attrs.SESSION_ID]: { value: currentSessionId() } });
  const parent = propagation.setBaggage(ROOT_CONTEXT, sessionBaggage);
  const span = tracer.startSpan(
    name,
    { attributes: { [attrs.UI_ACTION]: name, [attrs.UI_EVENT_TYPE]: target.event, [attrs.UI_TARGET]: target.element } },
    parent,
  );
  const ctx = trace.setSpan(parent, span);
  try {
    return await run(ctx, span);
  } catch (error) {
    span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: String(error.message || error) });
    throw error;
  } finally {
    span.end();
  }
}

/** Uncaught errors and unhandled rejections become spans with the exception recorded. */
function recordUncaughtErrors(tracer) {
  const record = (name, error) => {
    const span = tracer.startSpan(name, {}, ROOT_CONTEXT);
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: String((error && error.message) || error) });
    span.end();
  };
  window.addEventListener('error', (event) => record('uncaught error', event.error || event.message));
  window.addEventListener('unhandledrejection', (event) => record('unhandled rejection', event.reason));
}

/** Run `fn` with `ctx` active, so instrumented calls made synchronously inside it are its children. */
export function withContext(ctx, fn) {
  return context.with(ctx, fn);
}
