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

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


@pytest.mark.parametrize(
    "setting", [*UP_SETTINGS, *COLLECTOR, *BACKEND, *RATINGS, *LOAD_SETTINGS, *CHECK_SETTINGS], ids=lambda s: s.env
)
def test_every_setting_is_in_the_readme_with_its_option(setting):
    rows = [line for line in README.splitlines() if f"| `{setting.env}` |" in line]
    assert rows, f"{setting.env} is not in the README's settings tables"
    if setting.option:
        assert any(row.startswith(f"| `{setting.option}` |") for row in rows), f"{setting.option} not documented"


def test_readme_documents_no_setting_the_code_lacks():
    known = {s.env for s in (*UP_SETTINGS, *COLLECTOR, *BACKEND, *RATINGS, *LOAD_SETTINGS, *CHECK_SETTINGS)}
    documented = set(re.findall(r"^\| [^|]+ \| `([A-Z_]+)` \|", README, flags=re.MULTILINE))
    assert documented - known == set()


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


INSTRUMENTATION = (Path(__file__).resolve().parent.parent / "docs" / "instrumentation.md").read_text()


@pytest.mark.parametrize(
    "setting", [*UP_SETTINGS, *COLLECTOR, *BACKEND, *RATINGS, *LOAD_SETTINGS, *CHECK_SETTINGS], ids=lambda s: s.env
)
def test_every_setting_is_in_the_instrumentation_reference(setting):
    assert f"| `{setting.env}` |" in INSTRUMENTATION, f"{setting.env} is not in docs/instrumentation.md"


def test_every_file_the_instrumentation_reference_names_exists():
    root = Path(__file__).resolve().parent.parent
    for path in set(re.findall(r"`((?:backend|frontend|journey|collector)/[\w/.*-]+\.(?:py|js))`", INSTRUMENTATION)):
        if "*" not in path:
            assert (root / path).is_file(), f"docs/instrumentation.md names {path}, which does not exist"


def test_every_server_listens_on_loopback_unless_told_otherwise():
    for table in (COLLECTOR, BACKEND, RATINGS):
        assert resolve(table, {}, {})["host"] == "127.0.0.1"
