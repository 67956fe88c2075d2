"""The Docker demo: the Compose file is valid Compose, and every variable it sets is one the code reads.

No Docker engine runs here, so the image is not built in the tests; what can be checked is.
"""

import re
from pathlib import Path

import pytest
import yaml

from backend.settings import RATINGS_SETTINGS, SETTINGS as BACKEND
from collector.settings import SETTINGS as COLLECTOR
from conftest import ROOT

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SCHEMA = ROOT.parent / "shared" / "specs" / "compose-spec" / "compose-spec.json"
DOCKERFILE = (ROOT / "Dockerfile").read_text()


@pytest.mark.skipif(not SCHEMA.is_file(), reason=f"the Compose schema is not at {SCHEMA}")
def test_compose_file_validates_against_the_compose_schema():
    import json

    import jsonschema

    validator = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text()))  # the draft its $schema names
    validator.validate(COMPOSE)
    broken = {**COMPOSE, "services": {"app": {**COMPOSE["services"]["app"], "ports": "8000"}}}
    assert not validator.is_valid(broken)  # the check can fail


def commands_settings():
    return {"backend": BACKEND, "ratings": RATINGS_SETTINGS, "collector": COLLECTOR}


@pytest.mark.parametrize("name", ["app", "ratings"])
def test_every_variable_compose_sets_is_read_by_the_command_it_runs(name):
    service = COMPOSE["services"][name]
    command = service.get("command", ["journey", "backend"])[1]
    known = {s.env for s in commands_settings()[command]}
    unknown = set(service.get("environment", {})) - known
    assert unknown == set(), f"{name} sets {unknown}, which `journey {command}` does not read"


def test_the_app_exports_inside_the_network_and_the_browser_outside_it():
    env = COMPOSE["services"]["app"]["environment"]
    assert env["OTEL_EXPORTER_ZIPKIN_ENDPOINT"].startswith("http://zipkin:9411/")
    assert env["JOURNEY_BROWSER_ZIPKIN_ENDPOINT"].startswith("http://localhost:9411/")
    assert env["JOURNEY_RATINGS_URL"] == "http://ratings:8001"
    assert COMPOSE["services"]["app"]["depends_on"]["zipkin"]["condition"] == "service_healthy"


def test_zipkin_is_pinned_and_every_service_has_a_health_check():
    assert re.fullmatch(r"openzipkin/zipkin:\d+\.\d+\.\d+", COMPOSE["services"]["zipkin"]["image"])
    assert all("healthcheck" in service for service in COMPOSE["services"].values())


def test_the_dockerfile_sets_only_variables_the_backend_reads_and_runs_unprivileged():
    block = re.search(r"^ENV (.*?)(?=^\w)", DOCKERFILE, flags=re.MULTILINE | re.DOTALL).group(1)
    names = set(re.findall(r"(\w+)=", block)) - {"PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED"}
    assert names <= {s.env for s in BACKEND}, names - {s.env for s in BACKEND}
    assert "USER journey" in DOCKERFILE and "HEALTHCHECK" in DOCKERFILE
    assert Path(ROOT / ".dockerignore").read_text().count("node_modules") == 1
