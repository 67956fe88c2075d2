#!/usr/bin/env bash
# The `scale` Compose profile's storage path without Docker: zipkin-server (the jar journey/zipkin_server.py pins)
# on a single-node OpenSearch, with the real backend and ratings service exporting to it and `journey load`'s
# simulated browsers sending theirs; then every span is read back through Zipkin's API and `journey check 2`
# asks for one whole click-to-database trace. It prints what it found and stops everything it started
# (--keep: leaves the stack running until Ctrl-C, its URLs printed).
#
# Why OpenSearch and not the profile's Elasticsearch 8.14.3: Maven Central serves both projects' test
# distributions (org.opensearch.distribution.integ-test-zip, org.elasticsearch.distribution.integ-test-zip), but
# Elasticsearch 8's is too bare for Zipkin: it lacks the module that answers `GET /`, which Zipkin reads to learn
# the version (measured: "response for / failed: Incorrect HTTP method for uri [/] and method [GET], allowed:
# [DELETE]", 405, and Zipkin's /health stays DOWN). OpenSearch answers it from its core, and Zipkin 3.4 supports
# OpenSearch 1 to 3. Its HTTP compression is off: its server answers Zipkin's client in snappy framing, which
# Zipkin cannot read (measured: ".version.number not found in response: sNaPpY...").
# OpenSearch 2.19.6: the newest that runs on Java 17. It refuses to run as root, so as root it runs as `nobody`.
#
# Usage: scripts/zipkin-on-opensearch.sh [--keep]
#   Needs Java 17, Maven (to fetch the distribution and the jar once, into ~/.cache/journey) and the project's
#   .venv (make install). About 1.5 GB of memory: OpenSearch's 512 MB heap, Zipkin's, the apps.
set -euo pipefail

OPENSEARCH_VERSION=2.19.6
OPENSEARCH_ARTIFACT=org.opensearch.distribution.integ-test-zip:opensearch:$OPENSEARCH_VERSION:zip
START_TIMEOUT_S=${START_TIMEOUT_S:-180}  # two JVMs on two busy cores
LOAD_SECONDS=${LOAD_SECONDS:-15}

root=$(cd "$(dirname "$0")/.." && pwd)
python=$root/.venv/bin/python
[[ -x "$python" ]] || { echo "no $python: run \`make install\` first" >&2; exit 1; }
command -v mvn >/dev/null || { echo "Maven (mvn) is missing: apt-get install -y maven" >&2; exit 1; }
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/journey
keep=${1:-}

pids=()
run=$(mktemp -d "${TMPDIR:-/tmp}/journey-scale.XXXXXX")
chmod 755 "$run"
stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$run"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

