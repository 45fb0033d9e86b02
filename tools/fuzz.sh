#!/usr/bin/env bash
# Build and run every libFuzzer target: `make fuzz`, and the smoke run of
# `make test`.
#
#   tools/fuzz.sh [--seconds N] [--smoke] [--build DIR] [TARGET...]
#
# Builds tests/fuzz/fuzz_*.c with clang, ASan and UBSan (CMake build type
# Sanitize, -DSL_BUILD_FUZZ=ON) in DIR (default build/fuzz), then runs each
# target (or only the TARGETs named, e.g. fuzz_coap) for N seconds (default
# 60) over its corpus tests/fuzz/corpus/<target>/ (created when missing),
# with tests/fuzz/<target>.dict as dictionary when there is one.
#
# Where new inputs go:
#   default   into tests/fuzz/corpus/<target>/: commit the ones worth keeping
#   --smoke   into DIR/scratch/<target>/, emptied first; the committed corpus
#             is only read, so `make test` leaves the tree clean
# A crash, leak, timeout or sanitizer finding fails the run; the input that
# caused it is saved as DIR/artifacts/<target>-crash-... (reproduce with
# DIR/tests/fuzz/<target> FILE). Extra libFuzzer flags: SL_FUZZ_ARGS.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
seconds=60
smoke=0
build=$root/build/fuzz
only=()
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds=${2:?--seconds needs a value}; shift 2 ;;
        --seconds=*) seconds=${1#*=}; shift ;;
        --smoke) smoke=1; shift ;;
        --build) build=${2:?--build needs a directory}; shift 2 ;;
        -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "fuzz: unknown option $1" >&2; exit 2 ;;
        *) only+=("$1"); shift ;;
    esac
done
case "$seconds" in
    ''|*[!0-9]*|0) echo "fuzz: --seconds wants a positive whole number, not '$seconds'" >&2; exit 2 ;;
esac
jobs=${SL_JOBS:-$(nproc 2>/dev/null || echo 2)}

if ! command -v clang >/dev/null 2>&1; then
    echo "fuzz: clang not found (run make deps)" >&2
    exit 1
fi

mapfile -t sources < <(find "$root/tests/fuzz" -maxdepth 1 -name 'fuzz_*.c' | sort)
if [ "${#sources[@]}" -eq 0 ]; then
    echo "fuzz: no targets yet (tests/fuzz/fuzz_*.c)"
    exit 0
fi

echo "fuzz: building ${#sources[@]} target(s) with clang, libFuzzer, ASan and UBSan in ${build#"$root"/}"
mkdir -p "$build"
if ! cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Sanitize \
        -DSL_BUILD_FUZZ=ON -DSL_BUILD_TESTS=OFF >"$build/configure.log" 2>&1; then
    cat "$build/configure.log" >&2
    echo "fuzz: configure failed" >&2
    exit 1
fi
if ! cmake --build "$build" -j "$jobs" >"$build/build.log" 2>&1; then
    cat "$build/build.log" >&2
    echo "fuzz: build failed" >&2
    exit 1
fi

targets=()
if [ "${#only[@]}" -gt 0 ]; then
    targets=("${only[@]}")
else
    for src in "${sources[@]}"; do
        name=${src##*/}
        targets+=("${name%.c}")
    done
fi

mkdir -p "$build/artifacts" "$build/logs"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mode="new inputs into tests/fuzz/corpus"
[ "$smoke" = 1 ] && mode="smoke, new inputs into ${build#"$root"/}/scratch"
echo "fuzz: ${#targets[@]} target(s), ${seconds} s each ($mode)"

failed=()
for t in "${targets[@]}"; do
    exe=$build/tests/fuzz/$t
    if [ ! -x "$exe" ]; then
        echo "fuzz: no such target: $t (built: ${sources[*]##*/})" >&2
        failed+=("$t")
        continue
    fi
    corpus=$root/tests/fuzz/corpus/$t
    mkdir -p "$corpus"
    dirs=("$corpus")
    if [ "$smoke" = 1 ]; then
        scratch=$build/scratch/$t
        rm -rf "$scratch"
        mkdir -p "$scratch"
        dirs=("$scratch" "$corpus") # libFuzzer writes new inputs to the first
    fi
    args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048
          -artifact_prefix="$build/artifacts/$t-" -print_final_stats=1)
    if [ -f "$root/tests/fuzz/$t.dict" ]; then
        args+=(-dict="$root/tests/fuzz/$t.dict")
    fi
    # shellcheck disable=SC2206
    extra=(${SL_FUZZ_ARGS:-})
    log=$build/logs/$t.log
    before=$(find "$corpus" -type f | wc -l)
    if "$exe" "${args[@]}" "${extra[@]}" "${dirs[@]}" >"$log" 2>&1; then
        runs=$(awk '/^stat::number_of_executed_units:/ { print $2 }' "$log")
        cov=$(awk '/^#[0-9]+/ && / cov: / { for (i = 1; i <= NF; i++) if ($i == "cov:") c = $(i + 1) } END { print c }' "$log")
        after=$(find "$corpus" -type f | wc -l)
        seeds="corpus $before"
        [ "$smoke" = 1 ] || seeds="corpus $before -> $after"
        printf 'fuzz: %-22s ok: %s runs, coverage %s, %s\n' "$t" "${runs:-?}" "${cov:-?}" "$seeds"
    else
        echo "fuzz: $t FAILED; end of its log ($log):" >&2
        tail -n 60 "$log" >&2
        # shellcheck disable=SC2012 # libFuzzer names artifacts by hash: plain
        newest=$(ls -t "$build/artifacts/$t-"* 2>/dev/null | head -n 1 || true)
        [ -z "$newest" ] || echo "fuzz:   input that failed: $newest" >&2
        failed+=("$t")
    fi
done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz: FAIL: ${failed[*]} (inputs that crashed: ${build#"$root"/}/artifacts/)" >&2
    exit 1
fi
echo "fuzz: ${#targets[@]} target(s) ran ${seconds} s each without a finding"
