// Which user action the user was doing when: the user actions (user-actions.js) note here when each
// starts and ends, so that a record made later or elsewhere can name the action it belongs to — an
// uncaught error the action that was open, INP the action its interaction started (errors.js,
// vitals.js). A record names an action by the attributes `actionAttributes` returns.
import * as attrs from './conventions.js';

const KEPT = 50; // the last actions of a page view; INP names one when the page is hidden
const recent = [];

/** Note that the action `name` started with `span`; returns the entry to pass to `actionEnded`. */
export function actionStarted(name, span) {
  const entry = { name, span, at: performance.now(), open: true };
  recent.push(entry);
  if (recent.length > KEPT) recent.shift();
  return entry;
}

export function actionEnded(entry) {
  entry.open = false;
}

/** The action started last of those still running, if any. */
export function openAction() {
  for (let i = recent.length - 1; i >= 0; i--) if (recent[i].open) return recent[i];
  return undefined;
}

/** The first action started from `from` to `to` (performance.now() times), if any. */
export function actionStartedWithin(from, to) {
  return recent.find((entry) => entry.at >= from && entry.at <= to);
}

/** The attributes that tie a record to `action`: its name, and its span to open it by. */
export function actionAttributes(action) {
  const { traceId, spanId } = action.span.spanContext();
  return { [attrs.UI_ACTION]: action.name, [attrs.UI_ACTION_TRACE_ID]: traceId, [attrs.UI_ACTION_SPAN_ID]: spanId };
}
