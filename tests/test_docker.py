"""The Docker demo: the Compose file is valid Compose, and every variable it sets is one the code reads.

No Docker engine runs here, so the image is not built in the tests; what can be checked is.
"""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from support import ROOT

from backend.settings import SETTINGS as BACKEND
from collector.settings import SETTINGS as COLLECTOR
from journey.zipkin_server import OTEL_MODULE_VERSION, ZIPKIN_VERSION
from ratings.settings import SETTINGS as RATINGS_SETTINGS

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


SERVICES = COMPOSE["services"]
OURS = {name: s for name, s in SERVICES.items() if s.get("build")}  # services running Journey's image
APPS = {name: s for name, s in OURS.items() if "command" not in s}  # the default command: journey backend
# the otel profile's collector sets no variable: each ${env:NAME:-default} in its config is the default there
OTEL = yaml.safe_load(re.sub(r"\$\{env:\w+:-([^}]*)\}", r"\1", (ROOT / "otel-collector.yaml").read_text()))
# services that cannot or need not declare a healthcheck, and why
UNCHECKED = {
    "otel-collector": "distroless image",
    "elasticsearch": "its image's own HEALTHCHECK",
    "zipkin-dependencies": "a cron job, not a server",
}


def profile(name: str) -> str:
    return (SERVICES[name].get("profiles") or ["default"])[0]


def published(host_port: str) -> tuple[str, str]:
    """(service, container port) publishing `host_port` on the host."""
    for name, service in SERVICES.items():
        for mapping in service.get("ports", []):
            outside, inside = str(mapping).split(":")
            if outside == host_port:
                return name, inside
    raise AssertionError(f"no service publishes port {host_port}")


