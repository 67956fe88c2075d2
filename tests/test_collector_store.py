"""The SQLite store: retention, concurrent use, durability of acknowledged batches, and its layout: the upgrade
of a first-layout file, the refusal of a newer one, and what the term index relies on in FTS5."""

import json
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from collector.store import SpanStore, TraceQuery
from collector.store.schema import SCHEMA_VERSION
from collector.store.search import known_services
from collector.store.terms import match_expression, sections

HOUR_US = 3_600_000_000
NOW_US = 1_800_000_000_000_000


def trace(trace_id: str, start: int, spans: int = 3) -> list[dict]:
    root = {
        "traceId": trace_id,
        "id": "a" * 16,
        "timestamp": start,
        "duration": 10,
        "localEndpoint": {"serviceName": "svc"},
        "tags": {"k": trace_id},
    }
    children = [
        {
            "traceId": trace_id,
            "id": f"{i + 1:016x}",
            "parentId": "a" * 16,
            "timestamp": start + i + 1,
            "duration": 1,
            "localEndpoint": {"serviceName": "svc"},
        }
        for i in range(spans - 1)
    ]
    return [root, *children]


def ids(store: SpanStore, end_ts: int = NOW_US, **criteria) -> list[str]:
    query = TraceQuery(end_ts=end_ts, lookback=1000 * HOUR_US, limit=100, **criteria)
    return sorted(json.loads(text)[0]["traceId"] for text in store.find_traces_json(query))


def test_retention_by_age_deletes_whole_old_traces(tmp_path):
    store = SpanStore(str(tmp_path / "s.db"), retention_hours=24)
    store.add_spans(trace("0" * 15 + "1", NOW_US - 48 * HOUR_US) + trace("0" * 15 + "2", NOW_US - HOUR_US))
    assert store.enforce_retention(now_us=NOW_US, force=True) == 3
    assert ids(store) == ["0" * 15 + "2"] and store.span_count() == 3
    assert store.get_trace_json("0" * 15 + "1") is None
    assert ids(store, annotation_query={"k": "0" * 15 + "1"}) == []


def test_retention_by_count_deletes_the_oldest_traces_first(tmp_path):
    store = SpanStore(str(tmp_path / "s.db"), max_spans=10)
    for n in range(6):  # 18 spans, the cap is 10
        store.add_spans(trace(f"{n + 1:016x}", NOW_US - (10 - n) * HOUR_US))
    store.enforce_retention(now_us=NOW_US, force=True)
    assert store.span_count() <= 9  # down to 90 % of the cap
    assert ids(store) == [f"{n + 1:016x}" for n in range(3, 6)]


def test_span_count_survives_a_restart(tmp_path):
    path = str(tmp_path / "s.db")
    store = SpanStore(path)
    store.add_spans(trace("0" * 15 + "3", NOW_US))
    store.close()
    assert SpanStore(path).span_count() == 3


