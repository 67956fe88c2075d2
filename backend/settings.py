"""Every backend setting, declared once; standard OpenTelemetry variables first."""

from common.settings import (
    Setting,
    parse_bool,
    parse_choice,
    parse_fraction,
    parse_list,
    parse_port,
    parse_positive_int,
    parse_url,
)
from common.telemetry_settings import (
    BATCH_DELAY,
    ENVIRONMENT,
    EXPORT_SETTINGS,
    SDK_DISABLED,
    SEMCONV_OPT_IN,
    service_name,
)

from .ratings_client import CACHE_TTL_S

SETTINGS = [
    service_name("backend"),
    *EXPORT_SETTINGS,
    BATCH_DELAY,
    SDK_DISABLED,
    SEMCONV_OPT_IN,
    Setting("traces_sampler", "OTEL_TRACES_SAMPLER", "parentbased_always_on", "sampler, read by the SDK"),
    Setting("traces_sampler_arg", "OTEL_TRACES_SAMPLER_ARG", None, "sampler argument (e.g. ratio), read by the SDK"),
    Setting(
        "resource_attributes", "OTEL_RESOURCE_ATTRIBUTES", None, "extra resource attributes k=v,..., read by the SDK"
    ),
    Setting("host", "JOURNEY_HOST", "127.0.0.1", "address to listen on", "--host"),
    Setting("port", "JOURNEY_PORT", 8000, "port to listen on", "--port", parse_port),
    Setting("data_dir", "JOURNEY_DATA_DIR", ".journey", "directory for the database files", "--data-dir"),
    Setting("db", "JOURNEY_APP_DB", None, "planner database file, or :memory: (default <data-dir>/app.db)", "--db"),
    Setting(
        "frontend_dir",
        "JOURNEY_FRONTEND_DIR",
        None,
        "built frontend to serve (default frontend/dist)",
        "--frontend-dir",
    ),
    Setting(
        "browser_exporter",
        "JOURNEY_BROWSER_EXPORTER",
        None,
        "how the browser sends its spans: zipkin or otlp (OTLP/HTTP JSON) (default: as OTEL_TRACES_EXPORTER says "
        "when that is zipkin or otlp, else zipkin)",
        "--browser-exporter",
        parse_choice("zipkin", "otlp"),
    ),
    Setting(
        "browser_zipkin_endpoint",
        "JOURNEY_BROWSER_ZIPKIN_ENDPOINT",
        None,
        "where the browser sends its spans (default: the backend's endpoint)",
        "--browser-zipkin-endpoint",
        parse_url,
    ),
    Setting(
        "browser_otlp_endpoint",
        "JOURNEY_BROWSER_OTLP_ENDPOINT",
        None,
        "the full URL the browser posts OTLP spans to (default: the backend's, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or "
        "OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces)",
        "--browser-otlp-endpoint",
        parse_url,
    ),
    Setting(
        "viewer_url",
        "JOURNEY_VIEWER_URL",
        "http://localhost:9411/zipkin/",
        "trace viewer the UI links to",
        "--viewer-url",
        parse_url,
    ),
    Setting(
        "viewer_kind",
        "JOURNEY_VIEWER_KIND",
        "journey",
        "journey (our viewer, has journey pages) or zipkin (the real Zipkin UI)",
        "--viewer-kind",
        parse_choice("journey", "zipkin"),
    ),
    Setting(
        "browser_sample_ratio",
        "JOURNEY_BROWSER_SAMPLE_RATIO",
        1.0,
        "share of browser actions traced: the browser decides at the root, the backend follows",
        "--browser-sample-ratio",
        parse_fraction,
    ),
    Setting(
        "trace_header_origins",
        "JOURNEY_TRACE_HEADER_ORIGINS",
        [],
        "extra origins (besides the app's own) whose fetches get traceparent + baggage",
        "--trace-header-origins",
        parse_list,
    ),
    Setting(
        "session_idle_timeout",
        "JOURNEY_SESSION_IDLE_TIMEOUT",
        900,
        "seconds without user activity after which the browser's session ends; the next activity starts a new one "
        "(session.previous_id names the old one)",
        "--session-idle-timeout",
        parse_positive_int,
    ),
    Setting(
        "session_max_duration",
        "JOURNEY_SESSION_MAX_DURATION",
        14400,
        "seconds after which the browser's session ends however active its user is",
        "--session-max-duration",
        parse_positive_int,
    ),
    Setting(
        "record_graphql_document",
        "JOURNEY_RECORD_GRAPHQL_DOCUMENT",
        False,
        'record graphql.document, literal values replaced by "*" (off: a document can carry what a user typed)',
        "--record-graphql-document",
        parse_bool,
    ),
    Setting(
        "record_graphql_arguments",
        "JOURNEY_RECORD_GRAPHQL_ARGUMENTS",
        False,
        "record resolver argument values (off: they may hold personal data)",
        "--record-graphql-arguments",
        parse_bool,
    ),
    ENVIRONMENT,
    Setting(
        "ratings_url",
        "JOURNEY_RATINGS_URL",
        "http://127.0.0.1:8001",
        "the ratings service that recommendations call",
        "--ratings-url",
        parse_url,
    ),
    # the workshop's planted problems: each is on until its fix is remembered (`journey fix`, backend/fixes.py)
    # or its switch below, given true or false, overrides the remembered fixes
    Setting(
        "fixes_file",
        "JOURNEY_FIXES_FILE",
        None,
        "the remembered fixes to follow, re-read when `journey fix` changes them (journey up passes "
        "<data-dir>/fixes.json; without it every fix is off unless its switch turns it on)",
        "--fixes-file",
    ),
    Setting(
        "fix_n_plus_one",
        "JOURNEY_FIX_N_PLUS_ONE",
        None,
        "load the speakers of a page of talks in one query instead of one per talk",
        "--fix-n-plus-one",
        parse_bool,
    ),
    Setting(
        "fix_slow_ratings",
        "JOURNEY_FIX_SLOW_RATINGS",
        None,
        f"cache the ratings service's answers for {CACHE_TTL_S} s",
        "--fix-slow-ratings",
        parse_bool,
    ),
    Setting(
        "fix_flaky_write",
        "JOURNEY_FIX_FLAKY_WRITE",
        None,
        "retry a failed feedback write (idempotently)",
        "--fix-flaky-write",
        parse_bool,
    ),
    Setting(
        "flaky_write_rate",
        "JOURNEY_FLAKY_WRITE_RATE",
        0.3,
        "share (0-1) of feedback writes whose first attempt fails",
        "--flaky-write-rate",
        parse_fraction,
    ),
]


def database_path(config: dict) -> str:
    """The planner database: --db if given, else app.db in the data directory."""
    if config.get("db"):
        return config["db"]
    return f"{config['data_dir']}/app.db"
