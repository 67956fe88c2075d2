"""Parity with the real Zipkin: one table of requests, each sent to our collector (the `collector`
fixture, here once for the whole table) and to the real zipkin-server (the `zipkin` fixture), which
must answer alike.

Both servers first get the same spans (`seed`), named after a token of their own, since the real
Zipkin's store is shared by the whole session; a row that posts uses names of its own. Compared, aspect by aspect
(support/parity.py): the status line, the body, the media type, Cache-Control, what a browser reads
of CORS, and after a POST the trace read back (a refused batch stores nothing on either side).

What legitimately differs is normalised away, each difference named in DIFFERENCES with its reason;
a row names those it needs in `unlike`. One such difference is in what is asked (ELSEWHERE): what the
contract serves at a path Zipkin does not is compared with Zipkin's answer at the path it serves it.
A difference not fixed yet is `known`: the row is xfail(strict=True) with the difference in its
reason, and only that aspect may differ, so a row turns red when anything else breaks, and when the
difference is fixed (then drop `known`). None is open now.

Not compared, and why: Date, Server, Content-Length, Connection, Transfer-Encoding and
Content-Encoding (transport: Zipkin gzips answers over 2 KiB); ETag and Last-Modified (each server's
own validators; ours gives an ETag alone, enough to revalidate). Zipkin caches name lists once its
last /services answer had more than 3 names, ours once the store has (collector/api.py says why): the
seed has 5 services and asks /services first, as Zipkin's UI does, so both count the same. An OPTIONS
that is no preflight is a row like any method (zipkin-server 3.4.2 answers it 404 on its API, 405
under /zipkin/). The cases a shared store cannot show (3 services or fewer, a list of allowed
origins) are held to Zipkin's rules against our collector alone, in test_collector_parity.py, as is
every behaviour a row here checks that ours once lacked.
"""

from __future__ import annotations

import gzip
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from support import start_server
from support.parity import Answer, ask, aspects, differences
from support.zipkin_proto import ListOfSpans

pytestmark = pytest.mark.zipkin

# What legitimately differs, normalised before comparing. The first three apply to every row
# (support/parity.py); the others to the rows naming them.
DIFFERENCES = {
    "json layout": "ours writes JSON with spaces after , and :, Zipkin without: the same JSON to any client",
    "text/*": "Zipkin labels error text with the media range text/*, which is no media type (RFC 9110 8.3); "
    "ours says text/plain; charset=utf-8",
    "grpc-web cors": "Zipkin also collects over gRPC-web on the same port and names its headers in every CORS "
    "answer (x-grpc-web, grpc-status, ...); ours has no gRPC. Compared: what a browser checks, whether "
    "the headers a preflight asked for are allowed",
    "shared store": "both servers hold more than the seed (the real Zipkin every test's spans, one server "
    "per session; ours the rows' posts): answers are cut to the seed's names",
    "link order": "the API does not order dependency links; Zipkin lists them as its store iterates traces",
    "ingest wording": "the contract asks a refused batch for Zipkin's status and a message saying what is "
    "wrong, not Zipkin's words: ours names the JSON path, Zipkin passes on its parser's message",
    "viewer": "each server's own UI: Zipkin serves Lens, ours its viewer; compared are the status and the "
    "media type (Zipkin's UI on our collector is tested in test_collector_parity.py)",
    "health": "each names its own storage (InMemoryStorage, SQLiteStorage) and pretty-prints or not; "
    "compared are the two statuses, UP",
    "overflow": "Zipkin multiplies endTs by 1000 past 64 bits and finds nothing; ours clamps and finds the "
    "traces: an overflow is no behaviour to copy",
    "preflight max-age": "on purpose (collector/cors.py): ours lets a browser keep a preflight a day, "
    "Zipkin's 0 asks again before every batch",
    "allowed headers": "on purpose (collector/cors.py): ours allows content-encoding on a preflight (it "
    "takes gzip from a browser), Zipkin only content-type",
    "POST under /zipkin": "the contract (shared/interfaces.md, Collector HTTP) has POST /spans under both "
    "/api/v2 and /zipkin/api/v2; zipkin-server serves it under /api/v2 alone (405 under /zipkin, its UI's "
    "prefix): ours is compared with Zipkin's answer to the same POST at /api/v2/spans",
}

