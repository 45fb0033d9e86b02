#!/usr/bin/env bash
# Run every unit test binary under valgrind's memcheck: `make valgrind`,
# part of `make test`. The sanitizer build finds most memory errors; this
# one checks a plain Debug build (no ASan runtime in the way), so leaks and
# uninitialised bytes handed to the kernel (memcheck sees system calls)
# show too.
#
#   tools/valgrind.sh [BUILD_DIR]      (default build/valgrind)
#
# Any memcheck error or definite/indirect leak fails the run; each test's
# output is kept in BUILD_DIR/valgrind/<test>.log.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/valgrind}
jobs=${SL_JOBS:-$(nproc 2>/dev/null || echo 2)}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$build" -j "$jobs"
mkdir -p "$build/valgrind"
failed=()
count=0
for t in "$build"/tests/test_*; do
    [ -f "$t" ] && [ -x "$t" ] || continue
    name=$(basename "$t")
    count=$((count + 1))
    if ! valgrind -q --error-exitcode=99 --leak-check=full \
            --errors-for-leak-kinds=definite,indirect "$t" >"$build/valgrind/$name.log" 2>&1; then
        failed+=("$name")
        echo "valgrind: $name failed (see $build/valgrind/$name.log):"
        grep -E '^==[0-9]+==' "$build/valgrind/$name.log" | head -n 20 || tail -n 20 "$build/valgrind/$name.log"
    fi
done
if [ "$count" -eq 0 ]; then
    echo "valgrind: no unit test binaries in $build/tests" >&2
    exit 1
fi
if [ "${#failed[@]}" -gt 0 ]; then
    echo "valgrind: ${#failed[@]} of $count unit tests failed: ${failed[*]}" >&2
    exit 1
fi
echo "valgrind: $count unit tests, no memcheck error, no leak"
