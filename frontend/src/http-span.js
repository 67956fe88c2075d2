// The CLIENT span of one HTTP call, and which origins may receive its trace headers. The origins
// come from the config and travel in the user action's context (like its session baggage), so the
// API client needs nothing but the `ctx` it is already given.
import { createContextKey, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { recordError } from './errors.js';

const TRACE_HEADER_ORIGINS = createContextKey('journey.trace-header-origins');

/** `ctx` plus the origins (a Set) that may receive traceparent and baggage from calls made in it. */
export function withTraceHeaderOrigins(ctx, origins) {
  return ctx.setValue(TRACE_HEADER_ORIGINS, origins);
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
  if (ctx.getValue(TRACE_HEADER_ORIGINS)?.has(url.origin)) propagation.inject(trace.setSpan(ctx, span), headers);
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
