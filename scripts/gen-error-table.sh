#!/usr/bin/env bash
# Usage: scripts/gen-error-table.sh [KAFKA_VERSION]
# Regenerates src/protocol/error-table.generated.ts from the Errors enum in kafka-clients (default 4.4.0),
# using the jars scripts/kafka-jars.sh caches (set KAFKA_LIBS to use another folder of jars).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="${1:-${KAFKA_VERSION:-4.4.0}}"
if [ -z "${KAFKA_LIBS:-}" ]; then
  # kafka-tools 4.4.0 is not on Maven Central; the clients jar is all we need.
  KAFKA_LIBS="$(KAFKA_MVN_FLAGS="${KAFKA_MVN_FLAGS:--Dno.tools}" "$root/scripts/kafka-jars.sh" "$version")"
fi
out="$root/src/protocol/error-table.generated.ts"
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
java -cp "$KAFKA_LIBS/*" "$root/scripts/java/GenerateErrorTable.java" >"$tmp"
mv "$tmp" "$out"
trap - EXIT
(cd "$root" && npx biome format --write "$out" >/dev/null 2>&1)
echo "wrote $out ($(grep -c ' code: ' "$out") error codes)"
