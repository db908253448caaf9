#!/usr/bin/env bash
# Usage: scripts/serializers/generate.sh
# Regenerates fixtures/serializers/primitives.json with Kafka's own serializer classes (kafka-clients pinned in
# GenerateSerializerFixtures.java). Run on purpose only; the tests read the committed file and never run this.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
version="$(sed -n 's/.*KAFKA_CLIENTS_VERSION = "\([^"]*\)".*/\1/p' "$root/scripts/serializers/GenerateSerializerFixtures.java")"
# kafka-tools 4.4.0 is not on Maven Central; the generator needs only kafka-clients and Jackson.
libs="$(KAFKA_MVN_FLAGS="${KAFKA_MVN_FLAGS:--Dno.tools}" "$root/scripts/kafka-jars.sh" "$version")"
java -cp "$libs/*" "$root/scripts/serializers/GenerateSerializerFixtures.java" "$root/fixtures/serializers"
