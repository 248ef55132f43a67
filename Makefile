# gxload - build, test, check, bench, install.  `make help` lists the targets.
#
# Dependencies are Debian packages found through pkg-config (libcsv has no .pc file and
# is linked as -lcsv).  `make deps` installs whatever is missing; `make run` and
# `make test` call it first, and it returns at once when everything is there.

CC       ?= cc
PREFIX   ?= /usr/local
DESTDIR  ?=
BINDIR    = $(PREFIX)/bin
SHAREDIR  = $(PREFIX)/share/gxload
DOCDIR    = $(PREFIX)/share/doc/gxload
MANDIR   ?= $(PREFIX)/share/man
# systemd looks for system units in /usr/local/lib/systemd/system and /usr/lib/...
UNITDIR  ?= $(PREFIX)/lib/systemd/system
# where an installed gxload keeps its default database, data and locks
VARDIR   ?= /var/lib/gxload

VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
GITREV   := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

PKGS      = libpq sqlite3 libpcre2-8 yaml-0.1 libxxhash hdf5 jansson liblzf openblas
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN      = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wno-format-nonliteral -Wvla
CSTD      = -std=c11 -D_GNU_SOURCE
OPT      ?= -O2 -g
CPPFLAGS += -Isrc -DPCRE2_CODE_UNIT_WIDTH=8 $(PKG_CFLAGS) -DGX_VERSION='"$(VERSION)"' -DGX_GITREV='"$(GITREV)"'
CFLAGS   ?=
ALL_CFLAGS = $(CSTD) $(OPT) $(WARN) $(CFLAGS) -MMD -MP
LIBS      = $(PKG_LIBS) -lcsv -lm -lpthread

SAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

