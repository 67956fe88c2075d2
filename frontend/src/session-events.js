// The session.start and session.end events of the OpenTelemetry session conventions, as spans:
// Zipkin has no log signal, so each event is a span named for it, the root of a trace of its own,
// started and ended at the moment of the event, with the event's attributes (session.id, and
// session.previous_id on a start that follows another session). session.js says when.
import { ROOT_CONTEXT } from '@opentelemetry/api';
import * as attrs from './conventions.js';

/** The `events` for startSessions (session.js): each start and end of a session recorded by `tracer`. */
export function recordSessionEvents(tracer) {
  const record = (name, at, attributes) => {
    const span = tracer.startSpan(name, { startTime: at, attributes }, ROOT_CONTEXT);
    // the event's own session, whatever the session processor stamped (a tab may have moved on)
    span.setAttribute(attrs.SESSION_ID, attributes[attrs.SESSION_ID]);
    span.end(at);
  };
  return {
    started(session) {
      const attributes = { [attrs.SESSION_ID]: session.id };
      if (session.previousId) attributes[attrs.SESSION_PREVIOUS_ID] = session.previousId;
      record(attrs.EVENT_SESSION_START, session.startedAt, attributes);
    },
    ended(session) {
      record(attrs.EVENT_SESSION_END, session.endedAt, {
        [attrs.SESSION_ID]: session.id,
        [attrs.SESSION_END_REASON]: session.endReason,
      });
    },
  };
}
