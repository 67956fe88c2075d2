#!/usr/bin/env bash
# Build zipkin-otel's Zipkin server module (OTLP/HTTP on Zipkin's port) for the zipkin-server release
# Journey pins, and unpack it where tests/test_real_zipkin_otlp.py looks: the directory
# ~/.cache/journey/zipkin-otel-<version>/ (or $JOURNEY_ZIPKIN_OTEL_MODULE), the module's classes with its
# jars in lib/, the layout the zipkin-otel image gives Zipkin's loader path.
#
# Why build it: io.zipkin.contrib.otel is not served by the Maven repository Journey's machines reach,
# and its 0.3.0 release is compiled against zipkin 3.6.0, whose libraries are not served there either.
# The module's classes use only APIs that zipkin-server 3.4.2 has, so it is built from its source
# against the libraries inside that jar (zipkin 3.4.2, Armeria 1.30.1, Spring Boot 3.3.4).
# One more thing 3.4.2 lacks: Guava, which protobuf-java-util's JSON parser needs. Without it every
# OTLP/JSON request (the browser's) fails inside the module and is never answered (measured: the
# request hangs; protobuf works), so Guava is added to lib/.
#
# Usage: scripts/build-zipkin-otel-module.sh [path to a zipkin-otel checkout]
#   Without a path it clones https://github.com/openzipkin-contrib/zipkin-otel at the tag below.
#   Needs git (without a path), Maven, and a JDK 21 or 25 for the build (the project's enforcer rule):
#   JAVA_HOME, else /usr/lib/jvm/temurin-25-jdk-amd64 when it exists. Zipkin itself then runs on Java 17.
set -euo pipefail

MODULE_VERSION=0.3.0
ZIPKIN_VERSION=$(python3 -c 'import re,sys; print(re.search(r"ZIPKIN_VERSION = \"(.+?)\"", open(sys.argv[1]).read()).group(1))' \
  "$(dirname "$0")/../journey/zipkin_server.py")
ARMERIA_VERSION=1.30.1      # the versions inside zipkin-server $ZIPKIN_VERSION's jar (BOOT-INF/lib)
SPRING_BOOT_VERSION=3.3.4
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/journey
GUAVA=com.google.guava:guava:33.5.0-jre
FAILUREACCESS=com.google.guava:failureaccess:1.0.3
TARGET=${JOURNEY_ZIPKIN_OTEL_MODULE:-$CACHE/zipkin-otel-$MODULE_VERSION}

source_dir=${1:-}
if [[ -z "$source_dir" ]]; then
  source_dir=$(mktemp -d)/zipkin-otel
  git clone --quiet --depth 1 --branch "$MODULE_VERSION" https://github.com/openzipkin-contrib/zipkin-otel "$source_dir"
fi
[[ -f "$source_dir/module/pom.xml" ]] || { echo "no zipkin-otel checkout at $source_dir (module/pom.xml missing)" >&2; exit 2; }

if [[ -z "${JAVA_HOME:-}" && -d /usr/lib/jvm/temurin-25-jdk-amd64 ]]; then
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
command -v mvn >/dev/null || { echo "Maven (mvn) is missing: apt-get install -y maven" >&2; exit 1; }

echo "building zipkin-module-otel $MODULE_VERSION against zipkin $ZIPKIN_VERSION in $source_dir" >&2
(cd "$source_dir" && mvn -B -q -pl module -am package -DskipTests -Dlicense.skip=true -Dmaven.javadoc.skip=true \
  -Dzipkin.version="$ZIPKIN_VERSION" -Darmeria.version="$ARMERIA_VERSION" -Dspring-boot.version="$SPRING_BOOT_VERSION")
staging="$TARGET.partial"
rm -rf "$staging" && mkdir -p "$staging"
(cd "$staging" && jar xf "$source_dir/module/target/zipkin-module-otel-$MODULE_VERSION-module.jar" 2>/dev/null \
  || unzip -q "$source_dir/module/target/zipkin-module-otel-$MODULE_VERSION-module.jar")
for artifact in "$GUAVA" "$FAILUREACCESS"; do
  mvn -B -q dependency:copy -Dartifact="$artifact" -DoutputDirectory="$staging/lib"
done
rm -rf "$TARGET" && mv "$staging" "$TARGET"
echo "$TARGET"
