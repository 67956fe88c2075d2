"""Every collector setting, declared once; Zipkin's own variable names where Zipkin has one."""

from common.settings import Setting, parse_bool, parse_list, parse_port, parse_positive_int

SETTINGS = [
    Setting("host", "JOURNEY_COLLECTOR_HOST", "127.0.0.1", "address to listen on", "--host"),
    Setting("port", "QUERY_PORT", 9411, "port to listen on (Zipkin's QUERY_PORT)", "--port", parse_port),
    Setting(
        "workers",
        "JOURNEY_COLLECTOR_WORKERS",
        2,
        "worker processes sharing the port (1 with --db :memory:)",
        "--workers",
        parse_positive_int,
    ),
    Setting("data_dir", "JOURNEY_DATA_DIR", ".journey", "directory for the database files", "--data-dir"),
    Setting(
        "db", "JOURNEY_COLLECTOR_DB", None, "span database file, or :memory: (default <data-dir>/spans.db)", "--db"
    ),
    Setting(
        "allowed_origins",
        "ZIPKIN_QUERY_ALLOWED_ORIGINS",
        ["*"],
        "comma-separated origins allowed by CORS, * for any",
        "--allowed-origins",
        parse_list,
    ),
    Setting(
        "strict_trace_id",
        "STRICT_TRACE_ID",
        True,
        "false: a 64-bit trace id also finds a 128-bit trace with the same low half",
        "--strict-trace-id",
        parse_bool,
    ),
    Setting(
        "query_lookback",
        "QUERY_LOOKBACK",
        86_400_000,
        "default lookback of queries, in milliseconds",
        "--query-lookback",
        parse_positive_int,
    ),
    Setting(
        "autocomplete_keys",
        "AUTOCOMPLETE_KEYS",
        ["session.id", "ui.action", "http.route", "graphql.operation.name"],
        "comma-separated tag keys whose values /api/v2/autocompleteValues offers",
        "--autocomplete-keys",
        parse_list,
    ),
    Setting(
        "max_spans",
        "JOURNEY_COLLECTOR_MAX_SPANS",
        2_000_000,
        "spans kept at most; the oldest traces are deleted beyond it",
        "--max-spans",
        parse_positive_int,
    ),
    Setting(
        "retention_hours",
        "JOURNEY_COLLECTOR_RETENTION_HOURS",
        168,
        "traces older than this are deleted",
        "--retention-hours",
        parse_positive_int,
    ),
    Setting(
        "max_body_bytes",
        "JOURNEY_COLLECTOR_MAX_BODY_BYTES",
        10 * 1024 * 1024,
        "largest POST /api/v2/spans or /v1/traces body accepted, before and after gunzip",
        "--max-body-bytes",
        parse_positive_int,
    ),
]


def database_path(config: dict) -> str:
    """The span database: --db if given, else spans.db in the data directory."""
    if config.get("db"):
        return config["db"]
    return f"{config['data_dir']}/spans.db"
