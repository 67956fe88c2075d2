// The one place the browser's tracing is set up. `initTelemetry(config)` builds the provider,
// the export (Zipkin or OTLP, as config.exporter says) and the instrumentations from /config.json,
// starts the session (session.js) and the records of what the user felt (vitals.js, errors.js),
// and returns the `UserActions` every view uses to make a user action one trace (user-actions.js).
// Stock OpenTelemetry packages wherever they do the job (SDK, sampler, propagators, the session
// span processor, the OTLP exporter, Google's web-vitals); our own code where a test shows they do
// not: user-actions.js, http-span.js, zipkin-transport.js, session.js and page-load.js, each
// naming the package it stands in for and the test.
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import { BatchSpanProcessor, WebTracerProvider } from '@opentelemetry/sdk-trace-web';
import { ATTR_SERVICE_NAME, ATTR_USER_AGENT_ORIGINAL } from '@opentelemetry/semantic-conventions';
import { createSessionSpanProcessor } from '@opentelemetry/web-common';
import * as attrs from './conventions.js';
import { recordUncaughtErrors } from './errors.js';
import { tracePageView } from './page-view.js';
import { currentSessionId, startSessions } from './session.js';
import { recordSessionEvents } from './session-events.js';
import { UserActions } from './user-actions.js';
import { ZipkinKeepaliveExporter } from './zipkin-transport.js';

// Batches stay under keepalive's 64 kB body limit, so a batch sent as the page closes still leaves.
// An OTLP JSON span takes about 1.5 times the bytes of a Zipkin one (every attribute a typed object).
const MAX_BATCH = { zipkin: 64, otlp: 32 };

/** The exporter config.exporter chooses: Zipkin v2 JSON (the default), or OTLP/HTTP JSON. */
async function spanExporter(config) {
  if (config.exporter !== 'otlp') return new ZipkinKeepaliveExporter(config.zipkinEndpoint);
  // the stock exporter, in a chunk of its own (build.mjs): a page that exports to Zipkin never loads it
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  return new OTLPTraceExporter({ url: config.otlpEndpoint });
}

/** Build the tracing pipeline from the runtime config; resolves to the user actions the app uses. */
export async function initTelemetry(config) {
  const provider = new WebTracerProvider({
    // head sampling: the decision is made once, at the root (a user action), and travels in
    // traceparent's flags; the backend's parent-based sampler follows it, so traces stay whole
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.sampleRatio ?? 1) }),
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: config.serviceName,
      [ATTR_USER_AGENT_ORIGINAL]: navigator.userAgent,
      [attrs.BROWSER_LANGUAGE]: navigator.language,
    }),
    spanProcessors: [
      // session.id on every span, so all spans of a session form its journey (the id: session.js)
      createSessionSpanProcessor({ getSessionId: currentSessionId }),
      // flushes by itself when the page is hidden or closed, so the last action's spans still leave;
      // a bounded queue: with the collector down, spans are dropped, never piled up
      new BatchSpanProcessor(await spanExporter(config), {
        scheduledDelayMillis: config.batchDelayMs,
        maxQueueSize: 1000,
        maxExportBatchSize: MAX_BATCH[config.exporter] ?? MAX_BATCH.zipkin,
      }),
    ],
  });
  provider.register({
    propagator: new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
  });
  const tracer = provider.getTracer('journey-frontend');
  startSessions(config, recordSessionEvents(tracer)); // this page view: the session goes on, or one starts
  tracePageView(provider, tracer);
  recordUncaughtErrors(tracer);
  const traceHeaderOrigins = new Set([window.location.origin, ...config.traceHeaderOrigins]);
  return new UserActions(tracer, traceHeaderOrigins);
}
