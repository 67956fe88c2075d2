"""Real OTLP clients no one here wrote, against a real collector: OpenTelemetry Python's OTLP/HTTP exporters
(protobuf, and JSON from its JSON exporter package) and OpenTelemetry JS's in Node; then `journey check`
on what they sent, and a kill -9 after the 200s."""

import json
import shutil
import signal
import subprocess
import sys
import uuid

import pytest
import requests
from opentelemetry.exporter.otlp.common.http import Compression as JsonCompression
from opentelemetry.exporter.otlp.json.http.trace_exporter import OTLPSpanExporter as JsonSpanExporter
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import SpanKind, StatusCode
from support import ROOT, start_server
from support.otlp import PROTOBUF, export_request, now_ns, otlp_span


class Recording(SpanExporter):
    """Passes spans to a real exporter and keeps each export's result (SimpleSpanProcessor drops them)."""

    def __init__(self, inner: SpanExporter) -> None:
        self.inner, self.results = inner, []

    def export(self, spans):
        result = self.inner.export(spans)
        self.results.append(result)
        return result

    def shutdown(self):
        self.inner.shutdown()


def spans_of(collector, trace_id: str):
    response = requests.get(f"{collector.url}/api/v2/trace/{trace_id}", timeout=5)
    return response.json() if response.status_code == 200 else None


def provider_for(service: str, exporter: SpanExporter) -> TracerProvider:
    provider = TracerProvider(
        resource=Resource.create({"service.name": service, "deployment.environment.name": "test"})
    )
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


EXPORTERS = {
    "protobuf": lambda url: OTLPSpanExporter(endpoint=f"{url}/v1/traces"),
    "protobuf-gzip": lambda url: OTLPSpanExporter(endpoint=f"{url}/v1/traces", compression=Compression.Gzip),
    "protobuf-from-env": lambda url: OTLPSpanExporter(),  # OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces
    "json": lambda url: JsonSpanExporter(endpoint=f"{url}/v1/traces"),
    "json-gzip": lambda url: JsonSpanExporter(endpoint=f"{url}/v1/traces", compression=JsonCompression.GZIP),
}


