"""Why the browser has code of its own where OpenTelemetry JS has a stock package: each test runs the
stock package (the versions pinned in frontend/package.json's devDependencies) in real Chromium,
against the real backend and collector, and shows the failure that made us replace it. Journey's own
modules cite these tests in their header comments; the tests they pass instead are in
test_e2e_browser.py. When an upgrade of a stock package makes one of these tests fail, the stock
package may now do the job: try it in the app.

Each test bundles a small probe (the SDK pipeline plus the stock package under test) with the app's
esbuild, and runs it in a page of the backend's origin, so `/graphql` is the real API, same-origin.
"""

from __future__ import annotations

import json
import os
import subprocess
from string import Template

import pytest
import requests
from support import JS_BUDGET_GZIPPED, ROOT, poll_until
from support.shapes import find, wait_for_shape

pytestmark = pytest.mark.browser

FRONTEND = ROOT / "frontend"

# The SDK set up as the app sets it up (frontend/src/telemetry.js), with one piece swapped for the
# stock package under test. $imports come first, so zone.js, when imported, patches before the rest.
PROBE = Template("""
$imports
import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, WebTracerProvider } from '@opentelemetry/sdk-trace-web';
import { ZipkinKeepaliveExporter } from './src/zipkin-transport.js';

const zipkin = new URL(location.href).searchParams.get('zipkin');
const provider = new WebTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'frontend' }),
  spanProcessors: [new BatchSpanProcessor($exporter, { scheduledDelayMillis: 100 })],
});
provider.register({
  $context_manager
  propagator: new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
});
registerInstrumentations({ tracerProvider: provider, instrumentations: [$instrumentations] });
const tracer = provider.getTracer('probe');
const graphql = (query) =>
  fetch('/graphql', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ query }),
  });
$body
window.probeReady = true;
""")

# A user action that calls the API once, made in the action's context, as Journey's views do.
ACTION_WITH_ONE_CALL = """
window.act = async () => {
  const session = propagation.setBaggage(ROOT_CONTEXT, propagation.createBaggage({ 'session.id': { value: 'probe' } }));
  const span = tracer.startSpan('probe action', {}, session);
  const response = await context.with(trace.setSpan(session, span), () => graphql('{ talks { total } }'));
  await response.json();
  span.end();
  return span.spanContext().traceId;
};
"""

# A button whose click makes two API calls, the second after an `await` (as "add to schedule" does).
BUTTON_WITH_TWO_CALLS = """
const button = document.createElement('button');
button.textContent = 'Add to my schedule';
document.body.append(button);
button.addEventListener('click', async () => {
  await (await graphql('{ talks { total } }')).json();
  await (await graphql('{ talks(search: "kubernetes") { total } }')).json();
  document.title = 'done';
});
"""


