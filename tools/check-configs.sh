#!/usr/bin/env bash
# Every compile-time option of include/sidelink/config.h must leave a core
# that compiles warning-free and links: build the core with each option
# combination below and link every object into one program.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-build/configs}
mkdir -p "$work"
flags=(-std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla
       -Iinclude -Isrc)
configs=(
  "-DSL_CONFIG_TLV=0"
  "-DSL_CONFIG_SENML_CBOR=0"
  "-DSL_CONFIG_LWM2M_CBOR=0"
  "-DSL_CONFIG_COMPOSITE=0"
  "-DSL_CONFIG_BLOCK=0"
  "-DSL_CONFIG_SENML_CBOR=0 -DSL_CONFIG_LWM2M_CBOR=0 -DSL_CONFIG_COMPOSITE=0"
  "-DSL_CONFIG_TLV=0 -DSL_CONFIG_LWM2M_CBOR=0 -DSL_CONFIG_BLOCK=0"
  "-DSL_CONFIG_FLOAT=0"
  "-DSL_CONFIG_FLOAT=0 -DSL_CONFIG_TLV=0"
  "-DSL_CONFIG_ACL=0 -DSL_MAX_SERVERS=1"
  "-DSL_CONFIG_STORE_BACKUP=0 -DSL_CONFIG_COMPOSITE=0"
  "-DSL_CONFIG_MSG_HOOK=0"
  "-DSL_CONFIG_BOOTSTRAP=0"
  "-DSL_CONFIG_OBSERVE_ATTRS=0"
  "-DSL_CONFIG_OBSERVE_ATTRS=0 -DSL_CONFIG_FLOAT=0"
  # the Cortex-M3 minimal client of `make size` (every option it sets)
  "-Iconfig -DSL_CONFIG_FILE=\"cortex-m3.h\""
)
for cfg in "${configs[@]}"; do
  rm -f "$work"/*.o
  # shellcheck disable=SC2086
  for src in src/codec/*.c src/coap/*.c src/dm/*.c src/objects/*.c src/client/*.c src/engine/*.c; do
    [ -e "$src" ] || continue
    cc "${flags[@]}" $cfg -c "$src" -o "$work/$(basename "$src" .c).o"
  done
  # shellcheck disable=SC2086
  cc "${flags[@]}" $cfg tests/install/use_engine.c "$work"/*.o -o "$work/use_engine"
  "$work/use_engine" >/dev/null
  echo "check-configs: ok: $cfg"
done
