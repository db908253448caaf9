#!/usr/bin/env bash
# Usage: scripts/registry/serdes.sh  -> prints the folder holding the Java reader's jars.
# Fetches Apicurio's Kafka deserializers and their dependencies (serdes/pom.xml) from Maven Central once into
# .cache/apicurio-serdes/libs, for scripts/registry/ReadWithJava.java. Later calls reuse the folder.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dir="$root/.cache/apicurio-serdes"
stamp="$(cat "$here/serdes/pom.xml" "$here/settings.xml" | sha256sum | cut -c1-16)"

done_already() { [ -f "$dir/.complete" ] && [ "$(cat "$dir/.complete")" = "$stamp" ]; }
if done_already; then
  echo "$dir/libs"
  exit 0
fi
mkdir -p "$dir"
exec 9>"$dir/.fetch.lock"
if command -v flock >/dev/null; then flock 9; fi
if done_already; then
  echo "$dir/libs"
  exit 0
fi
echo "registry: fetching Apicurio's Java deserializers from Maven Central into $dir" >&2
rm -rf "$dir/libs" "$dir/.complete"
if ! mvn -B -f "$here/serdes/pom.xml" -s "$here/settings.xml" -Dmaven.repo.local="$root/.cache/m2" \
  dependency:copy-dependencies -DoutputDirectory="$dir/libs" -DincludeScope=runtime >"$dir/fetch.log" 2>&1; then
  grep -E '^\[ERROR\]' "$dir/fetch.log" | head -20 >&2 || tail -40 "$dir/fetch.log" >&2
  echo "registry: Maven could not fetch the deserializers (full log: $dir/fetch.log)" >&2
  exit 1
fi
echo "$stamp" >"$dir/.complete"
echo "$dir/libs"
