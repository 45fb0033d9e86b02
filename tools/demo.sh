#!/usr/bin/env bash
# `make demo`: build everything and show what there is to run.
#
#   tools/demo.sh [BUILD_DIR]     (default build/demo)
#
# Foundation stage: the engine library and its tests exist, the programs do
# not yet. Later issues turn this into the live client-to-client demo (a
# server and clients on this machine, access granted by the server).
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

version=$(sed -n 's/^project(sidelink VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
echo
echo "Sidelink $version, built in $rel/"
echo
echo "Libraries (link with -Iinclude and these archives, or install: cmake --install $rel):"
find "$build" -maxdepth 1 -name 'libsidelink*.a' | sort | while read -r lib; do
    printf '  %-36s %3d object(s)\n' "${lib#"$root"/}" "$(ar t "$lib" | wc -l)"
done

progs=$(find "$build/apps" -maxdepth 2 -type f -perm -u+x 2>/dev/null | sort || true)
if [ -n "$progs" ]; then
    echo "Programs:"
    for p in $progs; do echo "  ${p#"$root"/}"; done
else
    echo "Programs: none yet (sidelink-client, sidelink-server and sidelinkctl come"
    echo "  with the next issues)"
fi

ntests=$(find "$build/tests" -maxdepth 1 -type f -name 'test_*' -perm -u+x 2>/dev/null | wc -l)
echo "Unit tests: $ntests program(s) in $rel/tests/"
echo
cat <<EOF
No live demo yet. This stage is the portable engine, libsidelink: CoAP, the
LwM2M data formats and the data model, tested on this machine and measured on
a Cortex-M3. The client-to-client demo, where a server grants one client
access to another and the two then talk directly, arrives with the client and
server programs of later issues.

What runs today:
  make test     unit tests under ASan+UBSan, core header check, Cortex-M3
                size build, fuzz smoke run, cppcheck
  make size     ROM and RAM of the engine per module on a Cortex-M3
  make fuzz     every parser under libFuzzer (FUZZ_SECONDS=60 each)
  ctest --test-dir $rel --output-on-failure     this build's unit tests
EOF
