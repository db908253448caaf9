#!/usr/bin/env bash
# Usage: scripts/kafka-jars.sh [VERSION]  -> prints the folder holding Kafka VERSION's jars.
# Downloads Apache Kafka's jars (broker, tools, clients and their dependencies) from Maven Central once into
# .cache/kafka-VERSION/libs; later calls reuse the cache. A marker file is written last, so a download that
# was cut off is redone rather than half-used.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="${1:-${KAFKA_VERSION:-4.4.0}}"
dir="$root/.cache/kafka-$version"
if [ ! -f "$dir/.complete" ]; then
  rm -rf "$dir"
  mkdir -p "$dir/libs"
  # Kafka 3.x pairs with log4j 1 (reload4j) through slf4j 1.7; the log4j2 backend in the pom targets slf4j 2
  # (Kafka 4.x). For 3.x we skip our backend and let the broker's own reload4j binding log.
  extra=()
  case "$version" in 3.*) extra=(-Dlog4j.skip=true) ;; esac
  mvn -q -B -f "$root/scripts/maven/pom.xml" \
    -Dkafka.version="$version" \
    -Dmaven.repo.local="$root/.cache/m2" \
    dependency:copy-dependencies -DoutputDirectory="$dir/libs" -DincludeScope=runtime ${KAFKA_MVN_FLAGS:-} "${extra[@]}" >&2
  touch "$dir/.complete"
fi
echo "$dir/libs"
