#!/usr/bin/env bash
# Install libsidelink into a scratch prefix and build a program against it
# with nothing but pkg-config: the installed headers and sidelink.pc must be
# enough for an application.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-build/install-check}
case $work in /*) ;; *) work="$PWD/$work" ;; esac
rm -rf "$work"
cmake -S . -B "$work/build" -DSL_BUILD_TESTS=OFF -DCMAKE_INSTALL_PREFIX="$work/prefix" >/dev/null
cmake --build "$work/build" -j "${SL_JOBS:-2}" >/dev/null
cmake --install "$work/build" >/dev/null
pc="$work/prefix/lib/pkgconfig"
[ -d "$pc" ] || pc="$(dirname "$(find "$work/prefix" -name sidelink.pc | head -n 1)")"
cc -std=c11 -Wall -Wextra -Werror tests/install/use_engine.c \
   $(PKG_CONFIG_PATH="$pc" pkg-config --cflags --libs sidelink) -o "$work/use_engine"
"$work/use_engine"
echo "check-install: an application builds and runs against the installed library"
