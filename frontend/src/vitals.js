// What the user felt on a page view: Core Web Vitals and their neighbours (LCP, INP, CLS, FCP,
// TTFB), measured by Google's web-vitals library (its standard build: the attribution build's
// extras would cost more of the bundle budget), recorded as spans, because Zipkin has no metrics or
// logs. A page view is a document load (or a return from the back/forward cache); the app's
// in-app navigations are user actions, not page views.
//
// The span: named `web vital <NAME>`, a child of the page view's `documentLoad` span (so one trace
// holds how the page loaded and what it felt like; a root when there is none), carrying the
// browser.web_vital.* attributes, the page URL without query or fragment, and session.id (the
// session span processor). It spans what the metric measures: navigation start to the first byte
// (TTFB), to the first and the largest paint (FCP, LCP); the interaction to its next paint (INP);
// CLS, a score, is an instant. INP also names the user action its interaction started.
//
// One record per page view and metric: TTFB and FCP once loaded, LCP at the first input or when
// the page is hidden, CLS and INP when it is hidden; a page shown again and hidden again records CLS
// or INP again (same browser.web_vital.id) only if it got worse meanwhile. What is recorded while
// the page is hidden is flushed here: the batch processor's own flush on that event may have run
// before (tests/test_e2e_session_vitals.py fails without this one).
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { ATTR_URL_FULL } from '@opentelemetry/semantic-conventions';
import { onCLS, onFCP, onINP, onLCP, onTTFB } from 'web-vitals';
import * as attrs from './conventions.js';
import { actionAttributes, actionStartedWithin } from './recent-actions.js';

// A click's action starts on the click, after the pointer went down; the interaction's entries may
// hold the pointerdown alone (a fast interaction), so its action is the first one started within
// this long of the interaction's start.
const ACTION_WINDOW_MS = 1000;

/** The span's start and end (performance.now() times) for `metric` on a page view that started at `viewStart`. */
function extent(metric, viewStart) {
  if (metric.name === 'CLS') return [performance.now(), performance.now()];
  if (metric.name === 'INP') {
    const start = Math.min(performance.now() - metric.value, ...metric.entries.map((entry) => entry.startTime));
    return [start, start + metric.value];
  }
  return [viewStart, viewStart + metric.value];
}

/**
 * Record the page view's web vitals with `tracer`; `flush()` sends what is queued, `pageUrl()` is
 * the page's URL as records carry it. Returns `pageLoaded(span)`, which the document load
 * instrumentation calls with its `documentLoad` span.
 */
export function recordWebVitals(tracer, { flush, pageUrl }) {
  let parent; // the page view's trace: undefined until the documentLoad span is made
  let viewStart = 0;
  let url = pageUrl();
  const waiting = [];

  const record = (metric) => {
    const [start, end] = extent(metric, viewStart);
    const attributes = {
      [attrs.WEB_VITAL_NAME]: metric.name,
      [attrs.WEB_VITAL_VALUE]: metric.value,
      [attrs.WEB_VITAL_RATING]: metric.rating,
      [attrs.WEB_VITAL_ID]: metric.id,
      [attrs.WEB_VITAL_NAVIGATION_TYPE]: metric.navigationType,
      [ATTR_URL_FULL]: url,
    };
    const action = metric.name === 'INP' && actionStartedWithin(start, start + ACTION_WINDOW_MS);
    const links = action ? [{ context: action.span.spanContext() }] : [];
    if (action) Object.assign(attributes, actionAttributes(action));
    const span = tracer.startSpan(
      `web vital ${metric.name}`,
      { startTime: start, attributes, links },
      parent ?? ROOT_CONTEXT,
    );
    span.end(end);
  };
  let flushing = false;
  const flushSoon = () => {
    if (flushing) return;
    flushing = true;
    queueMicrotask(() => {
      flushing = false; // once for all the reports of one event
      flush();
    });
  };
  const drain = () => {
    for (const metric of waiting.splice(0)) record(metric);
  };
  const report = (metric) => {
    if (parent === undefined && document.visibilityState !== 'hidden') return waiting.push(metric); // TTFB and FCP come before the load span
    drain();
    record(metric);
    if (document.visibilityState === 'hidden') flushSoon();
  };

  for (const measure of [onTTFB, onFCP, onLCP, onCLS]) measure(report);
  // INP as it changes, recorded here when the page is hidden: an interaction still waiting for an
  // idle moment when the page is hidden is counted by web-vitals only after its own hidden report,
  // which then says nothing (a click, then the tab closed within a second: no INP at all)
  let inp;
  let inpRecorded = '';
  onINP((metric) => (inp = metric), { reportAllChanges: true });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState !== 'hidden') return;
    if (inp && `${inp.id} ${inp.value}` !== inpRecorded) {
      inpRecorded = `${inp.id} ${inp.value}`; // once a page view, again only if it got worse since
      report(inp);
    }
    if (!waiting.length) return;
    drain(); // hidden before the page finished loading: recorded without a parent
    flushSoon();
  });
  window.addEventListener('pageshow', (event) => {
    if (!event.persisted) return;
    // back from the back/forward cache: a new page view, with no document load of its own
    parent = ROOT_CONTEXT;
    viewStart = event.timeStamp;
    url = pageUrl();
  });
  return {
    pageLoaded(span) {
      parent = trace.setSpan(ROOT_CONTEXT, span);
      drain();
    },
  };
}
