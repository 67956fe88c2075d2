"""Every ratings-service setting, declared once; standard OpenTelemetry variables first."""

from common.settings import Setting, parse_non_negative_int, parse_port
from common.telemetry_settings import (
    BATCH_DELAY,
    ENVIRONMENT,
    EXPORT_SETTINGS,
    SDK_DISABLED,
    SEMCONV_OPT_IN,
    service_name,
)

SETTINGS = [
    service_name("ratings"),
    *EXPORT_SETTINGS,
    BATCH_DELAY,
    SDK_DISABLED,
    SEMCONV_OPT_IN,
    ENVIRONMENT,
    Setting("host", "JOURNEY_RATINGS_HOST", "127.0.0.1", "address to listen on", "--host"),
    Setting("port", "JOURNEY_RATINGS_PORT", 8001, "port to listen on", "--port", parse_port),
    Setting(
        "ratings_delay_ms",
        "JOURNEY_RATINGS_DELAY_MS",
        300,
        "the planted slowness of every ratings request, in ms",
        "--delay-ms",
        parse_non_negative_int,
    ),
]
