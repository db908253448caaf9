#!/usr/bin/env bash
# Usage: bench/compare/rdkafka.sh -> prints the path of an rdkafka_performance binary.
# librdkafka's own benchmark tool, built from Debian's librdkafka sources against Debian's librdkafka (the
# library a user would get from apt), once, into the ignored .cache/rdkafka-<version>/. The tool lives in the
# source tree's examples/ and includes a few internal headers, so the sources are configured (no build of the
# library itself) and only that one file is compiled and linked against the installed -lrdkafka.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"

need=()
command -v gcc >/dev/null || need+=(gcc)
command -v dpkg-source >/dev/null || need+=(dpkg-dev)
[ -f /usr/include/librdkafka/rdkafka.h ] || need+=(librdkafka-dev)
if [ "${#need[@]}" -gt 0 ]; then
  echo "rdkafka: installing ${need[*]} with apt-get" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
fi
version="$(dpkg-query -W -f '${Version}' librdkafka-dev)"
dir="$root/.cache/rdkafka-$version"
binary="$dir/rdkafka_performance"
if [ -x "$binary" ]; then
  echo "$binary"
  exit 0
fi

# apt-get source needs deb-src entries; Debian images ship only binary ones. Add the same mirror's sources.
if ! apt-get source --print-uris librdkafka >/dev/null 2>&1; then
  list=/etc/apt/sources.list.d/kafka-wire-bench-src.sources
  suite="$(. /etc/os-release && echo "$VERSION_CODENAME")"
  echo "rdkafka: adding Debian deb-src entries for $suite ($list)" >&2
  cat >"$list" <<EOF
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  apt-get update -qq >&2
fi

tmp="$(mktemp -d "$root/.cache/.rdkafka.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
echo "rdkafka: fetching Debian's librdkafka $version sources and building rdkafka_performance" >&2
(cd "$tmp" && apt-get source -qq "librdkafka=$version" >&2 2>"$tmp/source.log") || {
  cat "$tmp/source.log" >&2
  exit 1
}
src="$(find "$tmp" -mindepth 1 -maxdepth 1 -type d -name 'librdkafka-*' | head -1)"
# configure only writes config.h (which the internal headers include); it needs no network without
# --install-deps.
(cd "$src" && ./configure --disable-ssl --disable-gssapi >"$tmp/configure.log" 2>&1) || {
  tail -20 "$tmp/configure.log" >&2
  exit 1
}
gcc -O2 -I"$src/src" -o "$tmp/rdkafka_performance" "$src/examples/rdkafka_performance.c" -lrdkafka -lm >&2
mkdir -p "$dir"
mv "$tmp/rdkafka_performance" "$binary"
echo "$binary"
