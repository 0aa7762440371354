# jobflowd — one non-recursive Makefile for every program, test and check.
#
#   make            build every program into build/bin
#   make test       install missing packages, build, run every test (README)
#   make asan       the tests again, built with ASan+UBSan (build/asan)
#   make valgrind   the unit tests under valgrind (CK_FORK=no)
#   make fuzz       every libFuzzer target for FUZZ_SECONDS each (build/fuzz)
#   make fuzz-long  the same for 600 s each
#   make demo       the product end to end on kubesim (SPEC §9)
#   make bench      benchmarks (SPEC §10)
#   make chaos      the long chaos suite
#   make lint       clang-format check + cppcheck
#
# Sources are picked up by folder: a new .c file needs no Makefile change.
# Each program folder is compiled into an archive (its main.c excluded) so
# that tests can link any module.

BUILD    ?= build
CC       ?= cc
SAN      ?=
V        ?=
Q        := $(if $(V),,@)
PKGS     := libcurl libevent libevent_openssl openssl libcjson yaml-0.1 nanomsg \
            libzstd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) check 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)

WARN     := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
            -Wmissing-prototypes -Wvla -Wno-unused-parameter \
            -Wno-format-nonliteral -Wno-format-truncation
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -fno-strict-aliasing $(WARN) -Iinclude -I. $(PKG_CFLAGS) \
            -D_GNU_SOURCE -MMD -MP
LDLIBS   := $(PKG_LIBS) -lm -lpthread
# link only what is used, with any compiler (Debian's gcc does by default)
LDFLAGS  += -Wl,--as-needed

ifneq ($(findstring clang,$(CC)),)
WARN     += -Wno-unknown-warning-option
endif

ifeq ($(SAN),1)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=address,undefined
endif

OBJ      := $(BUILD)/obj
BIN      := $(BUILD)/bin
LIB      := $(BUILD)/lib

src_of    = $(sort $(wildcard $(1)/*.c $(1)/*/*.c))
objs_of   = $(patsubst %.c,$(OBJ)/%.o,$(1))

COMMON_SRC  := $(call src_of,common)
SUP_SRC     := $(filter-out supervisor/main.c,$(call src_of,supervisor))
WORKER_SRC  := $(filter-out worker/main.c,$(call src_of,worker))
CTL_SRC     := $(filter-out ctl/main.c,$(call src_of,ctl))
KUBESIM_SRC := $(filter-out tests/kubesim/main.c,$(call src_of,tests/kubesim))

LIBCOMMON   := $(LIB)/libjfcommon.a
LIBSUP      := $(LIB)/libjfsupervisor.a
LIBWORKER   := $(LIB)/libjfworker.a
LIBCTL      := $(LIB)/libjfctl.a
LIBKUBESIM  := $(LIB)/libkubesim.a
ALL_LIBS    := $(LIBSUP) $(LIBWORKER) $(LIBCTL) $(LIBKUBESIM) $(LIBCOMMON)

PROGRAMS := $(if $(wildcard supervisor/main.c),$(BIN)/jobflowd) \
            $(if $(wildcard worker/main.c),$(BIN)/jobflow-worker) \
            $(if $(wildcard ctl/main.c),$(BIN)/jobflowctl) \
            $(if $(wildcard tests/kubesim/main.c),$(BIN)/kubesim)

