"""The telemetry settings every traced Journey service reads, declared once; standard OTEL_* variables."""

from .settings import Setting, parse_bool, parse_positive_int, parse_url


def service_name(default: str) -> Setting:
    """OTEL_SERVICE_NAME, with the service's own default."""
    return Setting(
        "service_name", "OTEL_SERVICE_NAME", default, f"service.name of the {default} service's spans", "--service-name"
    )


ZIPKIN_ENDPOINT = Setting(
    "zipkin_endpoint",
    "OTEL_EXPORTER_ZIPKIN_ENDPOINT",
    "http://localhost:9411/api/v2/spans",
    "where the service sends its spans (Zipkin v2 JSON)",
    "--zipkin-endpoint",
    parse_url,
)
BATCH_DELAY = Setting(
    "bsp_schedule_delay_ms",
    "OTEL_BSP_SCHEDULE_DELAY",
    500,
    "batch export delay in ms (the SDK's 5000 would keep spans out of the viewer for seconds)",
    "--batch-delay",
    parse_positive_int,
)
SDK_DISABLED = Setting(
    "sdk_disabled", "OTEL_SDK_DISABLED", False, "true: no tracing at all", "--sdk-disabled", parse_bool
)
ENVIRONMENT = Setting(
    "environment", "JOURNEY_ENVIRONMENT", "development", "deployment.environment.name", "--environment"
)
SEMCONV_OPT_IN = Setting(
    "semconv_stability_opt_in",
    "OTEL_SEMCONV_STABILITY_OPT_IN",
    "http",
    "semantic-convention opt-in, read by the instrumentation packages; Journey adds http (the stable HTTP "
    "conventions) to whatever else it names",
)
