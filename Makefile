# ratelab build: core/ -> libratelab_core.a (libc + libm only), contract/ (parameters and run
# results both engines share) -> libratelab_contract.a, sim/ -> libratelab_sim.a, kernel/ (the
# real-TCP engine, which never sees sim/) -> libratelab_kernel.a + the ratelab-agent program,
# analysis/ -> libratelab_analysis.a, calib/ -> libratelab_calib.a, cli/ -> the ratelab binary; tests/ -> one CUnit runner.

CC      ?= gcc
BUILD   ?= build
SAN     ?= 0
PKGS    := gsl sqlite3 cunit

WARN    := -std=c11 -Wall -Wextra -Wshadow -Werror
DEFS    := -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L
OPT     := -O2 -g
ifeq ($(SAN),1)
OPT     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
DEBUG   ?= 1
endif
# Debug builds (make DEBUG=1; the sanitizer build is one): the engine aborts on an event armed
# more than SIM_REARM_MAX_PER_MS times within one simulated millisecond (sim/engine.h).
ifeq ($(DEBUG),1)
OPT     += -DSIM_DEBUG_REARM
endif
# make fuzz: every library instrumented for libFuzzer's coverage, under ASan + UBSan (clang).
ifeq ($(SAN),fuzz)
OPT     := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
endif
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# The report test reads Chromium's screenshot back: libpng for the test runner only.
TEST_LIBS  = $(shell pkg-config --libs libpng 2>/dev/null)

# core/ sees only itself: no -I for sim/, no pkg-config flags.
CORE_CFLAGS := $(WARN) $(DEFS) $(OPT) -Icore
APP_CFLAGS   = $(WARN) $(DEFS) $(OPT) -I. -Icontract -Isim -Icore -Ikernel -Ianalysis -Icalib -Icli -I$(BUILD) $(PKG_CFLAGS)
# kernel/ sees the contract and itself only: it must not grow a dependency on the simulator.
KERNEL_CFLAGS = $(WARN) $(DEFS) $(OPT) -Icontract -Ikernel -I$(BUILD)
LDLIBS       = $(PKG_LIBS) -lm -lpthread