# The differences in what is asked: where Zipkin is asked what the row asks ours at its path.
ELSEWHERE = {"POST under /zipkin": "/api/v2/spans"}


def _shared_store(ours: dict, theirs: dict, names: dict) -> None:
    """Each answer cut to what carries the seed's token: names, traces or dependency links."""

    def seeded(item: Any) -> bool:
        if isinstance(item, list):  # a trace
            return any(names["t"] in span["traceId"] for span in item)
        if isinstance(item, dict):  # a dependency link
            return names["t"] in item["parent"] or names["t"] in item["child"]
        return names["t"] in item

    for seen in (ours, theirs):
        if isinstance(seen["body"], list):
            seen["body"] = [item for item in seen["body"] if seeded(item)]


def _link_order(ours: dict, theirs: dict, names: dict) -> None:
    for seen in (ours, theirs):
        if isinstance(seen["body"], list):
            seen["body"] = sorted(seen["body"], key=lambda link: (link["parent"], link["child"]))


def _ingest_wording(ours: dict, theirs: dict, names: dict) -> None:
    for seen in (ours, theirs):
        if seen["status"][0] == 400:
            seen["body"] = "a message" if seen["body"] else "no message"


def _drop(*aspect_names: str) -> Callable[[dict, dict, dict], None]:
    def drop(ours: dict, theirs: dict, names: dict) -> None:
        for seen in (ours, theirs):
            for name in aspect_names:
                seen.pop(name, None)

    return drop


def _health(ours: dict, theirs: dict, names: dict) -> None:
    for seen in (ours, theirs):
        seen["body"] = (seen["body"]["status"], seen["body"]["zipkin"]["status"])


def _asked_headers(ours: dict, theirs: dict, names: dict) -> None:
    for seen in (ours, theirs):
        allowed = seen["cors"]["asked headers allowed"]
        seen["cors"]["asked headers allowed"] = [header for header in allowed if header != "content-encoding"]


NORMALISE = {
    "shared store": _shared_store,
    "link order": _link_order,
    "ingest wording": _ingest_wording,
    "viewer": _drop("body", "cache-control"),
    "health": _health,
    "overflow": _drop("body"),
    "preflight max-age": _drop("cors max-age"),
    "allowed headers": _asked_headers,
}


class KnownDifference(Exception):
    """The difference a row's `known` names, still there."""


@dataclass(frozen=True)
class Known:
    """A difference not fixed yet: the aspects it shows in, and what it is."""

    aspects: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class Row:
    """One request: path and body are templates filled with the row's names (names_for)."""

    id: str
    path: str
    method: str = "GET"
    body: Callable[[dict], Any] | bytes | None = None  # a list or dict is sent as JSON
    headers: dict[str, str] = field(default_factory=dict)
    unlike: tuple[str, ...] = ()
    known: Known | None = None
    read_back: str | None = None  # after a POST: the trace to read back

    def param(self):
        marks = [pytest.mark.xfail(strict=True, raises=KnownDifference, reason=self.known.reason)] if self.known else []
        return pytest.param(self, id=self.id, marks=marks)

    def send(self, base_url: str, names: dict, path: str | None = None) -> Answer:
        """The answer to this row's request, at `path` instead of the row's if given."""
        body = self.body(names) if callable(self.body) else self.body
        if isinstance(body, list | dict):
            body = json.dumps(body).encode()
        answer = ask(base_url, self.method, (path or self.path).format(**names), body, self.headers)
        if self.method == "POST":
            answer.stored = ask(base_url, "GET", (self.read_back or "/api/v2/trace/{new}").format(**names), None, {})
        return answer


