# Sidelink: the commands a user types. The build itself is CMake; this file
# installs what is missing, configures, builds and runs.
#
#   make demo        build everything and show what there is to run
#   make test        everything CI checks: unit tests (ASan+UBSan) and under
#                    valgrind, core header check, Cortex-M3 size build, fuzz
#                    smoke, cppcheck, the demo
#   make deps        install the Debian packages that are missing (tools/deps.sh)
#   make fuzz        run every fuzz target FUZZ_SECONDS (60) s, growing the corpus
#   make size        Cortex-M3 footprint per module (build/size/size.txt)
#   make check-core  the engine core includes no OS header
#   make check-install  an application builds against the installed library
#   make check-configs  the core builds with each compile-time option off
#   make lint        cppcheck over src/
#   make valgrind    every unit test under valgrind memcheck (a Debug build)
#   make clean       remove build/
#
# Variables: FUZZ_SECONDS, FUZZ_SMOKE_SECONDS (10), SKIP_DEPS=1 (do not check
# or install packages), JOBS (parallel build jobs, default: all cores).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
# The targets run one after another; each build parallelises itself.
.NOTPARALLEL:
# cmake --build runs make too: keep its output free of directory noise.
MAKEFLAGS += --no-print-directory

BUILD              ?= build
JOBS               ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS       ?= 60
FUZZ_SMOKE_SECONDS ?= 10
SKIP_DEPS          ?= 0

SANITIZE_DIR := $(BUILD)/sanitize
DEMO_DIR     := $(BUILD)/demo
CTEST_LOG    := $(SANITIZE_DIR)/ctest.log

export SL_SKIP_DEPS := $(SKIP_DEPS)
export SL_JOBS := $(JOBS)

CPPCHECK_FLAGS := --enable=warning,style,performance,portability --error-exitcode=1 \
                  --std=c11 --inline-suppr --suppressions-list=tools/cppcheck.supp \
                  -I include -I src -q -j $(JOBS) \
                  -USL_CONFIG_FILE
# (-U: cppcheck would otherwise also try config.h's "#include SL_CONFIG_FILE"
# with the macro defined but no value.)

.PHONY: help deps demo demo-smoke test unit valgrind fuzz fuzz-smoke size check-core check-install check-configs lint clean

help:
	@sed -n '3,20p' Makefile | sed 's/^# \{0,1\}//'

deps:
	@bash tools/deps.sh

# ---- make demo -------------------------------------------------------------
demo: deps
	bash tools/demo.sh $(DEMO_DIR)

# The demo as CI runs it: the README's main command must build (a release
# build, unlike the sanitized tests) and its presses must arrive.
demo-smoke: deps
	SL_DEMO_PRESSES=3 bash tools/demo.sh $(DEMO_DIR)

# ---- make test -------------------------------------------------------------
# Under test the footprint firmware must link (a plain `make size` reports a
# link that cannot be done yet and goes on).
test: export SL_SIZE_STRICT_LINK := 1
test: deps unit valgrind check-core check-install check-configs size fuzz-smoke lint demo-smoke
	@echo
	@echo "make test: unit tests (sanitizers and valgrind), core header check, Cortex-M3 size build, fuzz smoke, cppcheck and the demo passed"
	@grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' $(CTEST_LOG) | tail -n 1

# Unit tests in the Sanitize build (ASan + UBSan, every finding fatal).
unit: deps
	cmake -S . -B $(SANITIZE_DIR) -DCMAKE_BUILD_TYPE=Sanitize
	cmake --build $(SANITIZE_DIR) -j $(JOBS)
	ctest --test-dir $(SANITIZE_DIR) --output-on-failure -j 2 --no-tests=error 2>&1 | tee $(CTEST_LOG)

# The unit tests again, in a Debug build under valgrind memcheck.
valgrind: deps
	bash tools/valgrind.sh $(BUILD)/valgrind

fuzz: deps
	bash tools/fuzz.sh --build $(BUILD)/fuzz --seconds $(FUZZ_SECONDS)

# Short bounded run of every target; new inputs go to build/, not the tree.
fuzz-smoke: deps
	bash tools/fuzz.sh --build $(BUILD)/fuzz --smoke --seconds $(FUZZ_SMOKE_SECONDS)

check-configs:
	bash tools/check-configs.sh $(BUILD)/configs

check-install: deps
	bash tools/check-install.sh $(BUILD)/install-check

size: deps
	bash tools/size/size.sh $(BUILD)/size

check-core:
	bash tools/check-core-headers.sh

lint: deps
	cppcheck $(CPPCHECK_FLAGS) src
	@echo "lint: cppcheck found nothing in src/"

clean:
	rm -rf $(BUILD)
