"""OTLP ingest benchmark: the same spans posted as OTLP protobuf (POST /v1/traces) and as Zipkin JSON
(POST /api/v2/spans), spans/s of each and their ratio, in one run.

    .venv/bin/python bench/otlp_bench.py [--spans 100000] [--rounds 5]

bench/spans.py's realistic spans (batches of 100, 10-20 tags each) become, for OTLP, one resource per
service and one scope per `otel.scope.name` tag, the local ip and port as `network.local.*`
attributes: the OTLP a real SDK would send for them (so each OTLP span stores those two as tags too,
and a CLIENT span with `db.system` gets a remote endpoint: a little more to store than its JSON
twin). Two collector processes (2 workers each, a fresh SQLite file each) take the two encodings from
4 concurrent clients, in rounds that alternate which goes first, so that the machine's noise falls on
both alike. Then every span is counted back through
the Zipkin API of each, and the decoding alone (no HTTP, no SQLite) is timed in this process.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from collector.ingest import decode_span_list
from collector.otlp_decode import decode_protobuf
from collector.otlp_mapping import zipkin_spans

sys.path.insert(0, str(Path(__file__).resolve().parent))
from collector_bench import start_collector  # noqa: E402 - one way to start the benchmarked collector
from spans import make_batches  # noqa: E402

KINDS = {"SERVER": Span.SPAN_KIND_SERVER, "CLIENT": Span.SPAN_KIND_CLIENT, None: Span.SPAN_KIND_INTERNAL}
ZIPKIN = ("Zipkin JSON", "/api/v2/spans", "application/json", 202)
OTLP = ("OTLP protobuf", "/v1/traces", "application/x-protobuf", 200)


def otlp_request(batch: list[dict]) -> ExportTraceServiceRequest:
    """A Zipkin span batch as the OTLP request an SDK would send for the same spans."""
    request = ExportTraceServiceRequest()
    scopes: dict[tuple[str, str], object] = {}
    for zipkin in batch:
        service = zipkin["localEndpoint"]["serviceName"]
        tags = dict(zipkin["tags"])
        scope_name = tags.pop("otel.scope.name")
        if (service, scope_name) not in scopes:
            resource_spans = request.resource_spans.add()
            resource_spans.resource.attributes.add(key="service.name").value.string_value = service
            scope_spans = resource_spans.scope_spans.add()
            scope_spans.scope.name = scope_name
            scopes[(service, scope_name)] = scope_spans
        attributes = [KeyValue(key=key, value=AnyValue(string_value=value)) for key, value in tags.items()]
        attributes.append(KeyValue(key="network.local.address", value=AnyValue(string_value="10.0.0.2")))
        attributes.append(KeyValue(key="network.local.port", value=AnyValue(int_value=8000)))
        scopes[(service, scope_name)].spans.add(
            trace_id=bytes.fromhex(zipkin["traceId"]),
            span_id=bytes.fromhex(zipkin["id"]),
            parent_span_id=bytes.fromhex(zipkin.get("parentId", "")),
            name=zipkin["name"],
            kind=KINDS[zipkin.get("kind")],
            start_time_unix_nano=zipkin["timestamp"] * 1000,
            end_time_unix_nano=(zipkin["timestamp"] + zipkin["duration"]) * 1000,
            attributes=attributes,
        )
    return request


def post(url: str, body: bytes, content_type: str) -> int:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def ingest(url: str, kind: tuple, bodies: list[bytes], pool: ThreadPoolExecutor) -> tuple[int, float]:
    """Post every body from the pool's clients; (acknowledged bodies, seconds)."""
    _label, path, content_type, success = kind
    started = time.perf_counter()
    statuses = list(pool.map(lambda body: post(f"{url}{path}", body, content_type), bodies))
    return sum(status == success for status in statuses), time.perf_counter() - started


def stored_spans(url: str, trace_ids: list[str]) -> int:
    count = 0
    for start in range(0, len(trace_ids), 50):
        query = ",".join(trace_ids[start : start + 50])
        with urllib.request.urlopen(f"{url}/api/v2/traceMany?traceIds={query}", timeout=60) as response:
            count += sum(len(trace) for trace in json.loads(response.read()))
    return count


def decode_cost_us(zipkin_bodies: list[bytes], otlp_bodies: list[bytes], spans: int) -> tuple[float, float]:
    """Microseconds per span to decode and normalize each encoding, in this process alone."""
    started = time.perf_counter()
    for body in zipkin_bodies:
        decode_span_list(body)
    zipkin = time.perf_counter() - started
    started = time.perf_counter()
    for body in otlp_bodies:
        zipkin_spans(decode_protobuf(body))
    otlp = time.perf_counter() - started
    return zipkin / spans * 1e6, otlp / spans * 1e6


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--spans", type=int, default=100_000, help="spans posted in each encoding")
    parser.add_argument("--rounds", type=int, default=5, help="rounds, alternating which encoding goes first")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    batches = make_batches(args.spans, seed=11)
    bodies = {
        ZIPKIN: [json.dumps(b).encode() for b in batches],
        OTLP: [otlp_request(b).SerializeToString() for b in batches],
    }
    trace_ids = list(dict.fromkeys(span["traceId"] for batch in batches for span in batch))
    acknowledged, seconds = dict.fromkeys(bodies, 0), dict.fromkeys(bodies, 0.0)
    with tempfile.TemporaryDirectory(prefix="journey-otlp-bench-") as tmp, ThreadPoolExecutor(args.clients) as pool:
        collectors = {
            kind: start_collector(Path(tmp) / f"{kind[1].strip('/').replace('/', '-')}.db") for kind in bodies
        }
        try:
            per_round = -(-len(batches) // args.rounds)
            for round_index in range(args.rounds):
                chunk = slice(round_index * per_round, (round_index + 1) * per_round)
                for kind in (ZIPKIN, OTLP) if round_index % 2 == 0 else (OTLP, ZIPKIN):
                    acked, spent = ingest(collectors[kind][1], kind, bodies[kind][chunk], pool)
                    acknowledged[kind] += acked
                    seconds[kind] += spent
            rates = {}
            for kind in (ZIPKIN, OTLP):
                label, path = kind[0], kind[1]
                rates[kind] = args.spans / seconds[kind]
                stored = stored_spans(collectors[kind][1], trace_ids)
                loss = "zero loss" if stored == args.spans and acknowledged[kind] == len(batches) else "LOSS"
                print(
                    f"{label:14} POST {path:14} {args.spans:,} spans in {seconds[kind]:5.1f} s"
                    f" = {rates[kind]:8,.0f} spans/s   acknowledged {acknowledged[kind]}/{len(batches)} batches,"
                    f" stored {stored:,} ({loss})"
                )
            print(f"ratio OTLP protobuf / Zipkin JSON: {rates[OTLP] / rates[ZIPKIN]:.2f}")
        finally:
            for process, _url in collectors.values():
                process.terminate()
                process.wait()
    zipkin_us, otlp_us = decode_cost_us(bodies[ZIPKIN], bodies[OTLP], args.spans)
    megabytes = {kind: sum(map(len, bodies[kind])) / 1e6 for kind in bodies}
    print(
        f"decode + normalize alone, one thread: Zipkin JSON {zipkin_us:.1f} µs/span, OTLP protobuf {otlp_us:.1f}"
        f" µs/span (request bodies: {megabytes[ZIPKIN]:.0f} MB JSON, {megabytes[OTLP]:.0f} MB protobuf)"
    )


if __name__ == "__main__":
    main()
