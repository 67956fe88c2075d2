// A page view, traced: its load (page-load.js: documentLoad, documentFetch and resourceFetch spans,
// their URLs without query or fragment) and what the user felt on it, the web vitals (vitals.js), as
// children of its documentLoad span. web-vitals reads buffered performance entries, so what happened
// before it started is still measured (tests/test_e2e_session_vitals.py).
import { tracePageLoad, withoutQuery } from './page-load.js';
import { recordWebVitals } from './vitals.js';

/** The current page's URL without its query (the talk search puts what the user typed there) and fragment. */
export function pageUrl() {
  return withoutQuery(window.location.href);
}

/** Trace this page view with `provider` and its `tracer`: its load and its web vitals. */
export function tracePageView(provider, tracer) {
  const vitals = recordWebVitals(tracer, { flush: () => provider.forceFlush(), pageUrl });
  tracePageLoad(tracer, (span) => vitals.pageLoaded(span));
}