free_port() { "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
seconds_since() { echo $(($(date +%s) - $1)); }
rss_mb() { awk '/VmRSS/ { printf "%d", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo "?"; }
wait_for() {  # wait_for WHAT PID LOG COMMAND...: until COMMAND succeeds; fail if PID exits or time runs out
  local what=$1 pid=$2 log=$3 deadline=$((SECONDS + START_TIMEOUT_S))
  shift 3
  until "$@" >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null || ((SECONDS > deadline)); then
      echo "$what did not come up within ${START_TIMEOUT_S} s; the end of $log:" >&2
      tail -20 "$log" >&2
      exit 1
    fi
    sleep 1
  done
}

# --- OpenSearch, single node, in a directory of its own (nothing of a previous run is reused)
zip=$CACHE/opensearch-$OPENSEARCH_VERSION.zip
if [[ ! -f "$zip" ]]; then
  echo "downloading OpenSearch $OPENSEARCH_VERSION's test distribution with Maven into $CACHE, once" >&2
  mkdir -p "$CACHE"
  mvn -B -q dependency:copy -Dartifact="$OPENSEARCH_ARTIFACT" -DoutputDirectory="$run" >&2
  mv "$run/opensearch-$OPENSEARCH_VERSION.zip" "$zip"
fi
"$python" -m zipfile -e "$zip" "$run"  # Python's unzip: no unzip package needed, but it drops the x bits
home=$run/opensearch-$OPENSEARCH_VERSION
chmod -R a+x "$home/bin"
es_port=$(free_port)
cat >>"$home/config/opensearch.yml" <<EOF
cluster.name: journey-scale
network.host: 127.0.0.1
http.port: $es_port
transport.port: $(free_port)
discovery.type: single-node
http.compression: false
EOF
java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
as_user=()
if [[ $(id -u) == 0 ]]; then
  chown -R nobody:nogroup "$home"
  as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$home")
fi
started=$(date +%s)
OPENSEARCH_JAVA_HOME=$java_home OPENSEARCH_JAVA_OPTS="-Xms512m -Xmx512m" \
  "${as_user[@]}" "$home/bin/opensearch" >"$run/opensearch.log" 2>&1 &
pids+=($!)
opensearch_pid=$!
opensearch=http://127.0.0.1:$es_port
wait_for "OpenSearch" "$opensearch_pid" "$run/opensearch.log" curl -sf "$opensearch/"
echo "OpenSearch $OPENSEARCH_VERSION up at $opensearch in $(seconds_since "$started") s" >&2

# --- zipkin-server on it, from the cached jar, the command line journey/zipkin_server.py builds
zipkin_port=$(free_port)
mapfile -d '' zipkin_command < <(cd "$root" && "$python" -c '
import sys
from journey.zipkin_server import fetch_jar, find_java, server_command
sys.stdout.write("\0".join(server_command(find_java(), fetch_jar(), int(sys.argv[1]))))' "$zipkin_port")
((${#zipkin_command[@]})) || { echo "no zipkin-server command line (Java or the jar is missing, see above)" >&2; exit 1; }
started=$(date +%s)
(cd "$run" && STORAGE_TYPE=elasticsearch ES_HOSTS=$opensearch exec "${zipkin_command[@]}") >"$run/zipkin.log" 2>&1 &
pids+=($!)
zipkin_pid=$!
zipkin=http://127.0.0.1:$zipkin_port
up() { curl -sf "$zipkin/health" | grep -q '"status" : "UP"'; }
wait_for "zipkin-server" "$zipkin_pid" "$run/zipkin.log" up
echo "zipkin-server up at $zipkin on OpenSearch in $(seconds_since "$started") s" >&2

# --- the real apps exporting to it, and simulated users
start_app() {  # start_app NAME ARGS...: `journey NAME` on a free port; sets app_url
  local name=$1 port
  shift
  port=$(free_port)
  (cd "$root" && exec "$python" -m journey "$name" --port "$port" "$@") >"$run/$name.log" 2>&1 &
  pids+=($!)
  app_url=http://127.0.0.1:$port
  wait_for "journey $name" "$!" "$run/$name.log" curl -sf "$app_url/health"
}
exporting=(--zipkin-endpoint "$zipkin/api/v2/spans" --batch-delay 100)
start_app ratings "${exporting[@]}"
ratings=$app_url
start_app backend --db "$run/app.db" "${exporting[@]}" --viewer-url "$zipkin/zipkin/" --viewer-kind zipkin \
  --ratings-url "$ratings" --flaky-write-rate 0
backend=$app_url
echo "journey load: 3 users for $LOAD_SECONDS s against $backend, the browsers' spans to Zipkin" >&2
"$python" -m journey load --url "$backend" --collector "$zipkin" --users 3 --duration "$LOAD_SECONDS" --think-ms 300 \
  >"$run/load.log" 2>&1 || { tail -20 "$run/load.log" >&2; exit 1; }
tail -3 "$run/load.log" >&2
# the load's journeys never ask for recommendations, the one query that calls the ratings service: ask once
curl -sf "$backend/graphql" -H 'content-type: application/json' -d '{"query": "{ recommendations { id } }"}' >/dev/null

# --- read it all back through Zipkin's API; `journey check` skips synthetic traffic unless named by --trace
sleep 3  # the apps' last batches
# make every document written so far searchable before reading: Zipkin's API and the count below then see
# the same index (OpenSearch otherwise refreshes about once a second, between the two reads)
curl -sf -X POST "$opensearch/_refresh" >/dev/null
search=$(curl -sf "$zipkin/api/v2/traces?serviceName=frontend&spanName=search%20talks&limit=1" |
  "$python" -c 'import json, sys; print(json.load(sys.stdin)[0][0]["traceId"])')
check=0
(cd "$root" && "$python" -m journey check 2 --collector "$zipkin" --trace "$search" --wait 30) >"$run/check.log" 2>&1 ||
  check=$?
status=0
"$python" - "$zipkin" "$opensearch" "$check" "$run/check.log" <<'EOF' || status=$?
import json, sys, urllib.request

zipkin, opensearch, check, check_log = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
get = lambda url: json.load(urllib.request.urlopen(url, timeout=30))
services = get(f"{zipkin}/api/v2/services")
traces = get(f"{zipkin}/api/v2/traces?limit=10000&lookback=3600000")
spans = sum(len(t) for t in traces)
by_service = {s: len(get(f"{zipkin}/api/v2/traces?serviceName={s}&limit=10000&lookback=3600000")) for s in services}
indices = get(f"{opensearch}/_cat/indices/zipkin*?format=json&bytes=kb")
whole = max(traces, key=len)
print(f"Zipkin on OpenSearch: {len(traces)} traces, {spans} spans read back through {zipkin}/api/v2")
print("  traces by service: " + ", ".join(f"{s} {n}" for s, n in sorted(by_service.items())))
print(f"  the largest trace: {len(whole)} spans, services {sorted({s['localEndpoint']['serviceName'] for s in whole})}")
for index in sorted(indices, key=lambda i: i["index"]):
    print(f"  OpenSearch index {index['index']}: {index['docs.count']} documents, {index['store.size']} kB")
links = get(f"{zipkin}/api/v2/dependencies?endTs={max(s['timestamp'] for t in traces for s in t) // 1000 + 1}")
print(f"  /api/v2/dependencies: {len(links)} links (on Elasticsearch/OpenSearch only the zipkin-dependencies job"
      " writes them)")
print(f"  journey check 2 on a 'search talks' trace (whole from click to database): {'passed' if check == 0 else 'FAILED'}")
print("    " + open(check_log).read().strip().splitlines()[0])
sys.exit(0 if check == 0 and spans else 1)
EOF
echo "memory (RSS): OpenSearch $(rss_mb "$opensearch_pid") MB, zipkin-server $(rss_mb "$zipkin_pid") MB"

if [[ "$keep" == "--keep" ]]; then
  echo "running: app $backend  Zipkin $zipkin/zipkin/  OpenSearch $opensearch  (Ctrl-C stops all)"
  wait "$zipkin_pid"
fi
exit "$status"