def bundle(source: str) -> str:
    """The probe bundled as the app is (esbuild, from frontend/, so it resolves the same packages)."""
    esbuild = FRONTEND / "node_modules" / ".bin" / "esbuild"
    if not esbuild.exists():
        pytest.fail("frontend/node_modules is missing: run `make install`")
    built = subprocess.run(
        [str(esbuild), "--bundle", "--format=esm", "--log-level=warning"],
        input=source,
        cwd=FRONTEND,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert built.returncode == 0, built.stderr
    return built.stdout


@pytest.fixture
def probe(browser, backend, collector):
    """`probe(**parts)`: a fresh page of the backend's origin running PROBE with `parts` filled in."""
    contexts = []

    def open_probe(imports="", exporter="new ZipkinKeepaliveExporter(zipkin)", instrumentations="", body=""):
        code = bundle(
            PROBE.substitute(
                imports=imports,
                exporter=exporter,
                context_manager="contextManager: new ZoneContextManager()," if "context-zone" in imports else "",
                instrumentations=instrumentations,
                body=body,
            )
        )
        context = browser.new_context()
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
        page.on("pageerror", lambda error: page.console_errors.append(str(error)))
        # a plain document of the backend's origin (a stylesheet shown as text): no app code runs in it
        page.goto(f"{backend.url}/assets/app.css?zipkin={collector.url}/api/v2/spans")
        page.add_script_tag(content=code, type="module")
        page.wait_for_function("window.probeReady === true")
        return page

    yield open_probe
    for context in contexts:
        context.close()


def trace_spans(collector, trace_id: str) -> list[dict]:
    response = requests.get(f"{collector.url}/api/v2/trace/{trace_id}", timeout=5)
    return response.json() if response.status_code == 200 else []


def test_stock_fetch_instrumentation_loses_the_client_span_when_the_page_is_left(probe, collector):
    page = probe(
        imports="import { FetchInstrumentation } from '@opentelemetry/instrumentation-fetch';",
        instrumentations="new FetchInstrumentation({ ignoreUrls: [zipkin], ignoreNetworkEvents: true })",
        body=ACTION_WITH_ONE_CALL,
    )
    # while the page stays, the stock span has the shape interfaces.md asks for ...
    stayed = page.evaluate("act()")
    wait_for_shape(
        collector.url,
        stayed,
        [
            ("frontend", "probe action", None, None, None),
            ("frontend", "post", "CLIENT", "frontend", "probe action"),
            ("backend", "post /graphql", "SERVER", "frontend", "post"),
        ],
    )
    # ... but it ends 300 ms after the response: a user who leaves as soon as the answer is shown
    # takes it along. The action span leaves (the processor flushes when the page is hidden).
    left = page.evaluate("act()")
    page.goto("about:blank")

    def both_sides():
        spans = trace_spans(collector, left)
        return find(spans, "frontend", "probe action") and find(spans, "backend", "post /graphql") and spans

    poll_until(both_sides, "the action span and the backend's server span")
    page.wait_for_timeout(1500)  # far longer than the 300 ms + 100 ms batch delay a late span would need
    spans = trace_spans(collector, left)
    assert find(spans, "frontend", "post") == []
    [server] = find(spans, "backend", "post /graphql")
    assert server["parentId"] not in {s["id"] for s in spans}  # the backend's parent never arrives


@pytest.mark.parametrize("zone", [False, True], ids=["without zone.js", "with zone.js"])
def test_stock_user_interaction_span_ends_before_its_fetches(probe, collector, zone):
    imports = """
import { FetchInstrumentation } from '@opentelemetry/instrumentation-fetch';
import { UserInteractionInstrumentation } from '@opentelemetry/instrumentation-user-interaction';
"""
    if zone:  # 13 kB gzipped more: over the app's budget, and tried here all the same
        imports = "import 'zone.js';\nimport { ZoneContextManager } from '@opentelemetry/context-zone';\n" + imports
    page = probe(
        imports=imports,
        instrumentations="new FetchInstrumentation({ ignoreUrls: [zipkin] }), new UserInteractionInstrumentation()",
        body=BUTTON_WITH_TWO_CALLS,
    )
    page.get_by_role("button", name="Add to my schedule").click()
    page.wait_for_function("document.title === 'done'")

    def frontend_traces():
        found = requests.get(
            f"{collector.url}/api/v2/traces",
            params={"serviceName": "frontend", "lookback": "60000", "limit": "20"},
            timeout=5,
        ).json()
        posts = [s for t in found for s in t if s["name"] == "post"]
        return len(posts) == 2 and found

    traces = poll_until(frontend_traces, "both calls' CLIENT spans")
    [clicked] = [t for t in traces if find(t, "frontend", "click") and find(t, "frontend", "post")]
    by_id = {s["id"]: s for s in clicked}
    [first_call] = find(clicked, "frontend", "post")
    action = by_id[first_call["parentId"]]
    assert action["name"] == "click"  # the DOM event, not the intent ("add to schedule")
    ends = {s["id"]: s["timestamp"] + s["duration"] for s in clicked}
    assert ends[action["id"]] < ends[first_call["id"]]  # the action is over before its call has answered
    [second_call] = [s for t in traces if t is not clicked for s in t if s["name"] == "post"]
    assert "parentId" not in second_call  # the call after `await` is a trace of its own, not the click's


def test_stock_zipkin_exporter_logs_an_error_for_every_batch_while_the_collector_is_down(probe, collector):
    batches = 8
    exporters = {"stock": "new ZipkinExporter({ url: zipkin })", "ours": "new ZipkinKeepaliveExporter(zipkin)"}
    failures = {}
    for exporter, made_by in exporters.items():
        page = probe(
            imports="import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';",
            exporter=made_by,
            body="window.act = () => tracer.startSpan('probe action').end();",
        )
        collector.stop()
        for _ in range(batches):
            page.evaluate("act()")
            page.wait_for_timeout(250)  # a batch each: the processor exports after 100 ms
        failures[exporter] = len([e for e in page.console_errors if "net::ERR_" in e])
    # the stock exporter sends by sendBeacon, which says "queued", never "failed": it cannot back off
    assert failures["stock"] >= batches - 1  # one a batch (two may share one)
    assert failures["ours"] <= 3, failures


def test_stock_zipkin_exporter_loses_a_whole_batch_to_one_sub_microsecond_start_time(probe, collector):
    page = probe(
        imports="import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';",
        exporter="new ZipkinExporter({ url: zipkin })",
        body="""
window.act = (startTime) => {
  const span = tracer.startSpan('probe action', startTime === undefined ? {} : { startTime });
  span.end();
  return span.spanContext().traceId;
};""",
    )
    posted = []
    page.on("requestfinished", lambda request: request.method == "POST" and posted.append(request))
    whole = page.evaluate("act()")
    # a start time with nanoseconds (an HrTime, as instrumentations pass them)
    fractional = page.evaluate("act([Math.floor(Date.now() / 1000), 123456789])")
    poll_until(lambda: page.wait_for_timeout(100) or posted, "the exporter's post")
    [batch] = posted
    sent = json.loads(batch.post_data)
    assert {s["traceId"] for s in sent} == {whole, fractional}
    assert any(s["timestamp"] != int(s["timestamp"]) for s in sent)  # written as is, not rounded
    assert batch.response().status == 400  # rejected, as Zipkin rejects it, and the page never knows
    assert trace_spans(collector, whole) == []  # the span with a whole timestamp is lost with it


# The app bundled with build-options.mjs into `outdir`; with `stock`, page-view.js gets the stock
# document load instrumentation in place of page-load.js. Prints each script's gzipped size, the
# OTLP exporter's chunk (loaded only when chosen) left out.
APP_BUILD = """
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { buildOptions } from './build-options.mjs';

const { outdir, stock } = JSON.parse(process.env.APP_BUILD);
const stockPageLoad = `
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { DocumentLoadInstrumentation } from '@opentelemetry/instrumentation-document-load';
export function withoutQuery(address) {
  const url = new URL(address, location.href);
  return url.origin + url.pathname;
}
export function tracePageLoad(tracer, onLoaded) {
  const documentLoad = new DocumentLoadInstrumentation({ applyCustomAttributesOnSpan: { documentLoad: onLoaded } });
  registerInstrumentations({ instrumentations: [documentLoad] });
}`;
const swap = {
  name: 'stock-page-load',
  setup(built) {
    const stockModule = { path: 'page-load', namespace: 'stock' };
    built.onResolve({ filter: /^[.][/]page-load[.]js$/ }, () => (stock ? stockModule : undefined));
    built.onLoad({ filter: /.*/, namespace: 'stock' }, () => ({ contents: stockPageLoad, resolveDir: 'src' }));
  },
};
await build({ ...buildOptions, sourcemap: false, outdir, plugins: [swap] });
const sizes = {};
for (const name of ['app.js', ...readdirSync(`${outdir}/chunks`).map((chunk) => `chunks/${chunk}`)]) {
  const body = readFileSync(`${outdir}/${name}`);
  if (!body.includes('v1/traces')) sizes[name] = gzipSync(body, { level: 9 }).length;
}
console.log(JSON.stringify(sizes));
"""


def default_page_javascript(tmp_path, stock: bool) -> int:
    """Gzipped bytes of the JavaScript the default (Zipkin) page loads, with our page load or the stock one."""
    outdir = tmp_path / ("stock" if stock else "ours")
    built = subprocess.run(
        ["node", "--input-type=module"],
        input=APP_BUILD,
        cwd=FRONTEND,
        env={**os.environ, "APP_BUILD": json.dumps({"outdir": str(outdir), "stock": stock})},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert built.returncode == 0, built.stderr
    return sum(json.loads(built.stdout).values())


def test_the_stock_document_load_takes_the_page_over_its_budget(tmp_path):
    """page-load.js exists for the budget: the stock package brings its instrumentation base and api-logs."""
    ours, stock = default_page_javascript(tmp_path, stock=False), default_page_javascript(tmp_path, stock=True)
    print(f"JavaScript the default page loads, gzipped: {ours} bytes with page-load.js, {stock} with the stock package")
    assert ours <= JS_BUDGET_GZIPPED < stock


def load_trace(probe, collector, imports: str, instrumentations: str = "", body: str = "") -> list[dict]:
    """The spans of a probe page's load; the probe fetched /config.json with a query before it loaded."""
    # a resource with a query, loaded before the load is recorded
    imports += """
await (await fetch('/config.json?typed=private')).text();
while (!performance.getEntriesByType('resource').length) await new Promise((done) => setTimeout(done, 10));"""
    page = probe(imports=imports, instrumentations=instrumentations, body=f"window.provider = provider;\n{body}")
    trace_id = poll_until(lambda: page.evaluate("window.loadTrace"), "the documentLoad span")
    page.evaluate("provider.forceFlush()")

    def whole():
        spans = trace_spans(collector, trace_id)
        return {s["name"] for s in spans} >= {"documentload", "documentfetch", "resourcefetch"} and spans

    return poll_until(whole, "the page load's spans")


def test_our_page_load_records_what_the_stock_document_load_does_without_queries(probe, collector):
    remember = "(span) => { window.loadTrace = span.spanContext().traceId; }"
    stock_options = f"{{ applyCustomAttributesOnSpan: {{ documentLoad: {remember} }} }}"
    stock = load_trace(
        probe,
        collector,
        imports="import { DocumentLoadInstrumentation } from '@opentelemetry/instrumentation-document-load';",
        instrumentations=f"new DocumentLoadInstrumentation({stock_options})",
    )
    ours = load_trace(
        probe,
        collector,
        imports="import { tracePageLoad } from './src/page-load.js';",
        body=f"tracePageLoad(tracer, {remember});",
    )

    def shape(spans):  # each kind of span: its parent, events and tags (the count of resources varies with timing)
        load = next(s for s in spans if s["name"] == "documentload")
        return {
            (
                s["name"],
                s.get("parentId") == load["id"],
                tuple(sorted(a["value"] for a in s.get("annotations", []))),
                tuple(sorted(set(s["tags"]) - {"otel.scope.name", "otel.scope.version"})),
            )
            for s in spans
        }

    assert shape(ours) == shape(stock)
    assert [s for s in stock if "?" in s["tags"]["url.full"]]  # the page's query and the resource's, as is
    assert [s["tags"]["url.full"] for s in ours if "?" in s["tags"]["url.full"]] == []