CORE_SRC     := $(wildcard core/*.c)
CONTRACT_SRC := $(wildcard contract/*.c)
SIM_SRC      := $(wildcard sim/*.c)
AGENT_SRC    := $(wildcard kernel/agent*.c)
KERNEL_SRC   := $(filter-out $(AGENT_SRC),$(wildcard kernel/*.c))
ANALYSIS_SRC := $(wildcard analysis/*.c)
CALIB_SRC    := $(wildcard calib/*.c)
CLI_SRC      := $(wildcard cli/*.c)
TEST_SRC     := $(wildcard tests/test_*.c)
TESTLIB_SRC  := $(filter-out $(TEST_SRC),$(wildcard tests/*.c))
BENCH_SRC    := $(wildcard bench/*.c)

CORE_OBJ     := $(CORE_SRC:%.c=$(BUILD)/%.o)
CONTRACT_OBJ := $(CONTRACT_SRC:%.c=$(BUILD)/%.o)
SIM_OBJ      := $(SIM_SRC:%.c=$(BUILD)/%.o)
KERNEL_OBJ   := $(KERNEL_SRC:%.c=$(BUILD)/%.o)
AGENT_OBJ    := $(AGENT_SRC:%.c=$(BUILD)/%.o)
ANALYSIS_OBJ := $(ANALYSIS_SRC:%.c=$(BUILD)/%.o)
CALIB_OBJ    := $(CALIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ      := $(CLI_SRC:%.c=$(BUILD)/%.o)
CLI_LIB_OBJ  := $(filter-out $(BUILD)/cli/main.o,$(CLI_OBJ))
# The fuzz targets are linked into the test runner too: it replays the kept corpora through them.
TEST_OBJ     := $(TEST_SRC:%.c=$(BUILD)/%.o) $(TESTLIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/tests/registry.o \
                $(BUILD)/fuzz/targets.o
BENCH_BIN    := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

LIBCORE      := $(BUILD)/libratelab_core.a
LIBCONTRACT  := $(BUILD)/libratelab_contract.a
LIBSIM       := $(BUILD)/libratelab_sim.a
LIBKERNEL    := $(BUILD)/libratelab_kernel.a
LIBANALYSIS  := $(BUILD)/libratelab_analysis.a
LIBCALIB     := $(BUILD)/libratelab_calib.a
LIBCLI       := $(BUILD)/libratelab_cli.a
BIN          := $(BUILD)/ratelab
AGENT        := $(BUILD)/ratelab-agent
TESTBIN      := $(BUILD)/tests/run_tests

.PHONY: all deps deps-calibrate deps-cluster test-cluster test test-san check-core check-kernel bench demo validate clean valgrind fuzz fuzz-run FORCE
all: $(BIN) $(AGENT)
ifeq ($(BUILD),build)
all: ratelab
ratelab: $(BIN)
	ln -sf $(BIN) ratelab
endif

deps:
	@tools/deps.sh

# `ratelab calibrate` also runs an Erlang VM (Debian erlang-base); nothing else needs it.
deps-calibrate:
	@tools/deps.sh calibrate

# Slurm and munge (Debian slurm-wlm, munge) for the local-cluster test only.
deps-cluster:
	@tools/deps.sh cluster || echo "deps-cluster: Slurm is not installed; make test-cluster will skip"

# The shipped Slurm recipe (tools/slurm/) on a single-node Slurm the test starts and stops itself:
# a shard cancelled mid-run, resubmitted, merged equal to an unsharded sweep.  Root only; skips
# with a message where Slurm is missing.
test-cluster: deps-cluster
	@$(MAKE) --no-print-directory all
	tools/slurm/test-cluster.sh

# The code version every result row records: commit, plus "-dirty-" and a hash of the sources for
# uncommitted changes (tools/version.sh), so resume and merge never take two builds for one.
$(BUILD)/version.h: FORCE
	@mkdir -p $(BUILD)
	@v=$$(tools/version.sh); \
	 printf '#define RATELAB_VERSION "%s"\n' "$$v" > $@.tmp; \
	 cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

# The results schema is written once, in analysis/schema.sql; the build turns it into the C
# string the writer executes, so the documented and the executed schema cannot drift apart.
$(BUILD)/schema_sql.h: analysis/schema.sql
	@mkdir -p $(BUILD)
	@{ echo '/* generated from analysis/schema.sql by the Makefile */'; \
	   echo 'const char db_schema_sql[] ='; \
	   sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/    "/' -e 's/$$/\\n"/' $<; \
	   echo '    ;'; } > $@.tmp && mv $@.tmp $@
$(BUILD)/analysis/db_schema.o: $(BUILD)/schema_sql.h

# The shipped CPU calibration (calib/shipped/, exported by `ratelab calibrate --export`) compiled
# into the simulator as its default costs: one source for the numbers, the committed CSV.
$(BUILD)/cpu_shipped.h: calib/shipped/coefficients.csv calib/shipped/calibration.csv
	@mkdir -p $(BUILD)
	@{ echo '/* generated from the CSV files in calib/shipped/ by the Makefile */'; \
	   awk -F, 'NR == 2 { printf "static const char cpu_shipped_label[] = \"shipped calibration %s, %s\";\n", $$2, $$3 }' calib/shipped/calibration.csv; \
	   echo 'static const struct { const char *path, *feat; double ns; } cpu_shipped[] = {'; \
	   awk -F, 'NR > 1 { printf "    { \"%s\", \"%s\", %s },\n", $$1, $$2, $$3 }' calib/shipped/coefficients.csv; \
	   echo '    { 0, 0, 0 }'; echo '};'; } > $@.tmp && mv $@.tmp $@
