# What goes into the portable engine (libsidelink) and how it is warned about.
# Included by the top-level CMakeLists.txt and by the Cortex-M3 footprint
# project in tools/size/, so the host library and the measured firmware are
# built from the same files with the same warnings.
#
# To add a directory to the core, add it to SL_CORE_DIRS: both builds, and the
# per-module table of `make size`, pick it up.

# src/<dir>/*.c of each of these belong to the core: no OS, no heap.
set(SL_CORE_DIRS codec coap dm objects client engine)

# Warnings for every C file of the project; -Werror everywhere.
set(SL_WARNING_FLAGS
    -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
    -Wmissing-prototypes -Wformat=2 -Wvla)

# sl_glob_core_sources(<out-var> <source-root>): every src/<dir>/*.c of
# SL_CORE_DIRS under <source-root>, re-globbed when files come and go.
function(sl_glob_core_sources out root)
  set(patterns "")
  foreach(dir ${SL_CORE_DIRS})
    list(APPEND patterns "${root}/src/${dir}/*.c")
  endforeach()
  file(GLOB sources CONFIGURE_DEPENDS ${patterns})
  list(SORT sources)
  set(${out} ${sources} PARENT_SCOPE)
endfunction()