@pytest.mark.parametrize("exporter_name", list(EXPORTERS))
def test_python_otlp_exporters(collector, monkeypatch, exporter_name):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.url)
    exporter = Recording(EXPORTERS[exporter_name](collector.url))
    provider = provider_for("py-otlp", exporter)
    tracer = provider.get_tracer("journey.test", "1.2.3")
    with tracer.start_as_current_span(
        "Parent Work", kind=SpanKind.SERVER, attributes={"http.route": "/talks", "talk.ids": [3, 5]}
    ) as parent:
        parent.add_event("cache miss", {"cache.key": "talks"})
        peer = {"peer.service": "ratings", "network.peer.address": "10.0.0.7", "network.peer.port": 8001}
        with tracer.start_as_current_span("call ratings", kind=SpanKind.CLIENT, attributes=peer) as call:
            call.set_status(StatusCode.ERROR, "timeout")
    provider.shutdown()
    assert exporter.results == [SpanExportResult.SUCCESS] * 2

    spans = spans_of(collector, f"{parent.get_span_context().trace_id:032x}")  # stored before the 200
    by_name = {s["name"]: s for s in spans}
    work, call_span = by_name["parent work"], by_name["call ratings"]
    assert work["kind"] == "SERVER" and "parentId" not in work
    assert (work["timestamp"], work["duration"]) == (
        parent.start_time // 1000,
        max(1, parent.end_time // 1000 - parent.start_time // 1000),
    )
    assert work["localEndpoint"] == {"serviceName": "py-otlp"}
    assert {
        "http.route": "/talks",
        "talk.ids": "[3, 5]",
        "otel.scope.name": "journey.test",
        "otel.scope.version": "1.2.3",
        "deployment.environment.name": "test",
        "telemetry.sdk.language": "python",
    }.items() <= work["tags"].items()
    assert [a["value"] for a in work["annotations"]] == ['"cache miss": {"cache.key": "talks"}']
    assert call_span["kind"] == "CLIENT" and call_span["parentId"] == f"{parent.get_span_context().span_id:016x}"
    assert call_span["remoteEndpoint"] == {"serviceName": "ratings", "ipv4": "10.0.0.7", "port": 8001}
    assert (call_span["tags"]["otel.status_code"], call_span["tags"]["error"]) == ("ERROR", "timeout")


NODE_EXPORT = """
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { context, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
const [url, compression] = process.argv.slice(1);
const otlp = new OTLPTraceExporter({ url, compression });
const results = [];
const exporter = {  // the real exporter, each export's result code kept (0: success)
  export: (spans, done) => otlp.export(spans, (result) => { results.push(result.code); done(result); }),
  shutdown: () => otlp.shutdown(),
  forceFlush: () => otlp.forceFlush(),
};
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'js-client' }),
  spanProcessors: [new SimpleSpanProcessor(exporter)],
});
const tracer = provider.getTracer('journey.web', '0.1.0');
const root = tracer.startSpan('Show Talks', { attributes: { 'session.id': 'node-otlp', 'ui.targets': ['a', 'b'] } });
root.addEvent('clicked', { 'ui.x': 3 });
const child = tracer.startSpan(
  'POST',
  { kind: SpanKind.CLIENT, attributes: { 'peer.service': 'backend', 'http.response.status_code': 500 } },
  trace.setSpan(context.active(), root),
);
child.setStatus({ code: SpanStatusCode.ERROR, message: 'HTTP 500' });
child.end();
root.end();
await provider.shutdown();
console.log(JSON.stringify({ traceId: root.spanContext().traceId, rootId: root.spanContext().spanId, results }));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")
@pytest.mark.parametrize("compression", ["none", "gzip"])
def test_javascript_otlp_exporter_in_node(collector, compression):
    result = subprocess.run(
        ["node", "--input-type=module", "-e", NODE_EXPORT, f"{collector.url}/v1/traces", compression],
        cwd=ROOT / "frontend",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    sent = json.loads(result.stdout.strip().splitlines()[-1])
    assert sent["results"] == [0, 0], result.stderr  # ExportResultCode.SUCCESS for both spans
    spans = spans_of(collector, sent["traceId"])
    by_name = {s["name"]: s for s in spans}
    root, post = by_name["show talks"], by_name["post"]
    assert "kind" not in root and root["id"] == sent["rootId"]
    assert root["tags"]["session.id"] == "node-otlp" and root["tags"]["ui.targets"] == '["a", "b"]'
    assert (root["tags"]["otel.scope.name"], root["tags"]["otel.scope.version"]) == ("journey.web", "0.1.0")
    assert [a["value"] for a in root["annotations"]] == ['"clicked": {"ui.x": 3}']
    assert post["parentId"] == sent["rootId"] and post["kind"] == "CLIENT"
    assert post["remoteEndpoint"] == {"serviceName": "backend"}
    assert (post["tags"]["http.response.status_code"], post["tags"]["error"]) == ("500", "HTTP 500")
    assert all(s["localEndpoint"]["serviceName"] == "js-client" for s in spans)


def test_journey_check_passes_on_a_trace_that_came_in_over_otlp(collector, tmp_path):
    browser = provider_for("frontend", OTLPSpanExporter(endpoint=f"{collector.url}/v1/traces"))
    api = provider_for("backend", OTLPSpanExporter(endpoint=f"{collector.url}/v1/traces"))
    session = f"otlp-{uuid.uuid4().hex[:8]}"
    with (
        browser.get_tracer("web").start_as_current_span("Search Talks", attributes={"session.id": session}) as root,
        browser.get_tracer("fetch").start_as_current_span("POST", kind=SpanKind.CLIENT),
        api.get_tracer("flask").start_as_current_span("POST /graphql", kind=SpanKind.SERVER) as served,
    ):
        served.set_attribute("session.id", session)
    browser.shutdown()
    api.shutdown()
    shape = {
        "find": {"service": "frontend", "span": "search talks"},
        "spans": [
            {"service": "frontend", "name": "search talks", "root": True, "tags": {"session.id": session}},
            {"service": "frontend", "name": "post", "kind": "CLIENT", "parent": ["frontend", "search talks"]},
            {"service": "backend", "name": "post /graphql", "kind": "SERVER", "parent": ["frontend", "post"]},
        ],
    }
    (tmp_path / "shape.json").write_text(json.dumps(shape))
    trace_id = f"{root.get_span_context().trace_id:032x}"
    command = [sys.executable, "-m", "journey", "check", "--shape", str(tmp_path / "shape.json")]
    command += ["--collector", collector.url, "--trace", trace_id]
    checked = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith("PASS"), checked.stdout


def test_spans_acknowledged_over_otlp_before_a_kill_9_are_there_after_restart(tmp_path):
    db = tmp_path / "spans.db"
    first = start_server(["collector", "--db", str(db)], "first", tmp_path)
    acknowledged = []
    for _ in range(20):
        trace_id = uuid.uuid4().bytes
        end = now_ns()
        spans = [
            otlp_span(trace_id=trace_id, span_id=(i + 1).to_bytes(8, "big"), end_time_unix_nano=end) for i in range(50)
        ]
        body = export_request(*spans).SerializeToString()
        headers = {"Content-Type": PROTOBUF}
        if requests.post(f"{first.url}/v1/traces", data=body, headers=headers, timeout=5).status_code == 200:
            acknowledged.append(trace_id.hex())
    first.process.send_signal(signal.SIGKILL)
    first.process.wait()
    second = start_server(["collector", "--db", str(db)], "second", tmp_path)
    try:
        assert len(acknowledged) == 20
        for trace_id in acknowledged:
            assert len(spans_of(second, trace_id) or []) == 50, trace_id
    finally:
        second.stop()
