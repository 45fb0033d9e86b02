#!/usr/bin/env bash
# Cortex-M3 footprint of the engine core: `make size`.
#
#   tools/size/size.sh [BUILD_DIR]        (default build/size)
#
# 1. Cross-compiles every core source (cmake/SidelinkSources.cmake) for each
#    feature variant of tools/size/CMakeLists.txt with arm-none-eabi-gcc
#    -mcpu=cortex-m3 -mthumb -Os, newlib-nano, config/cortex-m3.h. A compile
#    error or warning fails the run: this is the proof that the core builds
#    without an OS.
# 2. Sizes each object with arm-none-eabi-size (before --gc-sections, every
#    function counted), grouped by module (src/<module>/).
# 3. Links tools/size/min_client_main.c against the core with --gc-sections
#    and sizes the image per object from the linker map (what main() reaches).
#    If the link fails only because functions it references are not written
#    yet, the step is reported as skipped and the run still passes, unless
#    SL_SIZE_STRICT_LINK=1. Any other link failure fails the run.
# 4. Fails if anything in the core calls malloc and friends (no heap).
#
# ROM = text + data (initial values live in flash), RAM = data + bss; bytes.
# The report goes to stdout and to BUILD_DIR/size.txt.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/size}
strict=${SL_SIZE_STRICT_LINK:-0}
jobs=${SL_JOBS:-$(nproc 2>/dev/null || echo 2)}
cross=arm-none-eabi
variants=(full minimal)

mkdir -p "$build"
build=$(cd "$build" && pwd)
report=$build/size.txt

for tool in ${cross}-gcc ${cross}-size ${cross}-nm cmake; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "size: $tool not found (run make deps)" >&2
        exit 1
    fi
done

# run LOG CMD...: run quietly into LOG; on failure show LOG and fail.
run() {
    local log=$1
    shift
    if ! "$@" >"$log" 2>&1; then
        cat "$log" >&2
        echo "size: failed: $* (log: $log)" >&2
        exit 1
    fi
}

echo "size: cross-compiling the core for Cortex-M3 (${variants[*]})"
run "$build/configure.log" cmake -S "$root/tools/size" -B "$build" \
    -DCMAKE_TOOLCHAIN_FILE="$root/cmake/arm-none-eabi.cmake"
targets=()
for v in "${variants[@]}"; do targets+=("core_$v"); done
run "$build/compile.log" cmake --build "$build" -j "$jobs" --target "${targets[@]}"

# core_objects VARIANT: the object files of the current core sources (a
# source deleted since an earlier build leaves its object behind).
core_objects() {
    find "$build/CMakeFiles/core_$1.dir" -name '*.c.obj' | sort |
        awk 'NR == FNR { want[$0] = 1; next }
             { n = split($0, p, "/"); f = p[n]; sub(/\.obj$/, "", f)
               if ((p[n - 1] "/" f) in want) print }' "$build/core_sources.txt" -
}

# ---- objects: variant module file text data bss -------------------------
objects_tsv=$build/objects.tsv
: >"$objects_tsv"
for v in "${variants[@]}"; do
    mapfile -t objs < <(core_objects "$v")
    if [ "${#objs[@]}" -eq 0 ]; then
        echo "size: no objects for variant $v" >&2
        exit 1
    fi
    ${cross}-size -B -d "${objs[@]}" | awk -v variant="$v" '
        NR > 1 {
            n = split($6, p, "/")
            if (n >= 3 && p[n - 2] == "src") {
                file = p[n]; sub(/\.obj$/, "", file)
                printf "%s\t%s\t%s\t%d\t%d\t%d\n", variant, p[n - 1], file, $1, $2, $3
            }
        }' >>"$objects_tsv"
done

# Functions the core takes from outside: the C library and the compiler
# runtime (and, while the core is incomplete, functions not written yet).
core_objs=$(core_objects full)
# shellcheck disable=SC2086
libc_used=$(comm -23 \
    <(${cross}-nm -u $core_objs | awk 'NF == 2 { print $2 }' | sort -u) \
    <(${cross}-nm --defined-only -g $core_objs | awk 'NF == 3 { print $3 }' | sort -u) |
    tr '\n' ' ')
heap_re='^(malloc|free|calloc|realloc|_malloc_r|_free_r|_calloc_r|_realloc_r|_sbrk|_sbrk_r|sbrk)$'
# shellcheck disable=SC2086 # one symbol a word
heap_used=$(printf '%s\n' $libc_used | grep -E "$heap_re" | tr '\n' ' ' || true)

