// How the browser's spans reach the collector: the stock Zipkin exporter (JSON encoding), with
// its sender replaced by one that can tell a delivered batch from a lost one.
import { ExportResultCode } from '@opentelemetry/core';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';

const MAX_BACKOFF_MS = 60_000;

/**
 * How the Zipkin exporter sends a batch: fetch with `keepalive` (it survives the page closing, like
 * a beacon) in `no-cors` mode with a text/plain body (no preflight). Unlike a beacon, a failure is
 * seen: while the collector is unreachable, batches are dropped and attempts back off from 1 s to
 * a minute, so the console shows a handful of network errors instead of one per batch. Times are
 * rounded to whole microseconds, which real Zipkin insists on.
 */
function collectorSender(url) {
  let retryAt = 0;
  let delay = 1000;
  return (zipkinSpans, done) => {
    if (Date.now() < retryAt) {
      done({ code: ExportResultCode.FAILED, error: new Error('collector unreachable: batch dropped') });
      return;
    }
    for (const span of zipkinSpans) {
      span.timestamp = Math.round(span.timestamp);
      span.duration = Math.max(1, Math.round(span.duration));
      for (const annotation of span.annotations || []) annotation.timestamp = Math.round(annotation.timestamp);
    }
    fetch(url, {
      method: 'POST',
      mode: 'no-cors',
      keepalive: true,
      headers: { 'Content-Type': 'text/plain' },
      body: JSON.stringify(zipkinSpans),
    }).then(
      () => {
        retryAt = 0;
        delay = 1000;
        done({ code: ExportResultCode.SUCCESS });
      },
      (error) => {
        retryAt = Date.now() + delay;
        delay = Math.min(delay * 2, MAX_BACKOFF_MS);
        done({ code: ExportResultCode.FAILED, error });
      },
    );
  };
}

/** A Zipkin exporter posting to `url` with `collectorSender`. */
export function zipkinExporter(url) {
  const exporter = new ZipkinExporter({ url });
  // the exporter's own sender uses sendBeacon, which cannot tell a delivered batch from a lost one;
  // replacing it is the one step outside the exporter's documented API (pinned at 2.12.0)
  exporter._send = collectorSender(url);
  return exporter;
}
