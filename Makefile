# blackbox: build, run and test.
#
#   make          the nginx module, the ingest daemon, the worker, unit tests
#   make run      install what is missing, build, run the stack in the
#                 foreground (Ctrl-C stops it)
#   make test     install what is missing, build, run every test twice:
#                 on the normal build, then on the sanitizer build
#   make asan     the same binaries under AddressSanitizer + UBSan, in
#                 build/asan; make test-asan runs the suite against them only
#   make stop     stop a stack started by make run, from another shell
#   make bench    measure, against nginx's own baseline in the same run
#   make fuzz     libFuzzer over the MP4 index reader (FUZZ_TIME seconds)

SHELL       := /bin/bash
BUILD       ?= build
NGX_SRC     ?= /usr/share/nginx/src

PKGS        := libpq hiredis libjwt openssl jansson libcurl srt \
               libavformat libavcodec libavutil libswscale
PKG_CFLAGS  := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS    := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

ifdef SAN
SAN_FLAGS   := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
               -fno-omit-frame-pointer
endif

WARN        := -Wall -Wextra -Werror
CFLAGS      := -std=gnu11 -O2 -g -D_GNU_SOURCE $(WARN) $(SAN_FLAGS) \
               $(PKG_CFLAGS) -Ingx_blackbox_module/core -Iingest
LDFLAGS     := $(SAN_FLAGS)