# ---- linked firmware -----------------------------------------------------
linked_tsv=$build/linked.tsv
: >"$linked_tsv"
link_status=()   # per variant: "linked", or "SKIPPED, ..." and why
refs=""
elf_sizes=()
for v in "${variants[@]}"; do
    log=$build/link_$v.log
    if cmake --build "$build" --target "min_client_$v" >"$log" 2>&1; then
        elf=$build/min_client_$v.elf
        map=$build/min_client_$v.map
        link_status+=("linked")
        elf_sizes+=("$(${cross}-size -B -d "$elf" | awk 'NR == 2 { print $1, $2, $3 }')")
        heap_in_elf=$(${cross}-nm "$elf" | awk 'NF == 3 { print $3 }' | grep -E "$heap_re" | tr '\n' ' ' || true)
        if [ -n "$heap_in_elf" ]; then
            heap_used="$heap_used $heap_in_elf"
        fi
        # Input sections of the map -> variant module file text data bss.
        awk -v variant="$v" '
            function hex(s,    i, c, n) {
                n = 0; s = tolower(s); sub(/^0x/, "", s)
                for (i = 1; i <= length(s); i++) {
                    c = index("0123456789abcdef", substr(s, i, 1)) - 1
                    n = n * 16 + c
                }
                return n
            }
            function add(size, path,    n, p, module, file, col) {
                if (out == ".data") col = 2
                else if (out == ".bss") col = 3
                else if (out == ".isr_vector" || out == ".text" || out == ".ARM.extab" ||
                         out == ".ARM.exidx" || out == ".init_array") col = 1
                else return
                size = hex(size)
                if (size == 0) return
                n = split(path, p, "/")
                if (n >= 3 && p[n - 2] == "src") {
                    module = p[n - 1]; file = p[n]; sub(/\.obj$/, "", file)
                } else if (path ~ /(min_client_main|startup_cortex_m3)\.c\.obj$/) {
                    module = "firmware"; file = p[n]; sub(/\.obj$/, "", file)
                } else if (path ~ /\.a\(/) {
                    module = "runtime"; file = p[n]; sub(/\(.*$/, "", file)
                } else {
                    module = "runtime"; file = "(linker)"
                }
                key = module "\t" file
                sz[key, col] += size
                keys[key] = 1
            }
            /^Linker script and memory map/ { inmap = 1; next }
            !inmap { next }
            /^[^ ]/ { out = $1; pend = 0; next }
            /^ [^ *]/ {
                n = split($0, f, " ")
                if (n >= 4 && f[2] ~ /^0x/ && f[3] ~ /^0x/) { add(f[3], f[4]); pend = 0 }
                else pend = (n == 1)
                next
            }
            pend && /^  +0x/ {
                n = split($0, f, " ")
                if (n >= 3 && f[1] ~ /^0x/ && f[2] ~ /^0x/) add(f[2], f[3])
                pend = 0
                next
            }
            { pend = 0 }
            END {
                for (k in keys)
                    printf "%s\t%s\t%d\t%d\t%d\n", variant, k, sz[k, 1], sz[k, 2], sz[k, 3]
            }' "$map" >>"$linked_tsv"
    elif grep -q "undefined reference to" "$log"; then
        missing=$(grep -o "undefined reference to \`[^']*'" "$log" | sed "s/.*\`//; s/'$//" |
            sort -u | tr '\n' ' ')
        if [ "$strict" = 1 ]; then
            cat "$log" >&2
            echo "size: min_client_$v does not link: missing ${missing}" >&2
            exit 1
        fi
        link_status+=("SKIPPED, main() calls functions not written yet: ${missing}")
        elf_sizes+=("")
    else
        cat "$log" >&2
        echo "size: linking min_client_$v failed (log: $log)" >&2
        exit 1
    fi
    main_obj=$(find "$build/CMakeFiles/min_client_$v.dir" -name 'min_client_main.c.obj')
    if [ -z "$refs" ] && [ -n "$main_obj" ]; then
        refs=$(${cross}-nm -u "$main_obj" | awk 'NF == 2 { print $2 }' | sort -u | tr '\n' ' ')
    fi
done

# ---- report --------------------------------------------------------------
# table < TSV of "variant module file text data bss" rows (variants full and
# minimal): one line per file with full text/data/bss/ROM/RAM and minimal
# ROM/RAM, a subtotal per module of several files, the core's total, then
# the firmware's own files and the runtime, and the grand total.
table() {
    awk -F '\t' '
        {
            key = $2 "\t" $3
            if (!(key in rank)) rank[key] = ($2 == "firmware") ? 2 : ($2 == "runtime") ? 3 : 1
            t[key, $1] += $4; d[key, $1] += $5; b[key, $1] += $6; has[key, $1] = 1
        }
        END {
            for (k in rank) {
                line = rank[k] "\t" k
                if (has[k, "full"]) line = line "\t" t[k, "full"] "\t" d[k, "full"] "\t" b[k, "full"]
                else line = line "\t-\t-\t-"
                if (has[k, "minimal"]) line = line "\t" (t[k, "minimal"] + d[k, "minimal"]) "\t" (d[k, "minimal"] + b[k, "minimal"])
                else line = line "\t-\t-"
                print line
            }
        }' | sort -t "$(printf '\t')" -k1,1n -k2,2 -k3,3 | awk -F '\t' '
        function num(x) { return x == "-" ? 0 : x }
        function row(m, f, t, d, b, rom, ram, mrom, mram) {
            printf "%-9s %-24s %7s %6s %6s %7s %6s   %7s %6s\n", m, f, t, d, b, rom, ram, mrom, mram
        }
        function rule() {
            row("---------", "------------------------", "-------", "------", "------",
                "-------", "------", "-------", "------")
        }
        function total(m, f, i) {
            row(m, f, T[i, 1], T[i, 2], T[i, 3], T[i, 1] + T[i, 2], T[i, 2] + T[i, 3], T[i, 4], T[i, 5])
        }
        function clear(i) { T[i, 1] = T[i, 2] = T[i, 3] = T[i, 4] = T[i, 5] = 0 }
        function acc(i) {
            T[i, 1] += num($4); T[i, 2] += num($5); T[i, 3] += num($6); T[i, 4] += num($7); T[i, 5] += num($8)
        }
        BEGIN {
            printf "%-34s %-40s %-14s\n", "", "-------------- full --------------", "-- minimal --"
            row("module", "file", "text", "data", "bss", "ROM", "RAM", "ROM", "RAM")
            rule()
            clear("m"); clear("core"); clear("all")
        }
        {
            if ($2 != cur) {
                if (files > 1) total(cur, "(module total)", "m")
                if (currank == 1 && $1 != 1) { rule(); total("core", "(engine core total)", "core"); rule() }
                cur = $2; currank = $1; files = 0; clear("m")
            }
            files++
            rom = ($4 == "-") ? "-" : $4 + $5
            ram = ($4 == "-") ? "-" : $5 + $6
            row($2, $3, $4, $5, $6, rom, ram, $7, $8)
            acc("m"); acc("all")
            if ($1 == 1) acc("core")
        }
        END {
            if (files > 1) total(cur, "(module total)", "m")
            rule()
            if (currank == 1) total("core", "(engine core total)", "core")
            else total("total", "", "all")
        }'
}

{
    echo "Sidelink footprint: engine core on ARM Cortex-M3"
    echo "  $(${cross}-gcc --version | head -n 1)"
    echo "  -mcpu=cortex-m3 -mthumb -Os -ffunction-sections -fdata-sections, newlib-nano (nosys)"
    echo "  configuration: config/cortex-m3.h (DESIGN 7's minimal client); variants:"
    echo "  minimal = config/cortex-m3.h as it is; full = every SL_CONFIG_ option on"
    echo "  ROM = text + data, RAM = data + bss, in bytes"
    echo
    echo "Compiled objects (before --gc-sections: every function, used or not)"
    echo
    table <"$objects_tsv"
    echo
    echo "Called by the core, defined outside it (C library, compiler runtime):"
    echo "  ${libc_used:-none}"
    echo
    echo "Linked firmware: tools/size/min_client_main.c + startup_cortex_m3.c + core,"
    echo "--gc-sections (only what main() reaches), tools/size/cortex-m3.ld"
    echo "  main() references: ${refs:-(not linked)}"
    for i in "${!variants[@]}"; do
        echo "  ${variants[$i]}: ${link_status[$i]}"
    done
    case "${link_status[*]}" in
        *SKIPPED*) echo "  (SL_SIZE_STRICT_LINK=1 makes a link that cannot be done fail the run)" ;;
    esac
    if [ -s "$linked_tsv" ]; then
        echo
        table <"$linked_tsv"
        echo
        printf '%-9s %-24s %7s %6s %6s %7s %6s\n' "image" "(arm-none-eabi-size)" text data bss ROM RAM
        for i in "${!variants[@]}"; do
            [ -n "${elf_sizes[$i]}" ] || continue
            read -r t d b <<<"${elf_sizes[$i]}"
            printf '%-9s %-24s %7d %6d %6d %7d %6d\n' "" "min_client_${variants[$i]}.elf" \
                "$t" "$d" "$b" $((t + d)) $((d + b))
        done
        echo "  (the image also holds alignment padding, hence a few bytes more than the rows)"
    fi
} | tee "$report"

if [ -n "${heap_used// /}" ]; then
    echo "size: FAIL: the core uses the heap (${heap_used}); DESIGN: no heap" >&2
    exit 1
fi
echo "size: report written to ${report#"$root"/}"
