#!/usr/bin/env bash
# Build the `otel` Compose profile's OpenTelemetry Collector natively, with the OpenTelemetry Collector Builder
# (ocb) and the manifest beside this script: only the components otel-collector.yaml uses. It leaves the binary
# at ~/.cache/journey/otelcol-journey-<version> (or $JOURNEY_OTELCOL), where tests/test_otel_collector.py looks,
# and prints its path. Run it with otel-collector.yaml as the Compose profile does, on this machine:
#
#   ZIPKIN_SPANS_ENDPOINT=http://127.0.0.1:9411/api/v2/spans "$(scripts/build-otel-collector.sh)" \
#     --config otel-collector.yaml
#
# Needs Go 1.25 or newer (the builder's and the components' go.mod ask for it; Debian 12's golang-go is 1.19,
# too old) and the Go module proxy. The first build downloads a few hundred modules into Go's module cache and
# compiles them: minutes on two cores; later runs find the binary and only print its path (--force rebuilds).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
MANIFEST=$here/otelcol-builder.yaml
VERSION=$(sed -n 's/^  version: *//p' "$MANIFEST")      # one release for the builder and every component
NAME=$(sed -n 's/^  name: *//p' "$MANIFEST")
GO_MIN=1.25
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/journey
BINARY=${JOURNEY_OTELCOL:-$CACHE/$NAME-$VERSION}

if [[ -x "$BINARY" && "${1:-}" != "--force" ]]; then
  echo "$BINARY"
  exit 0
fi

command -v go >/dev/null || {
  echo "Go $GO_MIN or newer is needed to build the collector, and there is no \`go\` (Debian 12's golang-go is 1.19," \
    "too old: install a newer Go and put it on the PATH)" >&2
  exit 1
}
go_version=$(go env GOVERSION)                          # go1.26.8
if [[ "$(printf '%s\n' "go$GO_MIN" "$go_version" | sort -V | head -1)" != "go$GO_MIN" ]]; then
  echo "the collector's modules need Go $GO_MIN or newer; \`$(command -v go)\` is $go_version" >&2
  exit 1
fi

mkdir -p "$CACHE/ocb-$VERSION" "$CACHE/$NAME-build"
ocb=$CACHE/ocb-$VERSION/builder
if [[ ! -x "$ocb" ]]; then
  echo "installing the OpenTelemetry Collector Builder $VERSION into $CACHE/ocb-$VERSION" >&2
  GOBIN=$CACHE/ocb-$VERSION go install "go.opentelemetry.io/collector/cmd/builder@v$VERSION"
fi

echo "building $NAME $VERSION from $MANIFEST in $CACHE/$NAME-build (minutes, the first time)" >&2
# the manifest's output_path is relative: the generated sources and the binary land in the build directory
(cd "$CACHE/$NAME-build" && "$ocb" --config "$MANIFEST" >build.log 2>&1) || {
  tail -20 "$CACHE/$NAME-build/build.log" >&2
  exit 1
}
install -m 755 "$CACHE/$NAME-build/$NAME/$NAME" "$BINARY.partial"   # never a half-copied binary at $BINARY
mv "$BINARY.partial" "$BINARY"
echo "$BINARY"