CORE_SRCS   := $(wildcard ngx_blackbox_module/core/*.c)
CORE_OBJS   := $(CORE_SRCS:%.c=$(BUILD)/%.o)
DAEMON_OBJS := $(BUILD)/ingest/bb_daemon.o
MODULE_SRCS := $(wildcard ngx_blackbox_module/*.[ch] \
                          ngx_blackbox_module/core/*.[ch]) config
UNIT_BINS   := $(patsubst t/unit/%.c,$(BUILD)/t/%, \
                          $(wildcard t/unit/test_*.c))

MODULE      := $(BUILD)/ngx_http_blackbox_module.so
INGEST      := $(BUILD)/bb-ingest
WORKER      := $(BUILD)/bb-worker
VENDOR      := html/vendor/hls.min.js html/vendor/dash.all.min.js

# nginx's configure writes the module's file list into its Makefile: a file
# added or removed must configure again.  This list changes only then.
MODULE_LIST := $(BUILD)/module-sources
$(shell mkdir -p $(BUILD); \
        echo $(sort $(wildcard ngx_blackbox_module/*.c \
                               ngx_blackbox_module/core/*.c)) \
        | cmp -s - $(MODULE_LIST) 2>/dev/null \
        || echo $(sort $(wildcard ngx_blackbox_module/*.c \
                                  ngx_blackbox_module/core/*.c)) \
           > $(MODULE_LIST))

# nginx compiles the module with its own -W -Wall -Werror; add -Wextra.
NGX_BUILD   := $(BUILD)/nginx
NGX_CC_OPT  := -Wextra -Wno-unused-parameter \
               $(SAN_FLAGS)
NGX_LD_OPT  := $(SAN_FLAGS)

.PHONY: all asan bench deps fuzz run stop test test-asan unit clean
.DELETE_ON_ERROR:

all: $(MODULE) $(INGEST) $(WORKER) $(UNIT_BINS) $(VENDOR)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(INGEST): $(BUILD)/ingest/bb_ingest.o $(BUILD)/ingest/bb_handshake.o \
           $(BUILD)/ingest/bb_registry.o $(BUILD)/ingest/bb_session.o \
           $(DAEMON_OBJS) $(CORE_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(WORKER): $(BUILD)/ingest/bb_worker.o $(BUILD)/ingest/bb_outbox.o \
           $(BUILD)/ingest/bb_indexer.o $(BUILD)/ingest/bb_notify.o \
           $(BUILD)/ingest/bb_retention.o $(DAEMON_OBJS) $(CORE_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/t/%: $(BUILD)/t/unit/%.o $(CORE_OBJS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The module is built by nginx's own build system, configured once with
# Debian's flags (so the module is binary-compatible with /usr/sbin/nginx) on
# a copy of the nginx-dev sources: nothing is written under /usr/share.
$(NGX_BUILD)/objs/Makefile: config $(MODULE_LIST)
	rm -rf $(NGX_BUILD)
	mkdir -p $(BUILD)
	cp -r $(NGX_SRC) $(NGX_BUILD)
	cd $(NGX_BUILD) && . ./conf_flags && \
	    ./configure "$${NGX_CONF_FLAGS[@]}" \
	        --with-cc-opt="$(NGX_CC_OPT)" --with-ld-opt="$(NGX_LD_OPT)" \
	        --add-dynamic-module=$(CURDIR) > configure.log 2>&1 \
	    || { tail -20 configure.log; exit 1; }

$(MODULE): $(NGX_BUILD)/objs/Makefile $(MODULE_SRCS)
	$(MAKE) -s -C $(NGX_BUILD) -f objs/Makefile modules
	@# A new file, renamed over the old: a running nginx keeps its mapping.
	cp $(NGX_BUILD)/objs/ngx_http_blackbox_module.so $@.tmp
	mv -f $@.tmp $@

# The players the web app serves from its own origin, from the npm packages
# pinned in package-lock.json.  npm stamps package files with a fixed date,
# so the copies follow node_modules/.package-lock.json, which npm ci rewrites.
node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund

html/vendor/hls.min.js: node_modules/.package-lock.json
	@mkdir -p $(@D)
	cp node_modules/hls.js/dist/hls.min.js $@

html/vendor/dash.all.min.js: node_modules/.package-lock.json
	@mkdir -p $(@D)
	cp node_modules/dashjs/dist/modern/umd/dash.all.min.js $@

asan:
	$(MAKE) BUILD=build/asan SAN=1 all

deps:
	@scripts/install-deps.sh

run: deps
	@$(MAKE) -s all
	@scripts/stack run

stop:
	@scripts/stack down

unit: all
	@for t in $(UNIT_BINS); do $$t || exit 1; done

test: deps
	@$(MAKE) -s all
	@$(MAKE) -s asan
	prove -I t/lib t/
	BB_BUILD=$(CURDIR)/build/asan prove -I t/lib t/

test-asan: deps
	@$(MAKE) -s asan
	BB_BUILD=$(CURDIR)/build/asan prove -I t/lib t/

bench: deps
	@$(MAKE) -s all
	perl -I t/lib bench/auth.pl
	perl -I t/lib bench/library.pl
	perl -I t/lib bench/ingest.pl
	perl -I t/lib bench/playback.pl
	perl -I t/lib bench/retention.pl

# libFuzzer over the MP4 index reader (needs clang); a crash is left in
# build/fuzz/ as crash-*, to become a unit test once mended.
FUZZ_TIME   ?= 120
FUZZ_DIR    := build/fuzz
FUZZ_SRCS   := fuzz/fuzz_bb_mp4.c ngx_blackbox_module/core/bb_mp4.c \
               ngx_blackbox_module/core/bb_mp4_segment.c

$(FUZZ_DIR)/fuzz_bb_mp4: $(FUZZ_SRCS) ngx_blackbox_module/core/bb_mp4.h \
                         ngx_blackbox_module/core/bb_mp4_segment.h
	@command -v clang >/dev/null \
	    || { echo "make fuzz needs clang: apt-get install clang"; exit 1; }
	@mkdir -p $(@D)
	clang -g -O1 -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined -Ingx_blackbox_module/core \
	    $(FUZZ_SRCS) -o $@

fuzz: $(FUZZ_DIR)/fuzz_bb_mp4
	@mkdir -p $(FUZZ_DIR)/corpus
	@cd $(FUZZ_DIR)/corpus && [ -n "$$(ls)" ] || { \
	    ff="ffmpeg -nostdin -loglevel error -y"; \
	    v="-f lavfi -i testsrc=size=64x48:rate=10"; \
	    a="-f lavfi -i sine=sample_rate=8000"; \
	    $$ff $$v $$a -c:v libx264 -g 5 -c:a aac -t 1 n.mp4 && \
	    $$ff $$v $$a -c:v libx264 -g 5 -c:a aac -t 1 \
	        -movflags +faststart f.mp4 && \
	    $$ff $$v $$a -c:v libx264 -g 5 -c:a aac -t 1 \
	        -movflags frag_keyframe+empty_moov+default_base_moof fr.mp4 && \
	    $$ff $$v -c:v libx265 -x265-params log-level=error:keyint=5 \
	        -t 1 h.mp4; }
	$(FUZZ_DIR)/fuzz_bb_mp4 -max_len=16384 -max_total_time=$(FUZZ_TIME) \
	    -artifact_prefix=$(FUZZ_DIR)/crash- $(FUZZ_DIR)/corpus

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
