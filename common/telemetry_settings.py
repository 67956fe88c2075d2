"""The telemetry settings every traced Journey service reads, declared once; standard OTEL_* variables."""

from .settings import Setting, parse_bool, parse_choice, parse_positive_int, parse_url

TRACES_EXPORTERS = ("zipkin", "otlp", "console", "none")
OTLP_PROTOCOLS = ("http/protobuf", "http/json")


def service_name(default: str) -> Setting:
    """OTEL_SERVICE_NAME, with the service's own default."""
    return Setting(
        "service_name", "OTEL_SERVICE_NAME", default, f"service.name of the {default} service's spans", "--service-name"
    )


TRACES_EXPORTER = Setting(
    "traces_exporter",
    "OTEL_TRACES_EXPORTER",
    "zipkin",
    "where spans go: zipkin (Zipkin v2 JSON, OTEL_EXPORTER_ZIPKIN_ENDPOINT), otlp (OTLP/HTTP, "
    "OTEL_EXPORTER_OTLP_*), console (printed to stdout) or none (not exported; still traced, traceresponse sent)",
    "--traces-exporter",
    parse_choice(*TRACES_EXPORTERS),
)
ZIPKIN_ENDPOINT = Setting(
    "zipkin_endpoint",
    "OTEL_EXPORTER_ZIPKIN_ENDPOINT",
    "http://localhost:9411/api/v2/spans",
    "where spans go with OTEL_TRACES_EXPORTER=zipkin (Zipkin v2 JSON)",
    "--zipkin-endpoint",
    parse_url,
)
OTLP_ENDPOINT = Setting(
    "otlp_endpoint",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "http://localhost:9411",
    "base URL for OTLP/HTTP export, spans going to this URL + /v1/traces (Journey's collector and Zipkin with "
    "zipkin-otel take OTLP on 9411; the OpenTelemetry default, http://localhost:4318, is an OpenTelemetry Collector's)",
    "--otlp-endpoint",
    parse_url,
)
OTLP_TRACES_ENDPOINT = Setting(
    "otlp_traces_endpoint",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    None,
    "the full URL for OTLP/HTTP spans, used as is (default: OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces)",
    "--otlp-traces-endpoint",
    parse_url,
)
OTLP_PROTOCOL = Setting(
    "otlp_protocol",
    "OTEL_EXPORTER_OTLP_PROTOCOL",
    "http/protobuf",
    "OTLP encoding: http/protobuf or http/json (grpc is not offered)",
    "--otlp-protocol",
    parse_choice(*OTLP_PROTOCOLS),
)
OTLP_TIMEOUT = Setting(
    "otlp_timeout_ms",
    "OTEL_EXPORTER_OTLP_TIMEOUT",
    10000,
    "ms an OTLP export may take, retries included (milliseconds, as the specification says; the Python "
    "exporter left to itself would read seconds)",
    "--otlp-timeout",
    parse_positive_int,
)
OTLP_HEADERS = Setting(
    "otlp_headers",
    "OTEL_EXPORTER_OTLP_HEADERS",
    None,
    "headers for every OTLP request, key=value,... (e.g. an API key), read by the OTLP exporter itself, as are "
    "OTEL_EXPORTER_OTLP_TRACES_HEADERS, OTEL_EXPORTER_OTLP_COMPRESSION and the certificate variables",
)
# where a service's spans go, in the order --help lists them
EXPORT_SETTINGS = (
    TRACES_EXPORTER,
    ZIPKIN_ENDPOINT,
    OTLP_ENDPOINT,
    OTLP_TRACES_ENDPOINT,
    OTLP_PROTOCOL,
    OTLP_TIMEOUT,
    OTLP_HEADERS,
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


def otlp_traces_endpoint(settings: dict) -> str:
    """Where OTLP spans go: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, else OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces."""
    return settings["otlp_traces_endpoint"] or settings["otlp_endpoint"].rstrip("/") + "/v1/traces"