def test_concurrent_ingest_and_queries_never_see_a_locked_database(tmp_path):
    store = SpanStore(str(tmp_path / "s.db"))
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for n in range(40):
                store.add_spans(trace(f"{worker:08x}{n:08x}", NOW_US - n, spans=20))
        except BaseException as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)

    def read() -> None:
        try:
            for _ in range(80):
                store.find_traces_json(TraceQuery(end_ts=NOW_US, lookback=HOUR_US, service_name="svc"))
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)] + [
        threading.Thread(target=read) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert store.span_count() == 4 * 40 * 20 and len(ids(store)) == 100  # limit 100 of 160


def test_a_trace_without_timestamps_is_stored_but_not_searchable(tmp_path):
    store = SpanStore(str(tmp_path / "s.db"))
    spans = trace("0" * 15 + "4", NOW_US)
    for span in spans:
        del span["timestamp"]
    store.add_spans(spans)
    assert store.get_trace_json("0" * 15 + "4") is not None and ids(store) == []


def test_search_by_tag_bare_word_and_annotation_per_service(tmp_path):
    store = SpanStore(str(tmp_path / "s.db"), autocomplete_keys=["session.id"])
    spans = trace("0" * 15 + "5", NOW_US - 10)
    spans[1]["tags"] = {"session.id": "s-9", "http.route": "/graphql"}
    spans[2]["annotations"] = [{"timestamp": NOW_US, "value": "retry"}]
    spans[2]["localEndpoint"] = {"serviceName": "other"}
    store.add_spans(spans)
    found = ["0" * 15 + "5"]
    assert ids(store, annotation_query={"session.id": "s-9"}) == found  # through the tag index
    assert ids(store, annotation_query={"session.id": "s-8"}) == []
    assert ids(store, annotation_query={"http.route": None}) == found  # a bare word finds a tag key
    assert ids(store, annotation_query={"retry": None, "k": None}) == found  # ... or an annotation
    assert ids(store, service_name="svc", annotation_query={"retry": None}) == []  # not on svc's spans
    assert ids(store, service_name="other", annotation_query={"retry": None}) == found
    long_value = "v" * 5000
    spans[0]["tags"]["big"] = long_value
    store.add_spans([{**spans[0], "id": "b" * 16}])
    assert ids(store, annotation_query={"big": long_value}) == found


def test_retention_removes_a_trace_from_the_tag_index(tmp_path):
    store = SpanStore(str(tmp_path / "s.db"), retention_hours=1, autocomplete_keys=["k"])
    store.add_spans(trace("0" * 15 + "6", NOW_US - 5 * HOUR_US))
    assert ids(store, annotation_query={"k": "0" * 15 + "6"}) == ["0" * 15 + "6"]
    store.enforce_retention(now_us=NOW_US, force=True)
    assert store._writer.execute("SELECT count(*) FROM tag_index").fetchone()[0] == 0


def test_a_new_data_directory_is_created(tmp_path):
    store = SpanStore(str(tmp_path / "new" / "dir" / "spans.db"))
    store.add_spans(trace("0" * 15 + "7", NOW_US))
    assert store.span_count() == 3


def test_recent_tag_values_newest_first_and_only_with_traces_left(tmp_path):
    store = SpanStore(str(tmp_path / "s.db"), retention_hours=24, autocomplete_keys=["k"])
    old, newer, newest = "0" * 15 + "1", "0" * 15 + "2", "0" * 15 + "3"
    store.add_spans(
        trace(old, NOW_US - 48 * HOUR_US) + trace(newer, NOW_US - 2 * HOUR_US) + trace(newest, NOW_US - HOUR_US)
    )
    assert [value for value, _ts, _n in store.recent_tag_values("k")] == [newest, newer, old]
    store.enforce_retention(now_us=NOW_US, force=True)
    assert store.recent_tag_values("k") == [(newest, NOW_US - HOUR_US, 1), (newer, NOW_US - 2 * HOUR_US, 1)]


FIRST_LAYOUT = Path(__file__).parent / "collector_store_first_layout.sql"
OLD_TRACE = "0" * 15 + "a"


def first_layout_database(tmp_path) -> str:
    path = str(tmp_path / "old.db")
    with sqlite3.connect(path) as db:
        db.executescript(FIRST_LAYOUT.read_text())
    return path


def test_a_database_of_the_first_layout_is_upgraded_in_place(tmp_path):
    path = first_layout_database(tmp_path)
    store = SpanStore(path, autocomplete_keys=["session.id"])
    assert store._writer.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    stored = json.loads(store.get_trace_json(OLD_TRACE))
    assert sorted(span["id"][-1] for span in stored) == ["1", "2", "3"]  # the copies of a retried batch are gone
    assert store.span_count() == 4
    later = NOW_US + HOUR_US
    assert ids(store, later, annotation_query={"k3": "v123", "retry": None}) == [OLD_TRACE]
    assert ids(store, later, service_name="ratings", annotation_query={"error": "timeout"}) == [OLD_TRACE]
    assert ids(store, later, service_name="backend", annotation_query={"error": None}) == []
    assert ids(store, later, annotation_query={"k3": None}) == [OLD_TRACE, "1" * 32]
    store.add_spans([{**span, "traceId": OLD_TRACE} for span in stored])  # sent again: old rows compared by text
    assert store.span_count() == 4
    assert [value for value, _ts, _n in store.recent_tag_values("session.id")] == ["s-2", "s-1"]
    store.enforce_retention(now_us=NOW_US + 10 * 24 * HOUR_US, force=True)
    assert store.span_count() == 0
    assert store._writer.execute("SELECT count(*) FROM tag_index").fetchone()[0] == 0  # carried-over keys too


def layout_2_database(tmp_path) -> str:
    """A database of layout 2: its term_index words are the terms' plain hashes, with a word per service."""
    path = str(tmp_path / "layout2.db")
    store = SpanStore(path)
    for n, (service, other) in enumerate([("frontend", "backend"), ("backend", "frontend")]):
        spans = trace(f"{n + 1:032x}", NOW_US - n * HOUR_US)
        spans[0]["localEndpoint"] = {"serviceName": service}
        spans[0]["name"] = "op"
        spans[0]["tags"] = {"db.system": "sqlite"} if service == "backend" else {"ui.action": "search"}
        spans[1]["localEndpoint"] = {"serviceName": other}
        spans[1]["tags"] = {"db.system": "sqlite"} if other == "backend" else {"ui.action": "search"}
        store.add_spans(spans)
    db = store._writer
    db.execute("INSERT INTO term_index (term_index) VALUES ('delete-all')")
    for key, blob in db.execute("SELECT trace_key, terms FROM trace_terms").fetchall():
        words = " ".join(f"s{service:08x} {hashes.hex(' ', 4)}" for service, hashes in sections(blob))
        db.execute("INSERT INTO term_index (rowid, words) VALUES (?, ?)", (key, words))
    db.execute("PRAGMA user_version = 2")
    store.close()
    return path


def test_a_database_of_layout_2_is_upgraded_in_place(tmp_path):
    store = SpanStore(layout_2_database(tmp_path))
    assert store._writer.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    both = ["0" * 31 + "1", "0" * 31 + "2"]
    assert ids(store, annotation_query={"db.system": "sqlite", "ui.action": "search"}) == both
    assert ids(store, service_name="backend", annotation_query={"db.system": "sqlite"}) == both
    assert ids(store, service_name="frontend", annotation_query={"db.system": "sqlite"}) == []
    assert ids(store, service_name="svc", annotation_query={"db.system": None}) == []
    # the terms layout 2 did not have, from the span rows
    assert ids(store, service_name="frontend", span_name="op", min_duration=10) == ["0" * 31 + "1"]
    assert ids(store, service_name="backend", span_name="op", min_duration=10) == ["0" * 31 + "2"]
    assert ids(store, service_name="svc", min_duration=2) == []
    store.enforce_retention(now_us=NOW_US + 10 * 24 * HOUR_US, force=True)
    assert store.span_count() == 0
    store._writer.execute("INSERT INTO term_index (term_index) VALUES ('integrity-check')")


def test_a_database_of_a_newer_layout_is_refused_saying_what_to_do(tmp_path):
    path = tmp_path / "newer.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE traces (key INTEGER PRIMARY KEY)")
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(sqlite3.DatabaseError, match="newer version of journey"):
        SpanStore(str(path))
    collector = subprocess.run(
        [sys.executable, "-m", "journey", "collector", "--db", str(path), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parents[1],
    )
    assert collector.returncode == 1
    assert "newer version of journey" in collector.stderr and "--db" in collector.stderr
    assert "Traceback" not in collector.stderr


def test_full_text_index_holds_word_and_trace_pairs(tmp_path):
    """What the store relies on in FTS5 (see collector/store/writes.py): a second document with a stored
    trace's rowid adds its words; deleting the trace with all its words, repeats included, removes them all."""
    store = SpanStore(str(tmp_path / "s.db"))
    db = store._writer
    db.execute("INSERT INTO term_index (rowid, words) VALUES (5, 'aa bb')")
    db.execute("INSERT INTO term_index (rowid, words) VALUES (6, 'aa')")
    db.execute("INSERT INTO term_index (rowid, words) VALUES (5, 'bb cc')")
    match = lambda words: [r[0] for r in db.execute("SELECT rowid FROM term_index WHERE term_index MATCH ?", (words,))]  # noqa: E731
    assert match("aa AND cc") == [5] and match("aa") == [5, 6]
    db.execute("INSERT INTO term_index (term_index, rowid, words) VALUES ('delete', 5, 'aa bb bb cc')")
    db.execute("INSERT INTO term_index (term_index) VALUES ('optimize')")
    assert match("aa") == [6] and match("bb") == [] and match("cc") == []
    db.execute("INSERT INTO term_index (term_index) VALUES ('integrity-check')")


def test_a_deleted_trace_leaves_no_words_for_a_trace_that_reuses_its_key(tmp_path):
    store = SpanStore(str(tmp_path / "s.db"), retention_hours=1)
    first, second = trace("0" * 15 + "8", NOW_US - 5 * HOUR_US), trace("0" * 15 + "9", NOW_US)
    first[1]["tags"] = {"only": "first"}
    store.add_spans(first)
    store.enforce_retention(now_us=NOW_US, force=True)
    store.add_spans(second)  # the newest key was deleted: SQLite gives it out again
    assert store._writer.execute("SELECT key FROM traces").fetchall() == [(1,)]
    words = store._writer.execute(
        "SELECT count(*) FROM term_index WHERE term_index MATCH ?",
        (match_expression([["only=first"]], known_services(store._writer)),),
    )
    assert words.fetchone()[0] == 0
