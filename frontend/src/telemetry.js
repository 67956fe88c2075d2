// The one place the browser's tracing is set up. `initTelemetry(config)` builds the provider,
// the Zipkin export and the instrumentations from /config.json, and returns the `UserActions`
// every view uses to make a user action one trace: its span is the root, and every fetch the
// action causes is its child, because the action's context is passed to the API client
// explicitly (no zone.js: native async/await would lose a zone, and it costs ~36 kB).
import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import {
  CompositePropagator,
  ExportResultCode,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { DocumentLoadInstrumentation } from '@opentelemetry/instrumentation-document-load';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
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

const MAX_BACKOFF_MS = 60_000;

/**
 * How the Zipkin exporter sends a batch: fetch with `keepalive` (it survives the page closing, like
 * a beacon) in `no-cors` mode with a text/plain body (no preflight). Unlike a beacon, a failure is
 * seen: while the collector is unreachable, batches are dropped and attempts back off from 1 s to
 * a minute, so the console shows a handful of network errors instead of one per batch. Times are
 * rounded to whole microseconds, which real Zipkin insists on.
 */
function collectorSender(url) {
  let retryAt = 0;
  let delay = 1000;
  return (zipkinSpans, done) => {
    if (Date.now() < retryAt) {
      done({ code: ExportResultCode.FAILED, error: new Error('collector unreachable: batch dropped') });
      return;
    }
    for (const span of zipkinSpans) {
      span.timestamp = Math.round(span.timestamp);
      span.duration = Math.max(1, Math.round(span.duration));
      for (const annotation of span.annotations || []) annotation.timestamp = Math.round(annotation.timestamp);
    }
    fetch(url, {
      method: 'POST',
      mode: 'no-cors',
      keepalive: true,
      headers: { 'Content-Type': 'text/plain' },
      body: JSON.stringify(zipkinSpans),
    }).then(
      () => {
        retryAt = 0;
        delay = 1000;
        done({ code: ExportResultCode.SUCCESS });
      },
      (error) => {
        retryAt = Date.now() + delay;
        delay = Math.min(delay * 2, MAX_BACKOFF_MS);
        done({ code: ExportResultCode.FAILED, error });
      },
    );
  };
}

function zipkinExporter(url) {
  const exporter = new ZipkinExporter({ url });
  // the exporter's own sender uses sendBeacon, which cannot tell a delivered batch from a lost one;
  // replacing it is the one step outside the exporter's documented API (pinned at 2.12.0)
  exporter._send = collectorSender(url);
  return exporter;
}

let traceHeaderOrigins = new Set();

// Trace ids of recent actions the sampler did not keep: the trace panel says so instead of linking
// to a trace that was never recorded (the backend follows the browser's decision, so none exists).
const unsampledTraces = new Set();

function noteSampling(span) {
  const { traceId, traceFlags } = span.spanContext();
  if (traceFlags & TraceFlags.SAMPLED) return;
  if (unsampledTraces.size >= 200) unsampledTraces.clear();
  unsampledTraces.add(traceId);
}

/** Whether the action whose trace id this is was kept by the sampler. */
export function wasSampled(traceId) {
  return !unsampledTraces.has(traceId);
}

/**
 * A CLIENT span for one HTTP call made in `ctx`, and the headers that carry it (traceparent, and
 * baggage with session.id) — only to the origins in the config, never to a third party.
 *
 * Written out rather than taken from @opentelemetry/instrumentation-fetch: that one ends each
 * span 300 ms after the response (waiting for resource timing), so a span was lost whenever the
 * user navigated away within that time, and every trace reached the viewer 300 ms later.
 */
export function fetchSpan(ctx, method, url) {
  if (!ctx) return { headers: {}, end() {} };
  const tracer = trace.getTracer('journey-frontend');
  const span = tracer.startSpan(
    method,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': method,
        'url.full': url.href,
        'server.address': url.hostname,
        'server.port': Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
      },
    },
    ctx,
  );
  const headers = {};
  if (traceHeaderOrigins.has(url.origin)) propagation.inject(trace.setSpan(ctx, span), headers);
  return {
    headers,
    end(response, error) {
      if (response) {
        span.setAttribute('http.response.status_code', response.status);
        if (response.status >= 400) {
          span.setAttribute('error.type', String(response.status));
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
      } else if (error) {
        span.setAttribute('error.type', error.name || 'Error');
        recordError(span, error);
      }
      span.end();
    },
  };
}