# Check programs: unit suites, integration suites against kubesim, e2e.
TEST_DIRS  := tests/unit tests/integ tests/e2e
UNIT_SRC   := $(sort $(foreach d,$(TEST_DIRS),$(wildcard $(d)/check_*.c)))
UNIT_BINS  := $(addprefix $(BUILD)/tests/,$(basename $(notdir $(UNIT_SRC))))
TEST_HELPERS := $(sort $(wildcard tests/lib/*.c))

.PHONY: all test unit asan valgrind fuzz fuzz-long lint clean deps demo \
        bench bench-quick chaos format
all: $(PROGRAMS)

# --- archives and programs --------------------------------------------------

define archive
$(1): $(call objs_of,$(2)) $(OBJ)/.empty.o
	@mkdir -p $$(@D)
	@rm -f $$@
	@$$(AR) rcs $$@ $$^
endef
$(eval $(call archive,$(LIBCOMMON),$(COMMON_SRC)))
$(eval $(call archive,$(LIBSUP),$(SUP_SRC)))
$(eval $(call archive,$(LIBWORKER),$(WORKER_SRC)))
$(eval $(call archive,$(LIBCTL),$(CTL_SRC)))
$(eval $(call archive,$(LIBKUBESIM),$(KUBESIM_SRC)))

$(OBJ)/.empty.o:
	@mkdir -p $(@D)
	echo 'extern int jf_empty_archive_member; int jf_empty_archive_member;' | \
		$(CC) -x c -c -o $@ -

$(BIN)/jobflowd: $(OBJ)/supervisor/main.o $(LIBSUP) $(LIBCOMMON)
$(BIN)/jobflow-worker: $(OBJ)/worker/main.o $(LIBWORKER) $(LIBCOMMON)
$(BIN)/jobflowctl: $(OBJ)/ctl/main.o $(LIBCTL) $(LIBWORKER) $(LIBCOMMON)
$(BIN)/kubesim: $(OBJ)/tests/kubesim/main.o $(LIBKUBESIM) $(LIBCOMMON)
$(PROGRAMS):
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
	@$(if $(Q),echo "  LD      $@")

$(OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<
	@$(if $(Q),echo "  CC      $<")

# --- tests ------------------------------------------------------------------

define test_prog
$(BUILD)/tests/$(basename $(notdir $(1))): $(call objs_of,$(1) $(TEST_HELPERS)) $(ALL_LIBS)
	@mkdir -p $$(@D)
	$$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$(filter %.o,$$^) $(ALL_LIBS) $$(LDLIBS) $$(CHECK_LIBS)
	@$$(if $$(Q),echo "  LD      $$@")
endef
$(foreach t,$(UNIT_SRC),$(eval $(call test_prog,$(t))))

# Benchmark and chaos clients (tests/bench/*.c, one program each; not Check).
BENCH_SRC  := $(sort $(wildcard tests/bench/*.c))
BENCH_BINS := $(addprefix $(BUILD)/tests/,$(basename $(notdir $(BENCH_SRC))))
define bench_prog
$(BUILD)/tests/$(basename $(notdir $(1))): $(call objs_of,$(1)) $(ALL_LIBS)
	@mkdir -p $$(@D)
	$$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$(filter %.o,$$^) $(ALL_LIBS) $$(LDLIBS)
	@$$(if $$(Q),echo "  LD      $$@")
endef
$(foreach t,$(BENCH_SRC),$(eval $(call bench_prog,$(t))))

deps:
	@scripts/install-deps.sh --check || scripts/install-deps.sh

# Every test: unit suites (Check), then the integration, kubectl and e2e
# suites, which start kubesim and jobflowd as real processes.
test: deps
	$(MAKE) all $(UNIT_BINS) $(BENCH_BINS)
	BUILD=$(BUILD) scripts/run-tests.sh --all $(UNIT_BINS)

unit: $(UNIT_BINS)
	BUILD=$(BUILD) scripts/run-tests.sh $(UNIT_BINS)

asan: deps
	$(MAKE) BUILD=build/asan CC=clang SAN=1 test

valgrind: deps
	$(MAKE) all $(UNIT_BINS)
	BUILD=$(BUILD) JF_VALGRIND=1 CK_FORK=no scripts/run-tests.sh $(UNIT_BINS)

# --- fuzzing (clang libFuzzer; project sources rebuilt with instrumentation)

FUZZ_SRC     := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BUILD   := build/fuzz
FUZZ_BINS    := $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/%,$(FUZZ_SRC))
FUZZ_SECONDS ?= 20
FUZZ_CFLAGS  := -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
                -fno-sanitize-recover=all -std=gnu11 -Iinclude -I. \
                $(PKG_CFLAGS) -D_GNU_SOURCE -DJF_FUZZING
FUZZ_COMMON  := $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(COMMON_SRC))

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -c -o $@ $<
$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_COMMON)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

fuzz: deps $(FUZZ_BINS)
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/run-fuzz.sh $(FUZZ_BINS)
fuzz-long: deps $(FUZZ_BINS)
	FUZZ_SECONDS=600 scripts/run-fuzz.sh $(FUZZ_BINS)

# --- product-level targets --------------------------------------------------

demo: deps
	$(MAKE) all
	scripts/demo.sh
bench: deps
	$(MAKE) all $(BENCH_BINS)
	BUILD=$(BUILD) scripts/bench/run.sh
bench-quick: deps
	$(MAKE) all $(BENCH_BINS)
	BUILD=$(BUILD) scripts/bench/run.sh --quick
chaos: deps
	$(MAKE) all $(BENCH_BINS)
	BUILD=$(BUILD) scripts/chaos.sh

# --- style --------------------------------------------------------------------

LINT_FILES := $(shell git ls-files '*.c' '*.h' 2>/dev/null)
lint:
	clang-format --dry-run --Werror $(LINT_FILES)
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
		--inline-suppr --std=c11 -Iinclude -D_GNU_SOURCE \
		--suppress=missingIncludeSystem common supervisor worker ctl \
		tests/kubesim
format:
	clang-format -i $(LINT_FILES)

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
