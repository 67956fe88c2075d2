// The page's load as spans, in the shape of the stock @opentelemetry/instrumentation-document-load
// 0.68.0: a `documentLoad` root from fetchStart to loadEventEnd with the navigation's milestones and
// first paints as events, its `documentFetch` child (the HTML response) and one `resourceFetch` child
// per resource loaded by then, each with the network events and sizes of its performance entry
// (recorded by the public helpers of @opentelemetry/sdk-trace-web, as the stock package does).
//
// Our own because the stock package does not fit the default build's 30 kB JavaScript budget: it
// needs @opentelemetry/instrumentation (its base class and patching helpers, for a package that
// patches nothing) and, through it, @opentelemetry/api-logs; with them the page loads 31.6 kB
// gzipped (tests/test_e2e_browser_stock.py::test_the_stock_document_load_takes_the_page_over_its_budget).
// It differs in two ways: no URL in a record carries a query or fragment (the talk search puts
// what the user typed in the page's query), and no `<meta name="traceparent">` is read (Journey's
// server renders none: a page view is the root of its own trace).
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { addSpanNetworkEvent, addSpanNetworkEvents, PerformanceTimingNames as PTN } from '@opentelemetry/sdk-trace-web';
import { ATTR_URL_FULL, ATTR_USER_AGENT_ORIGINAL } from '@opentelemetry/semantic-conventions';

// the navigation's milestones the documentLoad span carries as events, in the order they happen
const MILESTONES = [
  PTN.FETCH_START,
  PTN.UNLOAD_EVENT_START,
  PTN.UNLOAD_EVENT_END,
  PTN.DOM_INTERACTIVE,
  PTN.DOM_CONTENT_LOADED_EVENT_START,
  PTN.DOM_CONTENT_LOADED_EVENT_END,
  PTN.DOM_COMPLETE,
  PTN.LOAD_EVENT_START,
  PTN.LOAD_EVENT_END,
];
const PAINTS = { 'first-paint': 'firstPaint', 'first-contentful-paint': 'firstContentfulPaint' };

/** `address` without its query and fragment. */
export function withoutQuery(address) {
  const url = new URL(address, window.location.href);
  return `${url.origin}${url.pathname}`;
}

function recordLoad(tracer, onLoaded) {
  const [navigation] = performance.getEntriesByType('navigation');
  if (!navigation) return; // a browser without Navigation Timing Level 2: no page load span
  const page = withoutQuery(window.location.href);
  const load = tracer.startSpan(
    'documentLoad',
    {
      startTime: navigation.fetchStart,
      attributes: { [ATTR_URL_FULL]: page, [ATTR_USER_AGENT_ORIGINAL]: navigator.userAgent },
    },
    ROOT_CONTEXT,
  );
  const underLoad = trace.setSpan(ROOT_CONTEXT, load);
  const child = (name, entry, url) => {
    const span = tracer.startSpan(
      name,
      { startTime: entry.fetchStart, attributes: { [ATTR_URL_FULL]: url } },
      underLoad,
    );
    addSpanNetworkEvents(span, entry);
    span.end(entry.responseEnd);
  };
  child('documentFetch', navigation, page);
  for (const resource of performance.getEntriesByType('resource')) {
    child('resourceFetch', resource, withoutQuery(resource.name));
  }
  for (const milestone of MILESTONES) addSpanNetworkEvent(load, milestone, navigation);
  for (const paint of performance.getEntriesByType('paint')) {
    if (PAINTS[paint.name]) load.addEvent(PAINTS[paint.name], paint.startTime);
  }
  onLoaded(load);
  load.end(navigation.loadEventEnd);
}

/**
 * Record the page's load with `tracer` once it has loaded; `onLoaded(span)` is called with the
 * `documentLoad` span before it ends (the web vitals become its children).
 */
export function tracePageLoad(tracer, onLoaded = () => {}) {
  // the load event's own timings (loadEventEnd) are set only once its handlers have run
  const record = () => setTimeout(() => recordLoad(tracer, onLoaded));
  if (document.readyState === 'complete') record();
  else window.addEventListener('load', record, { once: true });
}
