// The attribute keys of the browser's spans that @opentelemetry/semantic-conventions' stable entry
// point does not have; tracing code imports the stable ones (service.name, http.*, url.full,
// exception.*, ...) from that package. session.*, browser.language and the event names are copied
// from its incubating entry point, as its README asks (that entry point may break in a minor
// version); the browser.web_vital.* attributes are the ones the OpenTelemetry browser SIG's web
// vitals instrumentation gives the browser.web_vital event (not yet in the package); the ui.*,
// journey.* and workshop.* keys are Journey's own.
export const SESSION_ID = 'session.id';
export const SESSION_PREVIOUS_ID = 'session.previous_id';
export const EVENT_SESSION_START = 'session.start';
export const EVENT_SESSION_END = 'session.end';
export const SESSION_END_REASON = 'journey.session.end_reason'; // inactivity or max_duration
export const BROWSER_LANGUAGE = 'browser.language';
export const WEB_VITAL_NAME = 'browser.web_vital.name'; // LCP, INP, CLS, FCP, TTFB
export const WEB_VITAL_VALUE = 'browser.web_vital.value'; // milliseconds; CLS: a score
export const WEB_VITAL_RATING = 'browser.web_vital.rating'; // good, needs-improvement, poor
export const WEB_VITAL_ID = 'browser.web_vital.id'; // web-vitals' id of this metric on this page view
export const WEB_VITAL_NAVIGATION_TYPE = 'browser.web_vital.navigation_type'; // navigate, reload, ...
export const UI_ACTION = 'ui.action'; // the intent, e.g. "show talks" (also the span name)
// a record tied to a user action (INP, an uncaught error): the action's span, to open it by
export const UI_ACTION_TRACE_ID = 'ui.action_trace_id';
export const UI_ACTION_SPAN_ID = 'ui.action_span_id';
export const UI_EVENT_TYPE = 'ui.event.type'; // click, submit, popstate, ...
export const UI_TARGET = 'ui.target'; // the element acted on, e.g. button#show-talks
export const UI_RESULT_COUNT = 'ui.result.count';
export const UI_RENDERED_COUNT = 'ui.rendered.count'; // items drawn by a 'render ...' span
export const UI_SEARCH_LENGTH = 'ui.search.length'; // never the search text itself
export const UI_AUDIENCE = 'ui.audience';
export const UI_TALK_ID = 'ui.talk.id';
export const UI_RATING = 'ui.feedback.rating';
export const UI_COMMENT_LENGTH = 'ui.feedback.comment.length'; // never the comment itself
export const UI_ROUTE = 'ui.route'; // the route template, e.g. /talks/:id
export const UI_JOURNEY_STEP = 'ui.journey.step';
export const UI_JOURNEY_STEPS = 'ui.journey.steps';
export const UI_JOURNEY_OUTCOME = 'ui.journey.outcome';
// the nickname an attendee types for the facilitator's view of the room (attendee.js); also a baggage member
export const WORKSHOP_ATTENDEE = 'workshop.attendee';
