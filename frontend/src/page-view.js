// A page view, traced: its document load, by the stock instrumentation (its spans' url.full
// without query or fragment), and what the user felt on it, the web vitals (vitals.js), as
// children of its documentLoad span. The vitals code is a chunk of its own (build.mjs), loaded at
// once but not on the first page's critical path, which it would take past its 30 kB budget:
// web-vitals reads buffered performance entries, so what happened before it loaded is still
// measured (tests/test_e2e_session_vitals.py).
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { DocumentLoadInstrumentation } from '@opentelemetry/instrumentation-document-load';
import { ATTR_URL_FULL } from '@opentelemetry/semantic-conventions';

/** The current page's URL without its query (the talk search puts what the user typed there) and fragment. */
export function pageUrl() {
  return `${window.location.origin}${window.location.pathname}`;
}

/** Trace this page view with `provider` and its `tracer`: its document load and its web vitals. */
export function tracePageView(provider, tracer) {
  const vitals = import('./vitals.js').then(({ recordWebVitals }) =>
    recordWebVitals(tracer, { flush: () => provider.forceFlush(), pageUrl }),
  );
  vitals.catch((error) => console.warn('Journey records no web vitals: their code did not load', error));
  const withoutQuery = (span) => span.setAttribute(ATTR_URL_FULL, pageUrl()); // the stock spans have location.href
  const documentLoad = new DocumentLoadInstrumentation({
    applyCustomAttributesOnSpan: {
      documentFetch: withoutQuery,
      documentLoad: (span) => {
        withoutQuery(span);
        vitals.then(
          (recorder) => recorder.pageLoaded(span),
          () => {},
        );
      },
    },
  });
  registerInstrumentations({ tracerProvider: provider, instrumentations: [documentLoad] });
}
