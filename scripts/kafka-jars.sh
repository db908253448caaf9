#!/usr/bin/env bash
# Usage: scripts/kafka-jars.sh [VERSION]  -> prints the folder holding Apache Kafka VERSION's jars.
# Downloads Kafka's jars (broker, clients, tools when published, a logging backend and their dependencies) from
# Maven Central once into .cache/kafka-VERSION/libs; later calls reuse the cache. The download goes to a
# temporary folder that is renamed into place at the end, and the marker records the pom's hash, so a cut-off
# download or an edited pom means a fresh copy instead of a half-used or stale one.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="${1:-${KAFKA_VERSION:-4.4.0}}"
pom="$root/scripts/maven/pom.xml"
dir="$root/.cache/kafka-$version"
stamp="$(sha256sum "$pom" | cut -c1-16)"

if [ -f "$dir/.complete" ] && [ "$(cat "$dir/.complete")" = "$stamp" ]; then
  echo "$dir/libs"
  exit 0
fi

mkdir -p "$root/.cache"
# Two callers at once (CI and a test run, say) must not download into the same folder.
exec 9>"$root/.cache/.kafka-jars-$version.lock"
if command -v flock >/dev/null; then flock 9; fi
if [ -f "$dir/.complete" ] && [ "$(cat "$dir/.complete")" = "$stamp" ]; then
  echo "$dir/libs"
  exit 0
fi

# Kafka 3.x logs through SLF4J 1.7 into reload4j; 4.x through SLF4J 1.7 into log4j2 (see the pom).
logging=()
case "$version" in 0.* | 1.* | 2.* | 3.*) logging=(-Dlogging.reload4j) ;; esac

tmp="$(mktemp -d "$root/.cache/.kafka-$version.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
fetch() {
  # shellcheck disable=SC2086 # KAFKA_MVN_FLAGS is a list of flags on purpose.
  mvn -B -f "$pom" \
    -Dkafka.version="$version" \
    -Dmaven.repo.local="$root/.cache/m2" \
    dependency:copy-dependencies -DoutputDirectory="$tmp/libs" -DincludeScope=runtime \
    ${KAFKA_MVN_FLAGS:-} "${logging[@]}" "$@" >"$tmp/mvn.log" 2>&1
}

echo "kafka-jars: fetching Apache Kafka $version from Maven Central into $dir" >&2
if ! fetch; then
  # Some releases (4.4.0) publish the broker but not kafka-tools. The broker, clients and our harness do not
  # need it (only ProducerPerformance in bench/ does), so go on without it rather than fail.
  if grep -q 'kafka-tools' "$tmp/mvn.log" && ! grep -q -- '-Dno.tools' <<<"${KAFKA_MVN_FLAGS:-}"; then
    echo "kafka-jars: kafka-tools $version is not on Maven Central; continuing without it" >&2
    rm -rf "$tmp/libs"
    if ! fetch -Dno.tools; then
      tail -40 "$tmp/mvn.log" >&2
      echo "kafka-jars: Maven could not fetch Kafka $version (full log above); is the version on Maven Central?" >&2
      exit 1
    fi
  else
    tail -40 "$tmp/mvn.log" >&2
    echo "kafka-jars: Maven could not fetch Kafka $version (log above); is the version on Maven Central?" >&2
    exit 1
  fi
fi
echo "$stamp" >"$tmp/.complete"
rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT
echo "$dir/libs"
