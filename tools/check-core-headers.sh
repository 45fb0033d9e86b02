#!/usr/bin/env bash
# The engine core reaches no OS: `make check-core`.
#
# Every C file (.c, .h) under src/ is checked, except the parts that are
# meant to reach the OS or a library (DESIGN 2):
#   src/platform/            POSIX sockets, clock, random, file store
#   src/server/              the Linux server
#   src/security/*mbedtls*   the mbedTLS glue (DTLS, crypto backend)
#
# In the rest, an #include <...> may name only a header of this list:
#   the C11 freestanding headers, which need no OS and no library code:
#     float.h iso646.h limits.h stdalign.h stdarg.h stdbool.h stddef.h
#     stdint.h stdnoreturn.h
#   and two hosted headers whose functions need no OS either:
#     string.h   memcpy, memset, memcmp, memmove, strlen and the like
#     math.h     classification macros and bit-exact helpers (isnan,
#                isfinite, ldexp, frexp); a bare-metal libm has them
# Not allowed, on purpose: stdio.h (files, and a float printf newlib-nano
# lacks), stdlib.h (malloc: the core has no heap; strtod, abort, exit),
# assert.h (newlib's assert prints through stdio), time.h (time comes in as
# arguments), errno.h (errors are values), and every POSIX or OS header.
# An #include "..." must name a file of the project: relative to the
# including file, or under include/ or src/.
#
# The Cortex-M3 build (`make size`) backs this up: the core compiles against
# newlib and links with the nosys stubs only.
#
# Usage: tools/check-core-headers.sh [ROOT]   (default: the repository)
set -euo pipefail

root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"

allowed=" float.h iso646.h limits.h stdalign.h stdarg.h stdbool.h stddef.h stdint.h stdnoreturn.h string.h math.h "

is_exempt() {
    case "$1" in
        src/platform/*|src/server/*) return 0 ;;
        src/security/*mbedtls*) return 0 ;;
        *) return 1 ;;
    esac
}

if [ ! -d src ]; then
    echo "check-core: no src/ under $root" >&2
    exit 1
fi

checked=0
bad=0      # OS or library headers, computed includes
missing=0  # "..." includes that name no project file
while IFS= read -r -d '' file; do
    if is_exempt "$file"; then
        continue
    fi
    checked=$((checked + 1))
    # "line:header:kind" for each #include, kind < or "
    while IFS=: read -r line kind header; do
        case "$kind" in
            '<')
                case "$allowed" in
                    *" $header "*) ;;
                    *)
                        echo "$file:$line: #include <$header>: not allowed in the core" >&2
                        bad=$((bad + 1))
                        ;;
                esac
                ;;
            '"')
                if [ ! -f "$(dirname "$file")/$header" ] && [ ! -f "include/$header" ] &&
                    [ ! -f "src/$header" ]; then
                    echo "$file:$line: #include \"$header\": no such file in the project" >&2
                    missing=$((missing + 1))
                fi
                ;;
            *)
                echo "$file:$line: #include of a macro or malformed name: $header" >&2
                bad=$((bad + 1))
                ;;
        esac
    done < <(awk '
        /^[ \t]*#[ \t]*include/ {
            s = $0
            sub(/^[ \t]*#[ \t]*include[ \t]*/, "", s)
            if (s ~ /^</) {
                sub(/^</, "", s); sub(/>.*$/, "", s); print FNR ":<:" s
            } else if (s ~ /^"/) {
                sub(/^"/, "", s); sub(/".*$/, "", s); print FNR ":\":" s
            } else {
                print FNR ":?:" s
            }
        }' "$file")
done < <(find src -type f \( -name '*.c' -o -name '*.h' \) -print0 | sort -z)

# A computed include (#include SL_CONFIG_FILE) is how config.h takes the
# configuration header: allowed in include/sidelink/config.h only, which is
# not under src/ and so not checked here.

if [ "$bad" -ne 0 ] || [ "$missing" -ne 0 ]; then
    list=${allowed# }
    echo "check-core: FAIL: $bad include(s) of headers the core may not use," \
        "$missing of project files that do not exist" >&2
    echo "check-core: the core may include <${list% }> and its own files" >&2
    exit 1
fi
echo "check-core: $checked core files include only freestanding headers, string.h and math.h"
