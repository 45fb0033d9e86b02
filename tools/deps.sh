#!/usr/bin/env bash
# Install the Debian 12 packages that building and testing Sidelink needs.
#
#   tools/deps.sh            install what is missing (as root), else nothing
#   tools/deps.sh --check    exit 1 and name what is missing, install nothing
#   tools/deps.sh --list     print the package list, one a line
#
# A machine that already has every package does no network work: the check is
# a local dpkg-query. Missing packages are installed with
#   apt-get update
#   DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ...
# which needs root; as another user the script prints that command and fails.
#
# SL_SKIP_DEPS=1 skips everything (for a machine that is not Debian and brings
# its own tools; `make SKIP_DEPS=1 test` sets it).
#
# This is the one place that lists the project's packages. Add a package to
# the group it serves, with a word on why if it is not obvious.
set -euo pipefail

# Compilers, build system and unit tests.
SL_PKGS_BUILD=(
    build-essential     # gcc, make, libc headers
    cmake
    pkg-config          # finds cmocka (and later the daemons' libraries)
    libcmocka-dev       # unit tests, run by CTest
)
# Fuzzing: clang's libFuzzer. Debian 12's clang 14 ships the fuzzer and
# sanitizer runtimes in libclang-rt-14-dev, which is only a Recommends of the
# clang package, so --no-install-recommends needs it named. llvm brings
# llvm-symbolizer (readable sanitizer stack traces) and llvm-profdata/llvm-cov.
SL_PKGS_FUZZ=(
    clang
    libclang-rt-14-dev
    llvm
)
# Cortex-M3 cross build and footprint (make size): newlib brings newlib-nano
# (nano.specs) and the nosys stubs.
SL_PKGS_CROSS=(
    gcc-arm-none-eabi
    libnewlib-arm-none-eabi
)
# Static analysis and memory checking.
SL_PKGS_CHECK=(
    cppcheck
    valgrind
)

# The daemons: server store, REST API, JSON; sidelinkctl's HTTP client.
SL_PKGS_DAEMONS=(
    libsqlite3-dev
    libmicrohttpd-dev
    libjansson-dev
    libcurl4-openssl-dev
    libmbedtls-dev      # DTLS 1.2 PSK, and AES-CCM + HKDF for OSCORE (DESIGN 6)
)
# Integration and interop tests: they drive the real programs from Python
# (standard library only), talk HTTP with curl, and use libcoap's command
# line tools as an independent CoAP peer.
SL_PKGS_INTEGRATION=(
    python3
    curl
    libcoap3-bin        # coap-client-notls/-openssl/-gnutls: CoAP and DTLS PSK peers
    tshark              # Wireshark's OSCORE dissector decrypts our OSCORE (interop)
)

SL_PACKAGES=(
    "${SL_PKGS_BUILD[@]}"
    "${SL_PKGS_DAEMONS[@]}"
    "${SL_PKGS_INTEGRATION[@]}"
    "${SL_PKGS_FUZZ[@]}"
    "${SL_PKGS_CROSS[@]}"
    "${SL_PKGS_CHECK[@]}"
)

missing_packages() {
    local pkg status
    for pkg in "${SL_PACKAGES[@]}"; do
        status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
        if [ "$status" != "installed" ]; then
            printf '%s\n' "$pkg"
        fi
    done
}

mode=install
case "${1:-}" in
    "") ;;
    --check) mode=check ;;
    --list) printf '%s\n' "${SL_PACKAGES[@]}"; exit 0 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "deps.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
esac

if [ "${SL_SKIP_DEPS:-0}" = "1" ]; then
    echo "deps: skipped (SL_SKIP_DEPS=1); the build needs: ${SL_PACKAGES[*]}"
    exit 0
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "deps: this is not a Debian-based system (no dpkg-query)." >&2
    echo "deps: install the equivalents of: ${SL_PACKAGES[*]}" >&2
    echo "deps: then run make with SKIP_DEPS=1." >&2
    exit 1
fi

mapfile -t missing < <(missing_packages)
if [ "${#missing[@]}" -eq 0 ]; then
    echo "deps: all ${#SL_PACKAGES[@]} packages present"
    exit 0
fi

apt_cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$mode" = check ]; then
    echo "deps: missing: ${missing[*]}" >&2
    echo "deps: install with: $apt_cmd" >&2
    exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "deps: missing packages: ${missing[*]}" >&2
    echo "deps: installing needs root; run:" >&2
    echo "    sudo sh -c '$apt_cmd'" >&2
    echo "deps: (or, with the tools installed some other way, make SKIP_DEPS=1 ...)" >&2
    exit 1
fi

echo "deps: installing ${missing[*]}"
# wireshark-common asks whether non-root users may capture: answer no
# before apt-get asks (tshark runs as root in the tests, on files only)
if command -v debconf-set-selections >/dev/null 2>&1; then
    echo "wireshark-common wireshark-common/install-setuid boolean false" |
        debconf-set-selections
fi
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"

mapfile -t still < <(missing_packages)
if [ "${#still[@]}" -ne 0 ]; then
    echo "deps: still missing after apt-get install: ${still[*]}" >&2
    exit 1
fi
echo "deps: installed ${#missing[@]} package(s)"