def host_port(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.hostname, str(parts.port)


@pytest.mark.parametrize("name", sorted(OURS))
def test_every_variable_compose_sets_is_read_by_the_command_it_runs(name):
    service = SERVICES[name]
    command = service.get("command", ["journey", "backend"])[1]
    known = {s.env for s in commands_settings()[command]}
    unknown = set(service.get("environment", {})) - known
    assert unknown == set(), f"{name} sets {unknown}, which `journey {command}` does not read"


def otlp(env: dict) -> bool:
    return env.get("OTEL_TRACES_EXPORTER", "zipkin") == "otlp"


def backend_endpoint(env: dict) -> str:
    """Where a Python service of ours sends its spans, by the exporter it runs."""
    return env["OTEL_EXPORTER_OTLP_ENDPOINT"] if otlp(env) else env["OTEL_EXPORTER_ZIPKIN_ENDPOINT"]


def browser_endpoint(env: dict) -> str:
    """Where the app's browser sends its spans: it follows the backend's exporter unless told otherwise."""
    browser = env.get("JOURNEY_BROWSER_EXPORTER") or ("otlp" if otlp(env) else "zipkin")
    return env["JOURNEY_BROWSER_OTLP_ENDPOINT"] if browser == "otlp" else env["JOURNEY_BROWSER_ZIPKIN_ENDPOINT"]


def is_zipkin(service: dict) -> bool:
    return (
        re.match(r"(openzipkin/zipkin|ghcr\.io/openzipkin-contrib/zipkin-otel):", service.get("image", "")) is not None
    )


@pytest.mark.parametrize("name", sorted(APPS))
def test_each_app_sends_backend_and_browser_spans_to_one_place_inside_and_outside_the_network(name):
    env = APPS[name]["environment"]
    inside_host, inside_port = host_port(backend_endpoint(env))
    outside_host, outside_port = host_port(browser_endpoint(env))
    assert outside_host == "localhost" and inside_host in SERVICES
    assert published(outside_port) == (inside_host, inside_port), "the browser must reach the backend's collector"
    assert inside_host in APPS[name]["depends_on"] or any(
        inside_host in SERVICES[d].get("depends_on", {}) for d in APPS[name]["depends_on"]
    )
    viewer, _ = published(host_port(env["JOURNEY_VIEWER_URL"])[1])
    kind = env.get("JOURNEY_VIEWER_KIND", "journey")
    assert (
        is_zipkin(SERVICES[viewer]) if kind == "zipkin" else SERVICES[viewer].get("command") == ["journey", "collector"]
    ), f"{name}'s viewer is not {kind}"
    ratings, _ = host_port(env["JOURNEY_RATINGS_URL"])
    assert SERVICES[ratings]["command"] == ["journey", "ratings"] and profile(ratings) == profile(name)
    ratings_env = SERVICES[ratings]["environment"]
    assert otlp(ratings_env) == otlp(env) and backend_endpoint(ratings_env) == backend_endpoint(env), ratings


def test_the_otlp_profiles_send_the_backends_spans_as_otlp_and_the_browser_where_cors_and_decoding_hold():
    """otel: every side to the OpenTelemetry Collector's OTLP receiver. zipkin-otel: the backend and ratings to
    Zipkin's own /v1/traces, the browser Zipkin v2 to the same Zipkin, for zipkin-otel 0.3.0 mislinks OTLP/JSON
    (tests/test_real_zipkin_otlp.py). zipkin-server's CORS policy is one server-wide decorator (default origin *);
    a list of origins set on that Zipkin must name the app's."""
    otel, zipkin_otel = APPS["otel-app"]["environment"], APPS["zipkin-otel-app"]["environment"]
    assert otlp(otel) and "JOURNEY_BROWSER_EXPORTER" not in otel  # the browser follows: OTLP too
    assert published(host_port(browser_endpoint(otel))[1])[0] == "otel-collector"
    assert browser_endpoint(otel).endswith("/v1/traces")
    assert otlp(zipkin_otel) and zipkin_otel["JOURNEY_BROWSER_EXPORTER"] == "zipkin"
    assert published(host_port(browser_endpoint(zipkin_otel))[1])[0] == "zipkin-otel"
    assert SERVICES["zipkin-otel"]["image"] == f"ghcr.io/openzipkin-contrib/zipkin-otel:{OTEL_MODULE_VERSION}"
    origin = "http://localhost:" + str(SERVICES["zipkin-otel-app"]["ports"][0]).split(":")[0]
    allowed = SERVICES["zipkin-otel"].get("environment", {}).get("ZIPKIN_QUERY_ALLOWED_ORIGINS", "*")
    assert allowed == "*" or origin in allowed.split(",")


def test_each_profile_is_a_whole_stack_and_no_two_services_publish_the_same_port():
    for name, service in SERVICES.items():
        for dependency in service.get("depends_on", {}):
            assert profile(dependency) in (profile(name), "default"), f"{name} depends on {dependency}"
    ports = [str(m).split(":")[0] for s in SERVICES.values() for m in s.get("ports", [])]
    assert len(ports) == len(set(ports)), ports
    assert {profile(n) for n in SERVICES} == {"default", "otel", "zipkin-otel", "journey-collector", "scale"}


def test_images_are_pinned_and_every_server_has_a_health_check():
    for name, service in SERVICES.items():
        if "build" not in service:
            assert re.fullmatch(r"[\w./-]+:\d+\.\d+\.\d+", service["image"]), f"{name} is not pinned"
        assert "healthcheck" in service or name in UNCHECKED, f"{name} has no healthcheck"
    for name, service in SERVICES.items():
        for dependency, condition in service.get("depends_on", {}).items():
            if condition["condition"] == "service_healthy":
                assert "healthcheck" in SERVICES[dependency] or dependency == "elasticsearch", (name, dependency)


def test_every_zipkin_image_is_the_version_the_tests_and_journey_up_run():
    """One Zipkin version: journey/zipkin_server.py's, whose jar `journey up --store zipkin` and the
    real-Zipkin tests run; Zipkin's own images here (the server, its Elasticsearch) must be that release."""
    zipkin = re.compile(r"(?:ghcr\.io/)?openzipkin/zipkin(?:-elasticsearch\d+)?:(.+)")
    versions = {name: found.group(1) for name, s in SERVICES.items() if (found := zipkin.fullmatch(s.get("image", "")))}
    assert {"zipkin", "zipkin-es", "elasticsearch"} <= set(versions), versions
    assert set(versions.values()) == {ZIPKIN_VERSION}, versions


def test_the_otel_collector_config_receives_otlp_with_cors_for_the_browser_and_exports_to_zipkin():
    pipeline = OTEL["service"]["pipelines"]["traces"]
    assert pipeline["receivers"] == ["otlp"] and set(pipeline["receivers"]) <= set(OTEL["receivers"])
    assert set(pipeline["exporters"]) <= set(OTEL["exporters"]) and set(pipeline["processors"]) <= set(
        OTEL["processors"]
    )
    collector = SERVICES["otel-collector"]
    assert "environment" not in collector  # the config's ${env:...} defaults hold
    inside = {str(m).split(":")[1] for m in collector["ports"]}
    http = OTEL["receivers"]["otlp"]["protocols"]["http"]
    assert http["endpoint"].rsplit(":", 1)[1] in inside
    app_origin = "http://localhost:" + str(SERVICES["otel-app"]["ports"][0]).split(":")[0]
    assert app_origin in http["cors"]["allowed_origins"]
    target, port = host_port(OTEL["exporters"]["zipkin"]["endpoint"])
    assert target in collector["depends_on"] and SERVICES[target]["image"].startswith("openzipkin/zipkin:")
    assert any(
        v.endswith(":/etc/otelcol-contrib/config.yaml:ro") and v.startswith("./otel-collector.yaml")
        for v in collector["volumes"]
    )


def test_the_dockerfile_sets_only_variables_the_backend_reads_and_runs_unprivileged():
    block = re.search(r"^ENV (.*?)(?=^\w)", DOCKERFILE, flags=re.MULTILINE | re.DOTALL).group(1)
    names = set(re.findall(r"(\w+)=", block)) - {"PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED"}
    assert names <= {s.env for s in BACKEND}, names - {s.env for s in BACKEND}
    assert "USER journey" in DOCKERFILE and "HEALTHCHECK" in DOCKERFILE
    assert Path(ROOT / ".dockerignore").read_text().count("node_modules") == 1


def test_the_otel_collector_image_is_the_release_the_tests_build():
    """One OpenTelemetry Collector version: the Compose image's, which scripts/otelcol-builder.yaml builds for
    tests/test_otel_collector.py."""
    manifest = yaml.safe_load((ROOT / "scripts" / "otelcol-builder.yaml").read_text())
    image = SERVICES["otel-collector"]["image"]
    assert image == f"otel/opentelemetry-collector-contrib:{manifest['dist']['version']}"
    components = [m["gomod"] for kind in ("receivers", "processors", "exporters") for m in manifest[kind]]
    assert all(c.endswith(f"v{manifest['dist']['version']}") for c in components), components
