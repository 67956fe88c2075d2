// Failures as span data: a failed span carries the exception, and an error nobody caught
// becomes a span of its own, so it shows up in the session's journey: with session.id (the session
// span processor), and, when it happened while a user action was running, in that action's trace,
// naming it (recent-actions.js). Not
// @opentelemetry/instrumentation-web-exception (0.15.0): by its source it emits each uncaught error
// as a log record (the Logs API), not a span, which a Zipkin pipeline cannot carry, and it is
// built on instrumentation 0.222, not the 0.223 line the app is locked to.
import { ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_STACKTRACE,
  ATTR_EXCEPTION_TYPE,
} from '@opentelemetry/semantic-conventions';
import { actionAttributes, openAction } from './recent-actions.js';

/**
 * Mark a span failed by `error`: the exception event, and the same facts as attributes, because
 * Zipkin keeps only an event's name (an annotation has no attributes) but keeps tags.
 */
export function recordError(span, error) {
  const message = String(error?.message || error);
  span.recordException(error instanceof Error ? error : message);
  span.setAttribute(ATTR_EXCEPTION_TYPE, error?.name || 'Error');
  span.setAttribute(ATTR_EXCEPTION_MESSAGE, message);
  if (error?.stack) span.setAttribute(ATTR_EXCEPTION_STACKTRACE, String(error.stack).slice(0, 2000));
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

/**
 * Uncaught errors and unhandled rejections become spans with the exception recorded: children of
 * the user action running then (the one started last), if any, else roots.
 */
export function recordUncaughtErrors(tracer) {
  const record = (name, error) => {
    const action = openAction();
    const parent = action ? trace.setSpan(ROOT_CONTEXT, action.span) : ROOT_CONTEXT;
    const span = tracer.startSpan(name, { attributes: action ? actionAttributes(action) : {} }, parent);
    recordError(span, error);
    span.end();
  };
  window.addEventListener('error', (event) => record('uncaught error', event.error || event.message));
  window.addEventListener('unhandledrejection', (event) => record('unhandled rejection', event.reason));
}
