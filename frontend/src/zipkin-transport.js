// How the browser's spans reach the collector: `ZipkinKeepaliveExporter`, our own class behind
// the SDK's public `SpanExporter` interface (export, forceFlush, shutdown), standing in for
// @opentelemetry/exporter-zipkin's `ZipkinExporter`. Why not the stock one (2.12.0), in real
// Chromium (tests/test_e2e_browser_stock.py):
// - it sends with sendBeacon, whose failures the page never sees: with the collector down, every
//   batch is one more console error and there is no backing off
//   (test_stock_zipkin_exporter_logs_an_error_for_every_batch_while_the_collector_is_down; ours:
//   test_the_app_keeps_working_with_the_collector_stopped);
// - it writes start times as fractional microseconds, which Zipkin rejects with 400 and the whole
//   batch is lost: the page-load spans, timed from performance entries, nearly always have them
//   (test_stock_zipkin_exporter_loses_a_whole_batch_to_one_sub_microsecond_start_time).
// Its span conversion (`toZipkinSpan`) is not in its public index, so `toZipkinSpan` below is ours:
// the same Zipkin v2 JSON, with times rounded to whole microseconds.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { ExportResultCode, hrTimeToMicroseconds } from '@opentelemetry/core';
import { ATTR_OTEL_STATUS_CODE, ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

const MAX_BACKOFF_MS = 60_000;
const ZIPKIN_KINDS = {
  [SpanKind.CLIENT]: 'CLIENT',
  [SpanKind.SERVER]: 'SERVER',
  [SpanKind.PRODUCER]: 'PRODUCER',
  [SpanKind.CONSUMER]: 'CONSUMER',
};

const microseconds = (hrTime) => Math.round(hrTimeToMicroseconds(hrTime));

/** One finished span (the SDK's `ReadableSpan`) as a Zipkin v2 span, as the stock exporter writes it. */
export function toZipkinSpan(span) {
  const tags = {};
  for (const [key, value] of Object.entries(span.attributes)) tags[key] = String(value);
  if (span.status.code !== SpanStatusCode.UNSET) tags[ATTR_OTEL_STATUS_CODE] = SpanStatusCode[span.status.code];
  // Zipkin's own error tag
  if (span.status.code === SpanStatusCode.ERROR && span.status.message) tags.error = span.status.message;
  for (const [key, value] of Object.entries(span.resource.attributes)) tags[key] = String(value);
  return {
    traceId: span.spanContext().traceId,
    parentId: span.parentSpanContext?.spanId,
    id: span.spanContext().spanId,
    kind: ZIPKIN_KINDS[span.kind],
    name: span.name,
    timestamp: microseconds(span.startTime),
    duration: Math.max(1, microseconds(span.duration)), // Zipkin takes 0 for "unknown"
    localEndpoint: { serviceName: String(span.resource.attributes[ATTR_SERVICE_NAME]) },
    tags,
    annotations: span.events.length
      ? span.events.map((event) => ({ timestamp: microseconds(event.time), value: event.name }))
      : undefined,
  };
}

/**
 * Posts batches of spans to a Zipkin v2 endpoint: fetch with `keepalive` (it outlives the page,
 * like a beacon) in `no-cors` mode with a text/plain body (no preflight). Unlike a beacon, a
 * failure is seen: while the collector is unreachable, batches are dropped and attempts back off
 * from 1 s to a minute, so the console shows a handful of network errors instead of one a batch.
 * Keep batches under keepalive's 64 kB body limit (the processor's `maxExportBatchSize`).
 */
export class ZipkinKeepaliveExporter {
  constructor(url) {
    this.url = url;
    this.retryAt = 0;
    this.delay = 1000;
    this.pending = new Set();
    this.stopped = false;
  }

  export(spans, resultCallback) {
    if (this.stopped || Date.now() < this.retryAt) {
      const why = this.stopped ? 'exporter shut down' : 'collector unreachable: batch dropped';
      resultCallback({ code: ExportResultCode.FAILED, error: new Error(why) });
      return;
    }
    const sent = fetch(this.url, {
      method: 'POST',
      mode: 'no-cors',
      keepalive: true,
      headers: { 'Content-Type': 'text/plain' },
      body: JSON.stringify(spans.map(toZipkinSpan)),
    }).then(
      () => {
        this.retryAt = 0;
        this.delay = 1000;
        resultCallback({ code: ExportResultCode.SUCCESS });
      },
      (error) => {
        this.retryAt = Date.now() + this.delay;
        this.delay = Math.min(this.delay * 2, MAX_BACKOFF_MS);
        resultCallback({ code: ExportResultCode.FAILED, error });
      },
    );
    this.pending.add(sent);
    sent.finally(() => this.pending.delete(sent));
  }

  /** Resolves when every batch handed to `export` has been sent or has failed. */
  forceFlush() {
    return Promise.all(this.pending).then(() => undefined);
  }

  shutdown() {
    this.stopped = true;
    return this.forceFlush();
  }
}