$(BUILD)/sim/cpu_model.o: $(BUILD)/cpu_shipped.h

$(BUILD)/core/%.o: core/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CORE_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/kernel/%.o: kernel/%.c | $(BUILD)/version.h
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/%.o: %.c | $(BUILD)/version.h
	@mkdir -p $(dir $@)
	$(CC) $(APP_CFLAGS) -MMD -MP -c $< -o $@

$(LIBCORE): $(CORE_OBJ)
	@rm -f $@; ar rcs $@ $^
$(LIBCONTRACT): $(CONTRACT_OBJ)
	@rm -f $@; ar rcs $@ $^
$(LIBSIM): $(SIM_OBJ)
	@rm -f $@; ar rcs $@ $^
$(LIBKERNEL): $(KERNEL_OBJ)
	@rm -f $@; ar rcs $@ $^
$(LIBANALYSIS): $(ANALYSIS_OBJ)
	@rm -f $@; ar rcs $@ $^
$(LIBCALIB): $(CALIB_OBJ)
	@rm -f $@; ar rcs $@ $^
$(LIBCLI): $(CLI_LIB_OBJ)
	@rm -f $@; ar rcs $@ $^

LIBS_ALL = $(LIBCLI) $(LIBCALIB) $(LIBANALYSIS) $(LIBSIM) $(LIBKERNEL) $(LIBCONTRACT) $(LIBCORE)
$(BIN): $(BUILD)/cli/main.o $(LIBS_ALL)
	$(CC) $(OPT) -o $@ $(BUILD)/cli/main.o $(LIBS_ALL) $(LDLIBS)
# The traffic agent runs inside the network namespaces: libc only, found next to the ratelab binary.
$(AGENT): $(AGENT_OBJ)
	$(CC) $(OPT) -o $@ $^ -lm

# Each tests/test_NAME.c defines register_test_NAME(); the runner calls them all.
$(BUILD)/tests/registry.c: $(TEST_SRC)
	@mkdir -p $(dir $@)
	@{ for f in $(notdir $(basename $(TEST_SRC))); do echo "void register_$$f(void);"; done; \
	   echo "void ratelab_register_all(void);"; \
	   echo "void ratelab_register_all(void) {"; \
	   for f in $(notdir $(basename $(TEST_SRC))); do echo "    register_$$f();"; done; \
	   echo "}"; } > $@
$(BUILD)/tests/registry.o: $(BUILD)/tests/registry.c
	$(CC) $(APP_CFLAGS) -c $< -o $@
$(TESTBIN): $(TEST_OBJ) $(LIBS_ALL) $(AGENT)
	$(CC) $(OPT) -o $@ $(TEST_OBJ) $(LIBS_ALL) $(LDLIBS) $(TEST_LIBS)

$(BUILD)/bench/%: bench/%.c $(LIBS_ALL)
	@mkdir -p $(dir $@)
	$(CC) $(APP_CFLAGS) -o $@ $< $(LIBS_ALL) $(LDLIBS)

# core/ must stand alone: it compiles with only -Icore, and its archive holds no sim/ object.
check-core: $(LIBCORE)
	@! grep -rnE '#include *"(\.\./)?(sim|cli|analysis)/' core/ || { echo "check-core: core/ includes another layer" >&2; exit 1; }
	@for o in $$(ar t $(LIBCORE)); do [ -f core/$${o%.o}.c ] || { echo "check-core: $$o is not from core/" >&2; exit 1; }; done
	@echo "check-core: $(LIBCORE) holds only core/ objects: $$(ar t $(LIBCORE) | tr '\n' ' ')"

# kernel/ stands beside the simulator, not on it: it includes neither sim/ nor core/.
check-kernel:
	@! grep -rnE '#include *"(\.\./)?(sim|core|cli|analysis)/' kernel/ || { echo "check-kernel: kernel/ includes another layer" >&2; exit 1; }
	@echo "check-kernel: kernel/ builds with -Icontract -Ikernel only"

