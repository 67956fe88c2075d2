"""Settings: each one is documented in the README, and bad values are refused with a clear message."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from backend.settings import SETTINGS as BACKEND
from collector.settings import SETTINGS as COLLECTOR
from common.settings import SettingError, resolve
from journey.check import CHECK_SETTINGS
from journey.load import LOAD_SETTINGS
from journey.up import UP_SETTINGS
from ratings.settings import SETTINGS as RATINGS

ROOT = Path(__file__).resolve().parent.parent
ALL = [*UP_SETTINGS, *COLLECTOR, *BACKEND, *RATINGS, *LOAD_SETTINGS, *CHECK_SETTINGS]


def test_the_settings_page_is_generated_from_the_tables():
    from journey.settings_doc import render

    page = (ROOT / "docs" / "settings.md").read_text()
    assert page == render(), "docs/settings.md is stale: python -m journey.settings_doc > docs/settings.md"


@pytest.mark.parametrize("setting", ALL, ids=lambda s: s.env)
def test_every_setting_is_on_the_settings_page_with_its_option(setting):
    page = (ROOT / "docs" / "settings.md").read_text()
    rows = [line for line in page.splitlines() if f"| `{setting.env}` |" in line]
    assert rows, f"{setting.env} is not in docs/settings.md"
    assert any(row.startswith(f"| `{setting.option}` |" if setting.option else "| — |") for row in rows)


def test_no_page_documents_a_setting_the_code_lacks():
    known = {s.env for s in ALL}
    for page in ("README.md", "docs/settings.md", "docs/instrumentation.md"):
        text = (ROOT / page).read_text()
        documented = set(re.findall(r"^\| [^|]+ \| `((?:JOURNEY|OTEL|ZIPKIN)_[A-Z_]+)` \|", text, flags=re.MULTILINE))
        assert documented - known == set(), page


def test_option_beats_environment_beats_default():
    env = {"QUERY_PORT": "9500", "STRICT_TRACE_ID": "false"}
    config = resolve(COLLECTOR, {"port": "9600"}, env)
    assert (config["port"], config["strict_trace_id"], config["host"]) == (9600, False, "127.0.0.1")


@pytest.mark.parametrize(
    "env,message",
    [
        ({"QUERY_PORT": "http"}, "QUERY_PORT: not a port number"),
        ({"QUERY_PORT": "70000"}, "QUERY_PORT: out of range 0-65535: 70000"),
        ({"STRICT_TRACE_ID": "maybe"}, "STRICT_TRACE_ID: not a boolean"),
        ({"QUERY_LOOKBACK": "-1"}, "QUERY_LOOKBACK: must be 1 or more"),
    ],
)
def test_bad_values_name_the_setting(env, message):
    with pytest.raises(SettingError, match=message):
        resolve(COLLECTOR, {}, env)


def test_cli_refuses_a_bad_option_with_exit_2():
    result = subprocess.run(
        [sys.executable, "-m", "journey", "backend", "--zipkin-endpoint", "localhost:9411"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "--zipkin-endpoint: not an http(s) URL: 'localhost:9411'" in result.stderr


def test_fix_switches_are_flags_that_also_take_a_value():
    from journey.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["backend", "--fix-n-plus-one"]).fix_n_plus_one == "true"
    assert parser.parse_args(["backend", "--fix-n-plus-one", "false"]).fix_n_plus_one == "false"


def test_cli_reports_an_unusable_database_without_touching_it(tmp_path):
    not_a_database = tmp_path / "spans.db"
    not_a_database.write_bytes(b"this file is not SQLite" * 100)
    result = subprocess.run(
        [sys.executable, "-m", "journey", "collector", "--data-dir", str(tmp_path), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1 and "cannot open the span database" in result.stderr
    assert not_a_database.read_bytes() == b"this file is not SQLite" * 100


INSTRUMENTATION = (ROOT / "docs" / "instrumentation.md").read_text()


def test_every_file_the_instrumentation_reference_names_exists():
    for path in set(
        re.findall(r"`((?:backend|frontend|journey|collector|common|ratings)/[\w/.*-]+\.(?:py|js))`", INSTRUMENTATION)
    ):
        if "*" not in path:
            assert (ROOT / path).is_file(), f"docs/instrumentation.md names {path}, which does not exist"


def test_every_server_listens_on_loopback_unless_told_otherwise():
    for table in (COLLECTOR, BACKEND, RATINGS):
        assert resolve(table, {}, {})["host"] == "127.0.0.1"
