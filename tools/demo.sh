#!/usr/bin/env bash
# `make demo`: build everything and run the live demo.
#
#   tools/demo.sh [BUILD_DIR]     (default build/demo)
#
# Then run the live demo: sidelink-server and two sidelink-clients on
# loopback, the switch's push button bound to the lamp's light through the
# server, each press timed until the light follows. The client-to-client
# path joins it with the C2C issue.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/demo}
jobs=${SL_JOBS:-$(nproc 2>/dev/null || echo 2)}
rel=${build#"$root"/}

cd "$root"
echo "demo: building Sidelink in $rel"
mkdir -p "$build"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build/configure.log" 2>&1 ||
    { cat "$build/configure.log" >&2; exit 1; }
cmake --build "$build" -j "$jobs"

echo
# The live part: a server and two clients on loopback, a button bound to a
# light through the server, presses timed end to end (tools/demo.py).
exec python3 "$root/tools/demo.py" "$build" "${SL_DEMO_PRESSES:-5}"