def names_for(token: str, now_us: int) -> dict[str, Any]:
    """The seed's services, trace ids and sessions (Zipkin lower-cases names; ids are lower hex)."""
    t = token
    names: dict[str, Any] = {"t": t, "now": now_us, "end": now_us // 1000 + 1000}
    names |= {service: f"{t}-{service}" for service in ("frontend", "backend", "mobile", "api", "batch", "sqlite")}
    names |= {f"t{n}": f"{t}000000000{n}" for n in (1, 2, 3)}
    names |= {f"s{n}": f"s-{t}-{n}" for n in (1, 2, 3, 4)}
    names["t4"], names["t4low"] = f"{t}00000000ff{t}0000000004", f"{t}0000000004"  # 128-bit
    names["FRONTEND"] = names["frontend"].upper()
    return names


def row_names(token: str) -> dict[str, str]:
    """What a row posts: a trace and services of its own."""
    return {"new": f"{token}00000000aa", "poster": f"{token}-poster", "poster-api": f"{token}-poster-api"}


def span(trace_id: str, span_id: str, name: str, service: str, start: int, duration: int, **fields) -> dict:
    return {
        "traceId": trace_id,
        "id": span_id,
        "name": name,
        "timestamp": start,
        "duration": duration,
        "localEndpoint": {"serviceName": service},
        **fields,
    }


def rpc(trace_id: str, client: str, server: str, remote: str, start: int, session: str, **server_fields) -> list[dict]:
    """A click in `client` calling `server`, which calls the database: four spans."""
    server_fields.setdefault("tags", {})
    server_fields["tags"] |= {"session.id": session, "http.route": "/graphql"}
    long = server_fields.pop("long", False)
    duration = 2000 if long else 900
    return [
        span(trace_id, "1", "click", client, start, duration, tags={"session.id": session}),
        span(trace_id, "2", "post", client, start + 10, duration - 100, parentId="1", kind="CLIENT"),
        span(
            trace_id,
            "3",
            "post /graphql",
            server,
            start + 20,
            duration - 200,
            parentId="2",
            kind="SERVER",
            **server_fields,
        ),
        span(
            trace_id,
            "4",
            "select",
            server,
            start + 30,
            100,
            parentId="3",
            kind="CLIENT",
            remoteEndpoint={"serviceName": remote},
        ),
    ]


def seed(names: dict) -> list[dict]:
    """Four traces, one a second apart, newest last: 5 services, 4 sessions, an error, an annotation."""
    now = names["now"]
    return [
        *rpc(names["t1"], names["frontend"], names["backend"], names["sqlite"], now - 4_000_000, names["s1"]),
        *rpc(
            names["t2"],
            names["mobile"],
            names["api"],
            names["sqlite"],
            now - 3_000_000,
            names["s2"],
            tags={"error": "boom"},
        ),
        *rpc(
            names["t3"],
            names["frontend"],
            names["backend"],
            names["sqlite"],
            now - 2_000_000,
            names["s3"],
            long=True,
            annotations=[{"timestamp": now - 2_000_000 + 25, "value": "retried"}],
        ),
        span(names["t4"], "1", "nightly job", names["batch"], now - 1_000_000, 500, tags={"session.id": names["s4"]}),
    ]


def plant(base_url: str, names: dict) -> None:
    """Post the seed, then ask /services as Zipkin's UI does first (Zipkin caches names by that count)."""
    response = requests.post(f"{base_url}/api/v2/spans", json=seed(names), timeout=10)
    assert response.status_code == 202, response.text
    assert len(requests.get(f"{base_url}/api/v2/services", timeout=10).json()) >= 5


def get(row_id: str, path: str, **kwargs) -> Row:
    return Row(row_id, path, **kwargs)


def call(row_id: str, method: str, path: str, **kwargs) -> Row:
    return Row(row_id, path, method, **kwargs)


def traces(label: str, query: str, **kwargs) -> Row:
    """A /traces row about the seed's frontend service: `query` follows its serviceName."""
    return get(f"traces: {label}", "/api/v2/traces?serviceName={frontend}&" + query, **kwargs)


def post(row_id: str, body, headers: dict[str, str] | None = None, **kwargs) -> Row:
    return Row(row_id, kwargs.pop("path", "/api/v2/spans"), "POST", body, headers or {}, **kwargs)


def new_span(**fields) -> Callable[[dict], list[dict]]:
    """A batch of one span of trace {new}, with `fields` over a plain valid span."""
    return lambda n: [{**span(n["new"], "a1", "get", n["poster"], n["now"], 10), **fields}]


def raw_span(fields: str) -> Callable[[dict], bytes]:
    """A batch of one span of trace {new} as JSON text, `fields` (JSON text too) after its ids: for numbers
    written as Python's json module would not write them (1.50, -0, NaN)."""
    return lambda n: f'[{{"traceId": "{n["new"]}", "id": "a1", "timestamp": {n["now"]}, {fields}}}]'.encode()


def one_span_proto(names: dict) -> bytes:
    message = ListOfSpans()
    item = message.spans.add(
        trace_id=bytes.fromhex(names["new"]),
        id=bytes.fromhex("00000000000000a1"),
        kind=2,
        name="GET /Talks",
        timestamp=names["now"],
        duration=207,
    )
    item.local_endpoint.service_name = names["poster"]
    item.tags["http.route"] = "/talks"
    return message.SerializeToString()


ORIGIN = {"Origin": "http://localhost:8000"}


def preflight(method: str, headers: str | None = None) -> dict[str, str]:
    return {**ORIGIN, "Access-Control-Request-Method": method} | (
        {"Access-Control-Request-Headers": headers} if headers else {}
    )


def preflight_row(label: str, path: str, method: str, asked: str | None = None, unlike: tuple[str, ...] = ()) -> Row:
    """A browser's preflight of `method` (asking for the `asked` headers) on `path`."""
    headers = preflight(method, asked)
    return Row(f"CORS: preflight {label}", path, "OPTIONS", headers=headers, unlike=("preflight max-age", *unlike))


SHARED = ("shared store",)
REFUSED = ("ingest wording",)
LINKS = ("shared store", "link order")

ROWS = [
    # names
    get("services", "/api/v2/services", unlike=SHARED),
    get("services under /zipkin", "/zipkin/api/v2/services", unlike=SHARED),
    get("spans", "/api/v2/spans?serviceName={frontend}"),
    get("spans: serviceName in capitals", "/api/v2/spans?serviceName={FRONTEND}"),
    get("spans: serviceName unknown", "/api/v2/spans?serviceName={t}-nobody"),
    get("spans: serviceName empty", "/api/v2/spans?serviceName="),
    get("spans: serviceName missing", "/api/v2/spans"),
    get("remoteServices", "/api/v2/remoteServices?serviceName={backend}"),
    get("remoteServices: serviceName missing", "/api/v2/remoteServices"),
    # traces: each parameter, then its errors
    get("traces: serviceName", "/api/v2/traces?serviceName={frontend}"),
    get("traces: serviceName unknown", "/api/v2/traces?serviceName={t}-nobody"),
    traces("spanName", "spanName=click"),
    traces("spanName all", "spanName=all"),
    traces("spanName empty", "spanName="),
    get("traces: remoteServiceName", "/api/v2/traces?serviceName={backend}&remoteServiceName={sqlite}"),
    get("traces: remoteServiceName alone", "/api/v2/traces?remoteServiceName={sqlite}", unlike=SHARED),
    get("traces: annotationQuery tag=value", "/api/v2/traces?serviceName={api}&annotationQuery=error=boom"),
    get("traces: annotationQuery tag key", "/api/v2/traces?serviceName={api}&annotationQuery=error"),
    get("traces: annotationQuery annotation", "/api/v2/traces?serviceName={backend}&annotationQuery=retried"),
    get("traces: annotationQuery with and", "/api/v2/traces?annotationQuery=session.id={s3} and retried"),
    get("traces: annotationQuery ending in and", "/api/v2/traces?annotationQuery=session.id={s1} and "),
    get("traces: annotationQuery trimmed", "/api/v2/traces?annotationQuery=%20session.id%20=%20{s1}%20"),
    get("traces: annotationQuery tag then its key", "/api/v2/traces?annotationQuery=session.id={s1} and session.id"),
    traces("annotationQuery without key", "annotationQuery==x"),
    traces("minDuration", "minDuration=1500"),
    traces("min and maxDuration", "minDuration=800&maxDuration=1000"),
    traces("minDuration 0", "minDuration=0"),
    traces("minDuration x", "minDuration=x"),
    traces("minDuration empty", "minDuration="),
    traces("maxDuration alone", "maxDuration=1000"),
    traces("maxDuration below min", "minDuration=10&maxDuration=5"),
    traces("maxDuration x", "minDuration=10&maxDuration=x"),
    get(
        "traces: endTs and lookback",
        "/api/v2/traces?annotationQuery=http.route&endTs={end}&lookback=3500",
        unlike=SHARED,
    ),
    traces("endTs 0", "endTs=0"),
    traces("endTs x", "endTs=x"),
    traces("endTs 1e3", "endTs=1e3"),
    traces("endTs empty", "endTs=", unlike=SHARED),
    get("traces: endTs past 64 bits", "/api/v2/traces?endTs=99999999999999999999"),
    traces("lookback 0", "lookback=0"),
    traces("lookback x", "lookback=x"),
    traces("lookback with a plus sign", "lookback=%2B60000"),
    traces(
        "endTs and lookback overflowing",
        "endTs=9223372036854775807&lookback=10000000000000000",
        unlike=("overflow",),
    ),
    traces("limit 1", "limit=1"),
    traces("limit 0", "limit=0"),
    traces("limit -1", "limit=-1"),
    traces("limit x", "limit=x"),
    traces("limit with a space", "limit=%201"),
    traces("limit empty", "limit="),
    traces("limit past int", "limit=99999999999"),
    traces("unknown parameter", "colour=red"),
    # one trace
    get("trace", "/api/v2/trace/{t1}"),
    get("trace under /zipkin", "/zipkin/api/v2/trace/{t1}"),
    get("trace: 128-bit", "/api/v2/trace/{t4}"),
    get("trace: 128-bit by its low half", "/api/v2/trace/{t4low}"),
    get("trace: 64-bit padded to 128", "/api/v2/trace/0000000000000000{t1}"),
    get("trace: 64-bit padded to 18", "/api/v2/trace/00{t1}"),
    get("trace: unknown", "/api/v2/trace/{t}0000000009"),
    get("trace: unknown, padded to 18", "/api/v2/trace/00{t}0000000009"),
    get("trace: spaces around", "/api/v2/trace/%20{t1}%20"),
    get("trace: not hex", "/api/v2/trace/XYZ"),
    get("trace: longer than 32", "/api/v2/trace/" + "1" * 33),
    get("trace: all zeros", "/api/v2/trace/0000000000000000"),
    get("trace: no id", "/api/v2/trace/"),
    # several traces
    get("traceMany", "/api/v2/traceMany?traceIds={t1},{t2}"),
    get("traceMany: one unknown", "/api/v2/traceMany?traceIds={t1},{t}0000000009"),
    get("traceMany: one", "/api/v2/traceMany?traceIds={t1}"),
    get("traceMany: empty", "/api/v2/traceMany?traceIds="),
    get("traceMany: an empty id", "/api/v2/traceMany?traceIds={t1},,{t2}"),
    get("traceMany: not hex", "/api/v2/traceMany?traceIds={t1},zz"),
    get("traceMany: a space before an id", "/api/v2/traceMany?traceIds={t1},%20{t2}"),
    get("traceMany: the same id padded", "/api/v2/traceMany?traceIds={t1},0000000000000000{t1}"),
    get("traceMany: the same id padded to 18", "/api/v2/traceMany?traceIds={t1},00{t1}"),
    get("traceMany: traceIds missing", "/api/v2/traceMany"),
    # dependencies
    get("dependencies", "/api/v2/dependencies?endTs={end}&lookback=60000", unlike=LINKS),
    get("dependencies: default lookback", "/api/v2/dependencies?endTs={end}", unlike=LINKS),
    get("dependencies: endTs missing", "/api/v2/dependencies"),
    get("dependencies: endTs empty", "/api/v2/dependencies?endTs="),
    get("dependencies: endTs 0", "/api/v2/dependencies?endTs=0"),
    get("dependencies: endTs x", "/api/v2/dependencies?endTs=x"),
    get("dependencies: lookback 0", "/api/v2/dependencies?endTs={end}&lookback=0"),
    get("dependencies: lookback x", "/api/v2/dependencies?endTs={end}&lookback=x"),
    get(
        "dependencies: overflowing",
        "/api/v2/dependencies?endTs=9223372036854775807&lookback=10000000000000000",
        unlike=("overflow",),
    ),
    # autocomplete
    get("autocompleteKeys", "/api/v2/autocompleteKeys"),
    get("autocompleteValues", "/api/v2/autocompleteValues?key=session.id", unlike=SHARED),
    get("autocompleteValues: a key not offered", "/api/v2/autocompleteValues?key=error"),
    get("autocompleteValues: key empty", "/api/v2/autocompleteValues?key="),
    get("autocompleteValues: key missing", "/api/v2/autocompleteValues"),
    # UI config, health, UI pages, unknown paths and methods
    get("UI config", "/zipkin/config.json"),
    get("UI config with a stale ETag", "/zipkin/config.json", headers={"If-None-Match": '"stale"'}),
    get("health", "/health", unlike=("health",)),
    get("UI: root", "/", unlike=("viewer",)),
    get("UI: /zipkin/", "/zipkin/", unlike=("viewer",)),
    get("UI: a trace", "/zipkin/traces/{t1}", unlike=("viewer",)),
    get("UI: dependencies", "/zipkin/dependency", unlike=("viewer",)),
    get("unknown path", "/no/such"),
    get("unknown API version", "/api/v1/services"),
    call("DELETE spans", "DELETE", "/api/v2/spans"),
    call("PUT traces", "PUT", "/api/v2/traces"),
    call("POST services", "POST", "/api/v2/services"),
    call("DELETE health", "DELETE", "/health"),
    call("DELETE UI config", "DELETE", "/zipkin/config.json"),
    call("TRACE services", "TRACE", "/api/v2/services"),
    call("TRACE unknown path", "TRACE", "/no/such"),
    call("HEAD services", "HEAD", "/api/v2/services"),
    call("HEAD health", "HEAD", "/health"),
    call("HEAD UI config", "HEAD", "/zipkin/config.json"),
    call("OPTIONS spans, not a preflight", "OPTIONS", "/api/v2/spans"),
    call("OPTIONS traces under /zipkin, not a preflight", "OPTIONS", "/zipkin/api/v2/traces"),
    call("OPTIONS UI config, not a preflight", "OPTIONS", "/zipkin/config.json"),
    call("OPTIONS unknown path, not a preflight", "OPTIONS", "/no/such"),
    call("DELETE spans under /zipkin", "DELETE", "/zipkin/api/v2/spans"),
    call("HEAD services under /zipkin", "HEAD", "/zipkin/api/v2/services"),
    get("unknown path under /zipkin", "/zipkin/no/such"),
    call("POST to an unknown path under /zipkin", "POST", "/zipkin/no/such"),
    call("HEAD an unknown path under /zipkin", "HEAD", "/zipkin/no/such"),
    # ingest: good batches, read back the same
    post("spans: JSON", lambda n: rpc(n["new"], n["poster"], n["poster-api"], "db", n["now"], "s-" + n["new"])),
    post(
        "spans: every field",
        new_span(
            kind="SERVER",
            parentId="0000000000000001",
            localEndpoint={"serviceName": "Backend", "ipv4": "10.0.0.1", "port": 8000},
            remoteEndpoint={"serviceName": "Browser", "ipv6": "::1", "port": 443},
            annotations=[{"timestamp": 1, "value": "ws"}],
            tags={"http.route": "/talks"},
            debug=True,
            shared=True,
        ),
    ),
    post("spans: gzip", lambda n: gzip.compress(json.dumps(new_span()(n)).encode()), {"Content-Encoding": "gzip"}),
    post("spans: proto3", one_span_proto, {"Content-Type": "application/x-protobuf"}),
    post("spans: text/plain, as the browser posts", new_span(), {"Content-Type": "text/plain;charset=UTF-8", **ORIGIN}),
    post("spans: Content-Type application/x-thrift", new_span(), {"Content-Type": "application/x-thrift"}),
    post("spans: empty body", b""),
    post("spans: empty list", b"[]"),
    post("spans: 1e6 timestamp", new_span(timestamp=1e6)),
    post("spans: negative timestamp and duration dropped", new_span(timestamp=-5, duration=-5)),
    post("spans: bad ipv4 dropped", new_span(localEndpoint={"serviceName": "x", "ipv4": "999.1.1.1"})),
    post("spans: negative port dropped", new_span(localEndpoint={"serviceName": "x", "port": -1})),
    post("spans: empty parts dropped", new_span(name="", annotations=[], tags={}, remoteEndpoint={})),
    post("spans: false flags dropped", new_span(debug=False, shared=False)),
    post("spans: unknown field ignored", new_span(colour={"x": [1]})),
    post("spans: the same span twice", lambda n: new_span()(n) * 2),
    # ingest: what Zipkin's reader (Gson's) converts: a number to the string it is written as, a string to a number
    post("spans: a number as tag value", new_span(tags={"retries": 1})),
    post("spans: a number as name", new_span(name=5)),
    post("spans: a number as id", new_span(id=161)),
    post("spans: a string as timestamp", lambda n: new_span(timestamp=str(n["now"]))(n)),
    post(
        "spans: numbers as written",
        raw_span('"name": 1.50, "tags": {"zero": -0, "big": 1E+3, "huge": 99999999999999999999}'),
    ),
    post(
        "spans: strings as numbers",
        raw_span(
            '"duration": " 1e3 ", "localEndpoint": {"serviceName": 12, "port": "8000"}, '
            '"annotations": [{"timestamp": "10d", "value": 7}]'
        ),
    ),
    post("spans: a number of 1023 characters as name", raw_span('"name": ' + "1" * 1023)),
    # ingest: bad batches, refused whole
    post("spans: fractional timestamp", new_span(timestamp=1.5), unlike=REFUSED),
    post("spans: fractional duration", new_span(duration=2.5), unlike=REFUSED),
    post("spans: fractional duration as a string", new_span(duration="2.5"), unlike=REFUSED),
    post("spans: duration a word", new_span(duration="ten"), unlike=REFUSED),
    post("spans: NaN", raw_span('"duration": NaN'), unlike=REFUSED),
    post("spans: a number of 1024 characters as name", raw_span('"name": ' + "1" * 1024), unlike=REFUSED),
    post("spans: a number Gson takes for malformed", raw_span('"name": 1' + "0" * 65), unlike=REFUSED),
    post("spans: a fraction of 1024 characters", raw_span('"duration": 1.' + "0" * 1022), unlike=REFUSED),
    post("spans: port past 65535 as a string", new_span(localEndpoint={"port": "70000"}), unlike=REFUSED),
    post("spans: traceId missing", lambda n: [{"id": "1"}], unlike=REFUSED),
    post("spans: id missing", lambda n: [{"traceId": n["new"]}], unlike=REFUSED),
    post("spans: traceId not hex", lambda n: [{"traceId": "x" + n["new"][1:], "id": "1"}], unlike=REFUSED),
    post("spans: traceId in capitals", lambda n: [{"traceId": n["new"].upper(), "id": "1"}], unlike=REFUSED),
    post("spans: traceId all zeros", lambda n: [{"traceId": "0" * 16, "id": "1"}], unlike=REFUSED),
    post("spans: id all zeros", new_span(id="0" * 16), unlike=REFUSED),
    post("spans: id a fraction", new_span(id=1.5), unlike=REFUSED),
    post("spans: kind unknown", new_span(kind="client"), unlike=REFUSED),
    post("spans: annotation without timestamp", new_span(annotations=[{"value": "x"}]), unlike=REFUSED),
    post("spans: tag value null", new_span(tags={"a": None}), unlike=REFUSED),
    post("spans: tag value true", new_span(tags={"a": True}), unlike=REFUSED),
    post("spans: tag value an object", new_span(tags={"a": {"b": 1}}), unlike=REFUSED),
    post("spans: debug a string", new_span(debug="true"), unlike=REFUSED),
    post("spans: not a list", lambda n: new_span()(n)[0], unlike=REFUSED),
    post("spans: a null span", b"[null]", unlike=REFUSED),
    post("spans: truncated JSON", lambda n: json.dumps(new_span()(n))[:-1].encode(), unlike=REFUSED),
    post("spans: not JSON", b"nonsense", unlike=REFUSED),
    post("spans: not gzip", b"nonsense", {"Content-Encoding": "gzip"}, unlike=REFUSED),
    post(
        "spans: truncated proto3",
        lambda n: one_span_proto(n)[:-3],
        {"Content-Type": "application/x-protobuf"},
        unlike=REFUSED,
    ),
    post(
        "spans: one bad span refuses the batch",
        lambda n: new_span()(n) + [{"traceId": n["new"], "id": "a2", "timestamp": 1.5}],
        unlike=REFUSED,
    ),
    post("spans: under /zipkin", new_span(), path="/zipkin/api/v2/spans", unlike=("POST under /zipkin",)),
    # CORS, as a browser on another origin sees it
    get("CORS: a read", "/api/v2/services", headers=ORIGIN, unlike=SHARED),
    get("CORS: an error", "/api/v2/traces?limit=0", headers=ORIGIN),
    get("CORS: UI config", "/zipkin/config.json", headers=ORIGIN),
    get("CORS: an unknown path", "/no/such", headers=ORIGIN),
    get("CORS: health", "/health", headers=ORIGIN, unlike=("health",)),
    call("CORS: HEAD", "HEAD", "/api/v2/services", headers=ORIGIN),
    post("CORS: a refused batch", b"{}", ORIGIN, unlike=REFUSED),
    preflight_row("of a JSON post", "/api/v2/spans", "POST", "content-type"),
    preflight_row("of a gzip post", "/api/v2/spans", "POST", "content-type,content-encoding", ("allowed headers",)),
    preflight_row("asking for traceparent", "/api/v2/spans", "POST", "traceparent"),
    preflight_row("of a read under /zipkin", "/zipkin/api/v2/traces", "GET"),
    preflight_row("of DELETE", "/api/v2/spans", "DELETE"),
    preflight_row("of an unknown path", "/no/such", "GET"),
]


@pytest.fixture(scope="module")
def collector(tmp_path_factory):
    """Our collector, as conftest's `collector` starts it, but once for the table: one per row made the
    table take minutes, and the rows need no fresh store (each finds its own names)."""
    logs = tmp_path_factory.mktemp("parity")
    server = start_server(["collector", "--db", str(logs / "spans.db")], "collector", logs)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def seeded(collector, zipkin) -> dict[str, Any]:
    """The seed's names, its spans in both servers."""
    names = names_for(uuid.uuid4().hex[:6], int(time.time() * 1_000_000))
    for server in (collector, zipkin):
        plant(server.url, names)
    return names


@pytest.mark.parametrize("row", [row.param() for row in ROWS])
def test_both_servers_answer_alike(row, collector, zipkin, seeded):
    names = seeded | row_names(uuid.uuid4().hex[:6])
    ours = aspects(row.send(collector.url, names), row.headers)
    elsewhere = [ELSEWHERE[name] for name in row.unlike if name in ELSEWHERE]
    theirs = aspects(row.send(zipkin.url, names, *elsewhere), row.headers)
    for name in row.unlike:
        if name in NORMALISE:
            NORMALISE[name](ours, theirs, names)
    found = differences(ours, theirs)
    expected = row.known.aspects if row.known else ()
    unexpected = {name: why for name, why in found.items() if name not in expected}
    assert not unexpected, "\n".join(f"{name}:\n    {why}" for name, why in unexpected.items())
    if found:
        raise KnownDifference("\n".join(f"{name}:\n    {why}" for name, why in found.items()))


def test_every_difference_named_is_used_and_every_row_is_unique():
    used = {name for row in ROWS for name in row.unlike}
    named = set(NORMALISE) | set(ELSEWHERE)
    assert used <= named and named <= set(DIFFERENCES)
    assert named - used == set(), "a normalisation no row needs"
    assert len({row.id for row in ROWS}) == len(ROWS)


def test_post_under_zipkin_is_the_contracts_alone(collector, zipkin, seeded):
    """What "POST under /zipkin" says of Zipkin, still true: it refuses the POST that ours stores."""
    names = seeded | row_names(uuid.uuid4().hex[:6])
    row = post("spans: under /zipkin", new_span(), path="/zipkin/api/v2/spans")
    answers = [row.send(server.url, names) for server in (collector, zipkin)]
    assert [(answer.status, answer.stored.status) for answer in answers] == [(202, 200), (405, 404)]
