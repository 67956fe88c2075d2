// The attribute keys of the browser's spans that @opentelemetry/semantic-conventions' stable entry
// point does not have; tracing code imports the stable ones (service.name, http.*, url.full,
// exception.*, ...) from that package. session.id and browser.language are copied from its
// incubating entry point, as its README asks (that entry point may break in a minor version);
// the ui.* keys are Journey's own.
export const SESSION_ID = 'session.id';
export const BROWSER_LANGUAGE = 'browser.language';
export const UI_ACTION = 'ui.action'; // the intent, e.g. "show talks" (also the span name)
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
