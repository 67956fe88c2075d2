"""Zipkin's own API spec run against the live collector with schemathesis: no 5xx, answers match the schema.

Requests the spec allows but Zipkin refuses (an all-zero id, say) are answered 400 here as by Zipkin,
so only the two checks that hold for the real server are applied.
"""

from pathlib import Path

import pytest
from support import ROOT

SPEC = ROOT.parent / "shared" / "specs" / "zipkin-api" / "zipkin2-api.yaml"
pytestmark = pytest.mark.skipif(not SPEC.is_file(), reason=f"the Zipkin API spec is not at {SPEC}")


def operations():
    if not SPEC.is_file():
        return []
    import schemathesis

    schema = schemathesis.openapi.from_path(str(SPEC))
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("operation", operations(), ids=lambda op: op.label)
def test_operation_never_fails_and_answers_in_schema(collector, operation):
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error, response_schema_conformance

    seen: dict[int, int] = {}

    @settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def check(case):
        response = case.call(base_url=f"{collector.url}/api/v2", timeout=10)
        seen[response.status_code] = seen.get(response.status_code, 0) + 1
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

    check()
    assert seen and not any(status >= 500 for status in seen), seen


def test_spec_location_is_beside_the_repository():
    assert Path(SPEC).parts[-3:] == ("specs", "zipkin-api", "zipkin2-api.yaml")