SRCS      := $(wildcard src/*.c src/*/*.c)
LIB_SRCS  := $(filter-out src/main.c,$(SRCS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
BENCH_SRCS := $(wildcard bench/*.c)
TOOL_SRCS  := $(wildcard tests/tools/*.c)
FUZZ_SRCS  := $(wildcard tests/fuzz/fuzz_*.c)

# $(1) = build dir
objs     = $(patsubst src/%.c,$(1)/obj/%.o,$(2))

BUILD     = build/release
ASAN      = build/asan

LIB_OBJS      := $(call objs,$(BUILD),$(LIB_SRCS))
ASAN_LIB_OBJS := $(call objs,$(ASAN),$(LIB_SRCS))
UNIT_BINS      := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
ASAN_UNIT_BINS := $(patsubst tests/unit/%.c,$(ASAN)/tests/%,$(UNIT_SRCS))
BENCH_BINS     := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS))
TOOL_BINS      := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(TOOL_SRCS))
FUZZ_BINS      := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
ASAN_FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(ASAN)/fuzz/%,$(FUZZ_SRCS))
FUZZ_TIME     ?= 60

.PHONY: all deps run test test-unit test-sqlite test-pg check bench install uninstall \
        clean help units units-asan fuzz bench-tools mutate

all: gxload                                  ## build ./gxload (default)

gxload: $(BUILD)/gxload
	@cp $< $@

$(BUILD)/gxload: $(BUILD)/obj/main.o $(LIB_OBJS)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/unit $(ALL_CFLAGS) -o $@ $< $(LIB_OBJS) $(LIBS)

# fuzz targets linked with a replay driver: `make test` runs them over their corpus
$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/replay.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< tests/fuzz/replay.c $(LIB_OBJS) $(LIBS)

$(ASAN)/fuzz/%: tests/fuzz/%.c tests/fuzz/replay.c $(ASAN_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(SAN_FLAGS) -o $@ $< tests/fuzz/replay.c $(ASAN_LIB_OBJS) $(LIBS)

# test tools (fixture writers used by the integration tests)
$(BUILD)/tools/%: tests/tools/%.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/unit $(ALL_CFLAGS) -o $@ $< $(LIB_OBJS) $(LIBS)

$(BUILD)/bench/%: bench/%.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(LIB_OBJS) $(LIBS)

# the sanitizer build: same sources, its own objects
$(ASAN)/gxload: $(ASAN)/obj/main.o $(ASAN_LIB_OBJS)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -o $@ $^ $(LIBS)

$(ASAN)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(SAN_FLAGS) -c -o $@ $<

$(ASAN)/tests/%: tests/unit/%.c $(ASAN_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/unit $(ALL_CFLAGS) $(SAN_FLAGS) -o $@ $< $(ASAN_LIB_OBJS) $(LIBS)

# an LD_PRELOAD shim that fails the Nth write (tests/shim/failwrite.c; t0280-disk-full)
SHIM_SO := $(BUILD)/tools/libfailwrite.so
$(SHIM_SO): tests/shim/failwrite.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) -O2 -g $(WARN) -Wno-missing-prototypes -shared -fPIC -o $@ $< -ldl

units: $(UNIT_BINS) $(TOOL_BINS) $(FUZZ_BINS) $(SHIM_SO)
units-asan: $(ASAN_UNIT_BINS) $(TOOL_BINS) $(ASAN_FUZZ_BINS) $(SHIM_SO)

deps:                                        ## install missing Debian packages (apt-get)
	@sh deploy/install-deps.sh

run: deps                                    ## build, load the bundled example study into SQLite, print a summary
	@$(MAKE) --no-print-directory gxload
	@sh examples/run.sh

test: deps                                   ## build and run every test (unit, SQLite, PostgreSQL)
	@$(MAKE) --no-print-directory gxload units bench-tools
	@sh tests/run.sh --bin ./gxload --units $(BUILD)/tests --fuzz $(BUILD)/fuzz

test-unit: gxload units                      ## unit tests (and the fuzz corpus replay) only
	@sh tests/run.sh --bin ./gxload --units $(BUILD)/tests --fuzz $(BUILD)/fuzz --only unit

test-sqlite: gxload units                    ## unit tests and SQLite integration tests
	@sh tests/run.sh --bin ./gxload --units $(BUILD)/tests --skip-pg

check: deps                                  ## the whole suite under ASan+UBSan
	@$(MAKE) --no-print-directory $(ASAN)/gxload units-asan bench-tools
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	 sh tests/run.sh --bin $(ASAN)/gxload --units $(ASAN)/tests --fuzz $(ASAN)/fuzz

bench-tools: $(BENCH_BINS)

# mutation testing: apply each change of tests/mutate/catalogue in a scratch copy of the
# tree (build/mutate/), run the tests that must notice it, print the score; the working
# tree is never modified.  MUTATE_ONLY=id,... for some; MUTATE_JOBS=1|2 (default 2)
mutate: deps                                 ## mutation testing (tests/mutate/catalogue; about 15 min)
	@python3 tests/mutate/run.py

# libFuzzer (clang): fuzz each target for FUZZ_TIME seconds, one after the other (one
# core each); new inputs that reach new code are added to tests/fuzz/corpus/<target>/,
# and `make test` replays them forever.  The library is compiled once for all targets
# (build/libfuzzer/obj).  FUZZ_TARGETS=a,b picks some; FUZZ_FLAGS adds libFuzzer options.
# Statistics of each run go to build/libfuzzer/<target>.log (docs/RELIABILITY.md).
FZ        = build/libfuzzer
FZ_CFLAGS = $(CSTD) -g -O1 -fsanitize=fuzzer-no-link,address,undefined
FZ_OBJS  := $(patsubst src/%.c,$(FZ)/obj/%.o,$(LIB_SRCS))
FUZZ_TARGETS ?= $(subst $(space),$(comma),$(patsubst tests/fuzz/fuzz_%.c,%,$(FUZZ_SRCS)))
comma := ,
space := $(empty) $(empty)

# kept between runs (make would delete them as intermediates of the targets)
.SECONDARY: $(FZ_OBJS)

$(FZ)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) $(FZ_CFLAGS) -c -o $@ $<

$(FZ)/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) $(FZ_OBJS)
	clang $(CPPFLAGS) -Itests/unit $(CSTD) -g -O1 -fsanitize=fuzzer,address,undefined \
	  -o $@ $< $(FZ_OBJS) $(LIBS)

fuzz:                                        ## run the libFuzzer targets (FUZZ_TIME=60 s each, clang)
	@GXLOAD_DEPS_FUZZ=1 sh deploy/install-deps.sh
	@$(MAKE) --no-print-directory $(patsubst %,$(FZ)/fuzz_%,$(subst $(comma),$(space),$(FUZZ_TARGETS)))
	@for t in $(subst $(comma),$(space),$(FUZZ_TARGETS)); do \
	  mkdir -p tests/fuzz/corpus/$$t; \
	  echo "== fuzz_$$t for $(FUZZ_TIME) s (log: $(FZ)/$$t.log)"; \
	  $(FZ)/fuzz_$$t -max_total_time=$(FUZZ_TIME) -rss_limit_mb=1024 -print_final_stats=1 \
	    $$(cat tests/fuzz/options/$$t 2>/dev/null) $(FUZZ_FLAGS) \
	    -artifact_prefix=$(FZ)/$$t- tests/fuzz/corpus/$$t > $(FZ)/$$t.log 2>&1; \
	  st=$$?; grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' \
	    $(FZ)/$$t.log | tr '\n' ' '; echo; \
	  [ $$st -eq 0 ] || { tail -40 $(FZ)/$$t.log; exit 1; }; \
	done

bench:                                       ## benchmarks (starts its own PostgreSQL); writes bench/results/
	@GXLOAD_DEPS_BENCH=1 sh deploy/install-deps.sh
	@$(MAKE) --no-print-directory gxload bench-tools
	@sh bench/run.sh

install: gxload                              ## install binary, share files, man page, systemd units to $(DESTDIR)$(PREFIX)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SHAREDIR)/configs $(DESTDIR)$(DOCDIR)
	install -m 0755 gxload $(DESTDIR)$(BINDIR)/gxload
	for d in migrations/sqlite migrations/postgresql sql rules rules/overrides; do \
	  if [ -d $$d ]; then install -d $(DESTDIR)$(SHAREDIR)/$$d; \
	    for f in $$d/*; do [ -f $$f ] && install -m 0644 $$f $(DESTDIR)$(SHAREDIR)/$$d/; done; \
	  fi; done; true
	sed -e 's|\.\./var/|$(VARDIR)/|' -e 's|\.\./examples/data|$(VARDIR)/data|' \
	  configs/gxload.yaml > $(DESTDIR)$(SHAREDIR)/configs/gxload.yaml
	chmod 0644 $(DESTDIR)$(SHAREDIR)/configs/gxload.yaml
	install -m 0644 configs/features.yaml $(DESTDIR)$(SHAREDIR)/configs/features.yaml
	install -m 0644 README.md docs/*.md $(DESTDIR)$(DOCDIR)/
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SHAREDIR)/deploy
	sed 's|/usr/local/share/|$(PREFIX)/share/|g' docs/gxload.1 > $(DESTDIR)$(MANDIR)/man1/gxload.1
	chmod 0644 $(DESTDIR)$(MANDIR)/man1/gxload.1
	for f in gxload-load.service gxload-load.timer; do \
	  sed 's|/usr/local/bin/gxload|$(BINDIR)/gxload|g' deploy/$$f > $(DESTDIR)$(UNITDIR)/$$f && \
	  chmod 0644 $(DESTDIR)$(UNITDIR)/$$f || exit 1; done
	for f in gxload.cron gxload.yaml; do \
	  sed 's|/usr/local/bin/gxload|$(BINDIR)/gxload|g' deploy/$$f > $(DESTDIR)$(SHAREDIR)/deploy/$$f && \
	  chmod 0644 $(DESTDIR)$(SHAREDIR)/deploy/$$f || exit 1; done

uninstall:                                   ## remove what install put in place
	rm -f $(DESTDIR)$(BINDIR)/gxload $(DESTDIR)$(MANDIR)/man1/gxload.1
	rm -f $(DESTDIR)$(UNITDIR)/gxload-load.service $(DESTDIR)$(UNITDIR)/gxload-load.timer
	rm -rf $(DESTDIR)$(SHAREDIR) $(DESTDIR)$(DOCDIR)

clean:                                       ## remove build outputs
	rm -rf build gxload

help:                                        ## list the targets
	@echo "gxload make targets:"
	@grep -hE '^[a-z-]+:.*## ' $(firstword $(MAKEFILE_LIST)) | sed -E 's/^([a-z-]+):.*## (.*)/  \1\t\2/' | expand -t 16
	@echo "variables: PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) CC=$(CC) OPT='$(OPT)'"

-include $(shell find build -name '*.d' 2>/dev/null)
