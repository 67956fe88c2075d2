-- A span database of the first layout (user_version 0), written by the collector as of commit 1317ccd:
-- trace 00..0a posted as [spans 1, 2] twice, then span 3; trace 11..11 as span 4 (AUTOCOMPLETE_KEYS=session.id).
BEGIN TRANSACTION;
CREATE TABLE remote_services (
    service_name TEXT NOT NULL, remote_service_name TEXT NOT NULL, PRIMARY KEY (service_name, remote_service_name)
) WITHOUT ROWID;
CREATE TABLE span_names (
    service_name TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (service_name, name)
) WITHOUT ROWID;
INSERT INTO "span_names" VALUES('backend','get');
INSERT INTO "span_names" VALUES('backend','post');
INSERT INTO "span_names" VALUES('frontend','click');
INSERT INTO "span_names" VALUES('ratings','');
CREATE TABLE spans (
    trace_key INTEGER NOT NULL,
    service_name TEXT,
    name TEXT,
    remote_service_name TEXT,
    ts INTEGER,
    duration INTEGER,
    json TEXT NOT NULL
);
INSERT INTO "spans" VALUES(1,'frontend','click',NULL,1800000000000001,10,'{"traceId":"000000000000000a","id":"0000000000000001","name":"click","timestamp":1800000000000001,"duration":10,"localEndpoint":{"serviceName":"frontend"},"tags":{"session.id":"s-1","ui.action":"search"}}');
INSERT INTO "spans" VALUES(1,'backend','post',NULL,1800000000000002,10,'{"traceId":"000000000000000a","parentId":"0000000000000001","id":"0000000000000002","kind":"SERVER","name":"post","timestamp":1800000000000002,"duration":10,"localEndpoint":{"serviceName":"backend"},"tags":{"http.route":"/b","k3":"v123"}}');
INSERT INTO "spans" VALUES(1,'frontend','click',NULL,1800000000000001,10,'{"traceId":"000000000000000a","id":"0000000000000001","name":"click","timestamp":1800000000000001,"duration":10,"localEndpoint":{"serviceName":"frontend"},"tags":{"session.id":"s-1","ui.action":"search"}}');
INSERT INTO "spans" VALUES(1,'backend','post',NULL,1800000000000002,10,'{"traceId":"000000000000000a","parentId":"0000000000000001","id":"0000000000000002","kind":"SERVER","name":"post","timestamp":1800000000000002,"duration":10,"localEndpoint":{"serviceName":"backend"},"tags":{"http.route":"/b","k3":"v123"}}');
INSERT INTO "spans" VALUES(1,'ratings',NULL,NULL,1800000000000003,10,'{"traceId":"000000000000000a","parentId":"0000000000000002","id":"0000000000000003","timestamp":1800000000000003,"duration":10,"localEndpoint":{"serviceName":"ratings"},"annotations":[{"timestamp":1800000000000000,"value":"retry"}],"tags":{"error":"timeout"}}');
INSERT INTO "spans" VALUES(2,'backend','get',NULL,1800000000000004,10,'{"traceId":"11111111111111111111111111111111","id":"0000000000000004","name":"get","timestamp":1800000000000004,"duration":10,"localEndpoint":{"serviceName":"backend"},"tags":{"k3":"v9","session.id":"s-2"}}');
CREATE TABLE tag_index (
    term INTEGER NOT NULL, trace_key INTEGER NOT NULL, PRIMARY KEY (term, trace_key)
) WITHOUT ROWID;
INSERT INTO "tag_index" VALUES(1811153504,2);
INSERT INTO "tag_index" VALUES(4076688346,1);
CREATE TABLE tag_values (
    key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (key, value)
) WITHOUT ROWID;
INSERT INTO "tag_values" VALUES('session.id','s-1');
INSERT INTO "tag_values" VALUES('session.id','s-2');
CREATE TABLE trace_terms (
    trace_key INTEGER NOT NULL,
    terms BLOB NOT NULL,
    tag_terms BLOB NOT NULL  -- this row's tag_index keys (4-byte), so deleting a trace finds them
);
INSERT INTO "trace_terms" VALUES(1,X'C9FCA3D637A4264FD29D061876DB3530F4F129DF7C2B9730C37C9CACE3A84609',X'DA53FDF2');
INSERT INTO "trace_terms" VALUES(1,X'C9FCA3D637A4264FD29D061876DB3530F4F129DF7C2B9730C37C9CACE3A84609',X'DA53FDF2');
INSERT INTO "trace_terms" VALUES(1,X'715E69B10076A5B0929B98C3',X'');
INSERT INTO "trace_terms" VALUES(2,X'8938481CC37C9CACA65BC9B213048D8C',X'6002F46B');
CREATE TABLE traces (
    key INTEGER PRIMARY KEY,
    trace_id TEXT NOT NULL UNIQUE,
    trace_id_low TEXT NOT NULL,
    ts INTEGER,  -- the root span's timestamp, else the earliest one; NULL: not searchable, as in Zipkin
    has_root INTEGER NOT NULL,
    span_count INTEGER NOT NULL
);
INSERT INTO "traces" VALUES(1,'000000000000000a','000000000000000a',1800000000000001,1,5);
INSERT INTO "traces" VALUES(2,'11111111111111111111111111111111','1111111111111111',1800000000000004,1,1);
CREATE INDEX traces_by_ts ON traces (ts);
CREATE INDEX traces_by_low_id ON traces (trace_id_low);
CREATE INDEX spans_by_trace ON spans (trace_key);
CREATE INDEX trace_terms_by_trace ON trace_terms (trace_key);
COMMIT;
