#!/usr/bin/env bash
# scripts/build.sh: configure (once) and build in ./build/release.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
[ -x configure ] && [ configure -nt configure.ac ] || autoreconf -fi >/dev/null 2>&1
mkdir -p build/release
cd build/release
[ -f Makefile ] || ../../configure -q
make -s -j"$(nproc)" all 2>&1 | grep -v "^ar: .u' modifier ignored" || true
make -s -j"$(nproc)" all >/dev/null
