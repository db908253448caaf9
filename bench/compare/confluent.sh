#!/usr/bin/env bash
# Usage: bench/compare/confluent.sh -> prints the node_modules folder that holds @confluentinc/kafka-javascript.
# Confluent's official Node client (librdkafka under N-API), installed once into the ignored
# .cache/bench-node_modules/, outside the project's dependencies. Its prebuilt binaries come from GitHub releases,
# which this machine cannot reach, so node-pre-gyp falls back to building the addon from the package's sources,
# with the librdkafka the package bundles. The package's default (static) librdkafka build downloads zlib,
# OpenSSL, zstd and curl sources from their websites; CKJS_LINKING=dynamic instead configures the bundled
# librdkafka against the system's libraries (Debian's -dev packages, installed here if missing), so nothing
# but npm and Debian is needed. Node's headers come from the running Node's own include/ (node-gyp would fetch
# them from nodejs.org otherwise).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
version=1.10.1
prefix="$root/.cache/bench-node_modules"
modules="$prefix/node_modules"
addon="$modules/@confluentinc/kafka-javascript/build/Release/confluent-kafka-javascript.node"
installed="$(node -p "try { require('$modules/@confluentinc/kafka-javascript/package.json').version } catch { '' }" 2>/dev/null)"
if [ -f "$addon" ] && [ "$installed" = "$version" ]; then
  echo "$modules"
  exit 0
fi

need=()
command -v g++ >/dev/null || need+=(g++)
command -v make >/dev/null || need+=(make)
for pkg in libssl-dev zlib1g-dev libzstd-dev liblz4-dev; do
  dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
  echo "confluent: installing ${need[*]} with apt-get" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
fi

mkdir -p "$prefix"
[ -f "$prefix/package.json" ] || echo '{ "name": "kafka-wire-bench-node-modules", "private": true }' >"$prefix/package.json"
nodedir="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
echo "confluent: building @confluentinc/kafka-javascript $version and its bundled librdkafka from source (a few minutes)" >&2
log="$prefix/install.log"
# nice: the machine is shared, and librdkafka's make runs with an unbounded -j.
if ! CKJS_LINKING=dynamic npm_config_nodedir="$nodedir" nice -n 10 npm install --prefix "$prefix" --no-audit \
  --no-fund --foreground-scripts "@confluentinc/kafka-javascript@$version" >"$log" 2>&1; then
  grep -E 'error|Error|ERR' "$log" | tail -30 >&2
  echo "confluent: install failed; full log in $log" >&2
  exit 1
fi
[ -f "$addon" ] || {
  echo "confluent: installed, but $addon is missing; log in $log" >&2
  exit 1
}
echo "$modules"