/** Build the tracing pipeline from the runtime config; returns the helpers the app uses. */
export function initTelemetry(config) {
  const exporter = zipkinExporter(config.zipkinEndpoint);
  const provider = new WebTracerProvider({
    // head sampling: the decision is made once, at the root (a user action), and travels in
    // traceparent's flags; the backend's parent-based sampler follows it, so traces stay whole
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.sampleRatio ?? 1) }),
    resource: resourceFromAttributes({
      'service.name': config.serviceName,
      [attrs.USER_AGENT_ORIGINAL]: navigator.userAgent,
      [attrs.BROWSER_LANGUAGE]: navigator.language,
    }),
    spanProcessors: [
      new SessionSpanProcessor(),
      // flushes by itself when the page is hidden or closed, so the last action's spans still leave
      // batches of at most 64 spans stay under keepalive's 64 kB body limit
      new BatchSpanProcessor(exporter, {
        scheduledDelayMillis: config.batchDelayMs,
        maxQueueSize: 1000,
        maxExportBatchSize: 64,
      }),
    ],
  });
  provider.register({
    propagator: new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
  });
  registerInstrumentations({ tracerProvider: provider, instrumentations: [new DocumentLoadInstrumentation()] });
  traceHeaderOrigins = new Set([window.location.origin, ...config.traceHeaderOrigins]);
  const tracer = provider.getTracer('journey-frontend');
  recordUncaughtErrors(tracer);
  return new UserActions(tracer);
}

const JOURNEY_TIMEOUT_MS = 10 * 60 * 1000;

/**
 * User actions as spans. `run` makes one action one trace: a span named for the intent, root of
 * its trace, with session.id in baggage so the backend gets it too; pass its `ctx` to every API
 * call it makes. While a journey is open (`startJourney`), actions are its children instead, so
 * the whole guided flow is one trace; each action's spans still leave as soon as it ends.
 */
export class UserActions {
  constructor(tracer) {
    this.tracer = tracer;
    this.journey = null;
  }

  baseContext() {
    if (this.journey) return this.journey.ctx;
    const sessionBaggage = propagation.createBaggage({ [attrs.SESSION_ID]: { value: currentSessionId() } });
    return propagation.setBaggage(ROOT_CONTEXT, sessionBaggage);
  }

  /** Run `fn(ctx, span)` as the action `name`; `target` says what was acted on and how. */
  async run(name, target, fn) {
    const parent = this.baseContext();
    const attributes = {
      [attrs.UI_ACTION]: name,
      [attrs.UI_EVENT_TYPE]: target.event,
      [attrs.UI_TARGET]: target.element,
      ...(target.attributes || {}),
    };
    if (this.journey) attributes[attrs.UI_JOURNEY_STEP] = this.journey.steps++;
    const span = this.tracer.startSpan(name, { attributes }, parent);
    noteSampling(span);
    const ctx = trace.setSpan(parent, span);
    try {
      return await fn(ctx, span);
    } catch (error) {
      recordError(span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  /** Open a journey: one long-lived span that the following actions are children of, until `end`. */
  startJourney(name) {
    if (this.journey) this.journey.end('abandoned: restarted');
    const sessionBaggage = propagation.createBaggage({ [attrs.SESSION_ID]: { value: currentSessionId() } });
    const parent = propagation.setBaggage(ROOT_CONTEXT, sessionBaggage);
    const span = this.tracer.startSpan(name, { attributes: { [attrs.UI_ACTION]: name } }, parent);
    noteSampling(span);
    const onHidden = () => document.visibilityState === 'hidden' && journey.end('abandoned: page hidden');
    const timer = setTimeout(() => journey.end('abandoned: timed out'), JOURNEY_TIMEOUT_MS);
    const journey = {
      ctx: trace.setSpan(parent, span),
      traceId: span.spanContext().traceId,
      steps: 1,
      end: (outcome) => {
        if (this.journey !== journey) return;
        this.journey = null;
        clearTimeout(timer);
        document.removeEventListener('visibilitychange', onHidden);
        span.setAttribute(attrs.UI_JOURNEY_OUTCOME, outcome);
        span.setAttribute(attrs.UI_JOURNEY_STEPS, journey.steps - 1);
        if (outcome !== 'completed') span.setStatus({ code: SpanStatusCode.UNSET });
        span.end();
      },
    };
    document.addEventListener('visibilitychange', onHidden);
    this.journey = journey;
    return journey;
  }
}

/** The same interface with tracing off (OTEL_SDK_DISABLED on the backend): actions just run. */
export class UntracedActions {
  constructor() {
    this.journey = null;
  }
  run(_name, _target, fn) {
    return fn(undefined, { setAttribute() {}, addEvent() {}, spanContext: () => ({ traceId: '' }) });
  }
  startJourney() {
    this.journey = { ctx: undefined, traceId: '', steps: 1, end: () => (this.journey = null) };
    return this.journey;
  }
}

/**
 * Mark a span failed by `error`: the exception event, and the same facts as attributes, because
 * Zipkin keeps only an event's name (the JS exporter drops event attributes) but keeps tags.
 */
function recordError(span, error) {
  const message = String(error?.message || error);
  span.recordException(error instanceof Error ? error : message);
  span.setAttribute('exception.type', error?.name || 'Error');
  span.setAttribute('exception.message', message);
  if (error?.stack) span.setAttribute('exception.stacktrace', String(error.stack).slice(0, 2000));
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

/** Uncaught errors and unhandled rejections become spans with the exception recorded. */
function recordUncaughtErrors(tracer) {
  const record = (name, error) => {
    const span = tracer.startSpan(name, {}, ROOT_CONTEXT);
    recordError(span, error);
    span.end();
  };
  window.addEventListener('error', (event) => record('uncaught error', event.error || event.message));
  window.addEventListener('unhandledrejection', (event) => record('unhandled rejection', event.reason));
}
