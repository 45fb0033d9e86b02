# CMake toolchain file: bare-metal ARM Cortex-M3 with Debian's
# gcc-arm-none-eabi and newlib-nano.
#
#   cmake -S . -B build/m3 -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake \
#         -DSL_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=MinSizeRel
#
# builds libsidelink for the device; tools/size/ uses it for `make size`.
# Another Cortex-M: set SL_ARM_CPU_FLAGS (e.g. "-mcpu=cortex-m4 -mthumb
# -mfloat-abi=hard -mfpu=fpv4-sp-d16") on the first configure.

set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(SL_ARM_TRIPLE arm-none-eabi CACHE STRING "prefix of the cross tools")
set(SL_ARM_CPU_FLAGS "-mcpu=cortex-m3 -mthumb" CACHE STRING "CPU flags of the target")

set(CMAKE_C_COMPILER ${SL_ARM_TRIPLE}-gcc)
set(CMAKE_ASM_COMPILER ${SL_ARM_TRIPLE}-gcc)
set(CMAKE_AR ${SL_ARM_TRIPLE}-ar CACHE FILEPATH "archiver")
set(CMAKE_RANLIB ${SL_ARM_TRIPLE}-ranlib CACHE FILEPATH "ranlib")
set(CMAKE_SIZE ${SL_ARM_TRIPLE}-size CACHE FILEPATH "size")
set(CMAKE_OBJCOPY ${SL_ARM_TRIPLE}-objcopy CACHE FILEPATH "objcopy")

# No OS to run test programs on: try_compile builds a static library.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# One function, one section, so --gc-sections drops what nothing calls.
set(CMAKE_C_FLAGS_INIT "${SL_ARM_CPU_FLAGS} -ffunction-sections -fdata-sections")
set(CMAKE_ASM_FLAGS_INIT "${SL_ARM_CPU_FLAGS}")
# newlib-nano, and nosys: every system call is a stub, so firmware that links
# uses no OS service it does not bring itself.
set(CMAKE_EXE_LINKER_FLAGS_INIT
    "${SL_ARM_CPU_FLAGS} --specs=nano.specs --specs=nosys.specs -Wl,--gc-sections")

# Look for programs on the host, for headers and libraries only in the
# target's sysroot.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
