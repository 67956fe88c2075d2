// The CLIENT span of one HTTP call, and which origins may receive its trace headers. The origins
// come from the config and travel in the user action's context (like its session baggage), so the
// API client needs nothing but the `ctx` it is already given.
//
// Our own code, standing in for @opentelemetry/instrumentation-fetch (0.223.0). That package makes
// the same span (name, kind, attributes; the headers only to `propagateTraceHeaderCorsUrls`; the
// action as parent if the call is made in `context.with(ctx, () => fetch(...))`), but it ends every
// span 300 ms after the response, waiting for resource timing, whatever its options
// (`ignoreNetworkEvents` too). A page left within those 300 ms never sends the span, and the
// backend's server span points at a parent its trace never gets: in real Chromium,
// tests/test_e2e_browser_stock.py::test_stock_fetch_instrumentation_loses_the_client_span_when_the_page_is_left;
// this module passes the same check in
// tests/test_e2e_browser.py::test_the_whole_trace_of_the_last_action_arrives_after_navigating_away.
import { createContextKey, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
} from '@opentelemetry/semantic-conventions';
import { recordError } from './errors.js';

const TRACE_HEADER_ORIGINS = createContextKey('journey.trace-header-origins');

/** `ctx` plus the origins (a Set) that may receive traceparent and baggage from calls made in it. */
export function withTraceHeaderOrigins(ctx, origins) {
  return ctx.setValue(TRACE_HEADER_ORIGINS, origins);
}

/**
 * A CLIENT span for one HTTP call made in `ctx`, and the headers that carry it (traceparent, and
 * baggage with session.id) — only to the origins in the config, never to a third party.
 */
export function fetchSpan(ctx, method, url) {
  if (!ctx) return { headers: {}, end() {} };
  const tracer = trace.getTracer('journey-frontend');
  const span = tracer.startSpan(
    method,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: method,
        [ATTR_URL_FULL]: url.href,
        [ATTR_SERVER_ADDRESS]: url.hostname,
        [ATTR_SERVER_PORT]: Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
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
        span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.status);
        if (response.status >= 400) {
          span.setAttribute(ATTR_ERROR_TYPE, String(response.status));
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
      } else if (error) {
        span.setAttribute(ATTR_ERROR_TYPE, error.name || 'Error');
        recordError(span, error);
      }
      span.end();
    },
  };
}
