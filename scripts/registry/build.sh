#!/usr/bin/env bash
# Usage: scripts/registry/build.sh  -> prints the path of a runnable Apicurio Registry jar.
# Builds Apicurio Registry (the schema registry the schema-registry integration tests run against; it speaks
# Confluent's REST API at /apis/ccompat/v7) from Maven Central once into .cache/apicurio-registry; later calls
# reuse it. Apicurio publishes its app as a plain jar, so pom.xml re-runs Quarkus' build over it. The marker
# holds a hash of pom.xml and settings.xml, so editing either means a fresh build.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dir="$root/.cache/apicurio-registry"
jar="$dir/build/apicurio-registry-runner-0-runner.jar"
stamp="$(cat "$here/pom.xml" "$here/settings.xml" | sha256sum | cut -c1-16)"

done_already() { [ -f "$dir/.complete" ] && [ "$(cat "$dir/.complete")" = "$stamp" ] && [ -f "$jar" ]; }
if done_already; then
  echo "$jar"
  exit 0
fi
mkdir -p "$dir"
# Two callers at once (CI and a test run) must not build into the same folder.
exec 9>"$dir/.build.lock"
if command -v flock >/dev/null; then flock 9; fi
if done_already; then
  echo "$jar"
  exit 0
fi

echo "registry: building Apicurio Registry from Maven Central into $dir (first time only; a few minutes)" >&2
rm -rf "$dir/build" "$dir/.complete"
started=$(date +%s)
if ! mvn -B -f "$here/pom.xml" -s "$here/settings.xml" \
  -Dmaven.repo.local="$root/.cache/m2" -Dregistry.build.dir="$dir/build" \
  -DskipTests package >"$dir/build.log" 2>&1; then
  grep -E '^\[ERROR\]' "$dir/build.log" | head -20 >&2 || tail -40 "$dir/build.log" >&2
  echo "registry: the Maven build failed (full log: $dir/build.log)" >&2
  exit 1
fi
echo "$stamp" >"$dir/.complete"
echo "registry: built in $(($(date +%s) - started)) s" >&2
echo "$jar"