# The README's test command: installs what is missing, builds, runs every suite.
test: deps
	@$(MAKE) --no-print-directory all $(TESTBIN) check-core check-kernel
	RATELAB=$(abspath $(BIN)) $(TESTBIN)

test-san: deps
	@$(MAKE) --no-print-directory BUILD=build-san SAN=1 test-run-san
test-run-san: $(TESTBIN) $(BIN) $(AGENT)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 RATELAB=$(abspath $(BIN)) $(TESTBIN)

valgrind: $(TESTBIN) $(BIN) $(AGENT)
	RATELAB=$(abspath $(BIN)) RATELAB_VALGRIND=1 valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite -q $(TESTBIN)

# Fuzzing: libFuzzer targets (fuzz/targets.c) for the scenario parser, --where and the trace
# reader, built with Debian's clang in build-fuzz/ and run FUZZ_SECONDS each from their kept
# corpus (fuzz/corpus/TARGET; new inputs go to build-fuzz/fuzz/corpus-TARGET).  A crash stops
# make with the input's path: it belongs in fuzz/crashes/TARGET/, which the tests replay.
FUZZ_TARGETS := scenario where trace
FUZZ_SECONDS ?= 60
fuzz:
	@tools/deps.sh fuzz
	@$(MAKE) --no-print-directory CC=clang BUILD=build-fuzz SAN=fuzz fuzz-run
fuzz-run: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)
	@for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(BUILD)/fuzz/corpus-$$t $(BUILD)/fuzz/crash-$$t; \
	    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $(BUILD)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
	        -timeout=10 -rss_limit_mb=2048 -artifact_prefix=$(BUILD)/fuzz/crash-$$t/ $(BUILD)/fuzz/corpus-$$t fuzz/corpus/$$t \
	        >$(BUILD)/fuzz/$$t.log 2>&1 || { tail -30 $(BUILD)/fuzz/$$t.log >&2; \
	        echo "fuzz: $$t failed; the input is in $(BUILD)/fuzz/crash-$$t/: add it to fuzz/crashes/$$t/ and fix" >&2; exit 1; }; \
	    echo "fuzz: $$t: $$(grep -o 'Done [0-9]* runs in [0-9]* s' $(BUILD)/fuzz/$$t.log | cut -d' ' -f2-), no crash"; \
	done
# The parsers need neither the kernel engine nor calibration: leaving them out saves CI time.
FUZZ_LIBS = $(LIBCLI) $(LIBANALYSIS) $(LIBSIM) $(LIBCONTRACT) $(LIBCORE)
$(BUILD)/fuzz/fuzz_%: fuzz/fuzz_main.c $(BUILD)/fuzz/targets.o $(FUZZ_LIBS)
	$(CC) $(APP_CFLAGS) -fsanitize=fuzzer,address,undefined -DFUZZ_TARGET=fuzz_$* -o $@ $< $(BUILD)/fuzz/targets.o \
	    $(FUZZ_LIBS) $(LDLIBS)

bench: deps
	@$(MAKE) --no-print-directory $(BENCH_BIN) $(BIN)
	@for b in $(BENCH_BIN); do echo "== $$b"; RATELAB=$(abspath $(BIN)) $$b || exit 1; done

# The README's main command: the default scenario (grown into the default sweeps + figures).
demo: deps
	@$(MAKE) --no-print-directory all
	@tools/demo.sh

# The validation grid on both engines (kernel part where namespaces work, else the committed
# kernel data), the comparison table in docs/validation.md and its figure.  Real time: ~40 min.
validate: deps
	@$(MAKE) --no-print-directory all
	@tools/validate.sh

clean:
	rm -rf build build-san build-fuzz ratelab

FORCE:
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
