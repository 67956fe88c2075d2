"""Real clients no one here wrote: the OpenTelemetry Zipkin exporters (Python, and JS in Node) and a kill -9."""

import json
import shutil
import signal
import subprocess
import time

import pytest
import requests
from opentelemetry.exporter.zipkin.json import ZipkinExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind, StatusCode
from support import ROOT, poll_until, start_server


def spans_of(collector, trace_id):
    response = requests.get(f"{collector.url}/api/v2/trace/{trace_id}", timeout=5)
    return response.json() if response.status_code == 200 else None


def exporting_provider(collector, service):
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(SimpleSpanProcessor(ZipkinExporter(endpoint=f"{collector.url}/api/v2/spans")))
    return provider


def test_python_zipkin_json_exporter(collector):
    client, ratings = exporting_provider(collector, "py-client"), exporting_provider(collector, "ratings")
    tracer = client.get_tracer("test")
    with tracer.start_as_current_span("Parent Work", kind=SpanKind.SERVER) as parent:
        parent.set_attribute("http.route", "/talks")
        parent.add_event("cache miss")
        with (
            tracer.start_as_current_span("call ratings", kind=SpanKind.CLIENT) as call,
            ratings.get_tracer("test").start_as_current_span("get /ratings", kind=SpanKind.SERVER) as served,
        ):
            served.set_status(StatusCode.ERROR, "timeout")
    client.shutdown()
    ratings.shutdown()
    trace_id = f"{parent.get_span_context().trace_id:032x}"
    spans = poll_until(lambda: (found := spans_of(collector, trace_id)) and len(found) == 3 and found, "the trace")
    by_name = {s["name"]: s for s in spans}
    assert set(by_name) == {"parent work", "call ratings", "get /ratings"}
    assert by_name["call ratings"]["parentId"] == f"{parent.get_span_context().span_id:016x}"
    assert by_name["get /ratings"]["parentId"] == f"{call.get_span_context().span_id:016x}"
    assert by_name["parent work"]["tags"]["http.route"] == "/talks"
    assert "cache miss" in by_name["parent work"]["annotations"][0]["value"]  # the exporter adds attributes as JSON
    assert by_name["get /ratings"]["tags"]["error"] == "timeout"
    links = requests.get(
        f"{collector.url}/api/v2/dependencies", params={"endTs": spans[0]["timestamp"] // 1000 + 60_000}, timeout=5
    ).json()
    assert links == [{"parent": "py-client", "child": "ratings", "callCount": 1, "errorCount": 1}]


NODE_EXPORT = """
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { context, trace, SpanKind } from '@opentelemetry/api';
const exporter = new ZipkinExporter({ url: process.argv[1] });
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'js-client' }),
  spanProcessors: [new SimpleSpanProcessor(exporter)],
});
const tracer = provider.getTracer('test');
const root = tracer.startSpan('Show Talks', { attributes: { 'session.id': 'node-1' } });
const child = tracer.startSpan('POST', { kind: SpanKind.CLIENT }, trace.setSpan(context.active(), root));
child.end();
root.end();
await provider.shutdown();
console.log(JSON.stringify({ traceId: root.spanContext().traceId, rootId: root.spanContext().spanId }));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")
def test_javascript_zipkin_exporter_in_node(collector):
    result = subprocess.run(
        ["node", "--input-type=module", "-e", NODE_EXPORT, f"{collector.url}/api/v2/spans"],
        cwd=ROOT / "frontend",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    ids = json.loads(result.stdout.strip().splitlines()[-1])
    spans = poll_until(lambda: spans_of(collector, ids["traceId"]), "the JS exporter's trace")
    by_name = {s["name"]: s for s in spans}
    assert by_name["show talks"]["tags"]["session.id"] == "node-1"
    assert by_name["post"]["parentId"] == ids["rootId"] and by_name["post"]["kind"] == "CLIENT"
    assert all(s["localEndpoint"]["serviceName"] == "js-client" for s in spans)


def test_spans_acknowledged_before_a_kill_9_are_there_after_restart(tmp_path):
    db = tmp_path / "spans.db"
    first = start_server(["collector", "--db", str(db)], "first", tmp_path)
    acknowledged, now_us = [], int(time.time() * 1_000_000)
    for n in range(20):
        trace_id = f"{n + 1:016x}"
        batch = [
            {
                "traceId": trace_id,
                "id": f"{i + 1:016x}",
                "name": "op",
                "timestamp": now_us + i,
                "localEndpoint": {"serviceName": "svc"},
            }
            for i in range(50)
        ]
        if requests.post(f"{first.url}/api/v2/spans", json=batch, timeout=5).status_code == 202:
            acknowledged.append(trace_id)
    first.process.send_signal(signal.SIGKILL)
    first.process.wait()
    second = start_server(["collector", "--db", str(db)], "second", tmp_path)
    try:
        assert len(acknowledged) == 20
        for trace_id in acknowledged:
            assert len(spans_of(second, trace_id)) == 50
    finally:
        second.stop()
