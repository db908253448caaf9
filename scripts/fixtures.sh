#!/usr/bin/env bash
# Usage: scripts/fixtures.sh
# Regenerates every golden file under fixtures/ with the official Java client. Run it on purpose only (new
# fixtures, a kafka-clients bump): the test suite never regenerates anything, and a regeneration shows up as a
# git diff to review. The kafka-clients version is pinned in GenerateFixtures.java (gzip/zstd bytes depend on it);
# the generator refuses to run against any other version.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="$(sed -n 's/.*KAFKA_CLIENTS_VERSION = "\([^"]*\)".*/\1/p' "$root/scripts/fixtures/GenerateFixtures.java")"
# kafka-tools 4.4.0 is not on Maven Central and the generator needs only kafka-clients and its codecs.
libs="$(KAFKA_MVN_FLAGS="${KAFKA_MVN_FLAGS:--Dno.tools}" "$root/scripts/kafka-jars.sh" "$version")"
# Start from an empty tree so fixtures the generator no longer makes do not linger.
rm -rf "$root/fixtures/records" "$root/fixtures/protocol" "$root/fixtures/manifest.json"
java -cp "$libs/*" "$root/scripts/fixtures/GenerateFixtures.java" "$root/fixtures"
