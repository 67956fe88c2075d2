// The one place the browser's tracing is set up. `initTelemetry(config)` builds the provider,
// the Zipkin export and the instrumentations from /config.json, and returns the `UserActions`
// every view uses to make a user action one trace (user-actions.js). Stock OpenTelemetry packages
// wherever they do the job (SDK, sampler, propagators, document load, the session span processor);
// our own code where a test shows they do not: user-actions.js, http-span.js and
// zipkin-transport.js, each naming the package it stands in for and the test.
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { DocumentLoadInstrumentation } from '@opentelemetry/instrumentation-document-load';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import { BatchSpanProcessor, WebTracerProvider } from '@opentelemetry/sdk-trace-web';
import { ATTR_SERVICE_NAME, ATTR_USER_AGENT_ORIGINAL } from '@opentelemetry/semantic-conventions';
import { createSessionSpanProcessor } from '@opentelemetry/web-common';
import * as attrs from './conventions.js';
import { recordUncaughtErrors } from './errors.js';
import { currentSessionId } from './session.js';
import { UserActions } from './user-actions.js';
import { ZipkinKeepaliveExporter } from './zipkin-transport.js';

/** Build the tracing pipeline from the runtime config; returns the user actions the app uses. */
export function initTelemetry(config) {
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
      // flushes by itself when the page is hidden or closed, so the last action's spans still leave
      // batches of at most 64 spans stay under keepalive's 64 kB body limit
      new BatchSpanProcessor(new ZipkinKeepaliveExporter(config.zipkinEndpoint), {
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
  const traceHeaderOrigins = new Set([window.location.origin, ...config.traceHeaderOrigins]);
  const tracer = provider.getTracer('journey-frontend');
  recordUncaughtErrors(tracer);
  return new UserActions(tracer, traceHeaderOrigins);
}
