# The G60 credit exchange gateway. `make demo` and `make test` are the two commands a newcomer needs; both
# install the Debian packages they need first (make deps).
SHELL := /bin/bash
SWIFT ?= swift
DEB_PACKAGES := libssl-dev libcurl4-openssl-dev libsqlite3-dev pkg-config openssl curl
SWIFT_TEST_FLAGS ?=

.PHONY: all deps build test demo clean help bench-crypto bench-mapping

all: build

help:
	@echo "make demo   run the main job end to end (installs missing Debian packages first)"
	@echo "make test   build and run every test (installs missing Debian packages first)"
	@echo "make build  debug build of g60-gateway"
	@echo "make deps   install missing Debian packages ($(DEB_PACKAGES))"
	@echo "make bench-crypto  envelope sign/verify per algorithm vs openssl speed (release build)"
	@echo "make bench-mapping partner file mapping rows/s and peak RSS per format, 1M rows (ROWS=N to change)"
	@echo "make bench-mapping-callgrind  instructions per mapped row per format under callgrind (BINS=\"old new\" to compare)"
	@echo "make bench-http  HTTP server vs nginx under wrk (Benchmarks/http/run.sh; installs nginx and wrk)"
	@echo "make bench-lookup  trust-travel eligibility lookups over 1M subjects vs nginx under wrk (Benchmarks/lookup/run.sh)"
	@echo "make bench-lookup-profile  syscalls, malloc calls and perf profile per lookup request, gateway and nginx"
	@echo "make bench-lookup-callgrind  instructions per lookup request under callgrind"
	@echo "make bench-store  durable envelopes and records/s next to raw SQLite inserts; bench-store-callgrind: instructions"
	@echo "make bench-store-1m  the record lines at 1,000,000 records, in 10 stretches (growth with the table size)"
	@echo "make bench-ingest  POST to durable receipt through a running node (INGEST_ARGS)"
	@echo "make bench-backlog  a 1M-record backlog mapped, dispatched and delivered; peak RSS (BACKLOG_ARGS)"
	@echo "make bench-report / bench-ops / bench-privacy  the report, the /ops and /metrics views, evidence encryption"
	@echo "make fuzz-http   libFuzzer over the HTTP request parser (FUZZ_RUNS, default 1M)"
	@echo "make fuzz   libFuzzer harnesses, FUZZ_SECONDS (default 600) each; make fuzz-ci: 30 s each (Fuzz/README.md)"
	@echo "make schemathesis  API fuzzing of a loopback node against Contracts/http/openapi.yaml (SCHEMATHESIS_EXAMPLES)"

# Installs what is missing through apt-get when root; otherwise prints the exact command and stops.
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "make deps: installing$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "make deps: missing Debian packages:$$missing"; \
	    echo "run: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

build: deps
	$(SWIFT) build

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build $(SWIFT_TEST_FLAGS)
	@bash Contracts/check.sh
	@bash Fuzz/run.sh replay $(FUZZ_HARNESSES)
	@bash Fuzz/run.sh ci $(FUZZ_TEST_SECONDS) $(FUZZ_HARNESSES)
	@$(MAKE) --no-print-directory fuzz-http FUZZ_RUNS=$(FUZZ_TEST_HTTP_RUNS) > .build/fuzz-http-test.log 2>&1 \
	  || { tail -20 .build/fuzz-http-test.log; exit 1; }
	@echo "fuzz http parser: $(FUZZ_TEST_HTTP_RUNS) runs, no crash"
	@bash Contracts/http/schemathesis.sh $(SCHEMATHESIS_CI_EXAMPLES)

demo: deps
	@bash scripts/demo.sh $(DEMO_ARGS)

# Envelope signing/verification per algorithm next to `openssl speed` (release build; not part of `make test`).
bench-crypto: deps
	@bash Benchmarks/crypto/run.sh

clean:
	rm -rf .build

# Store benchmark (not part of `make test`): durable envelopes/s and records/s next to raw SQLite rates.
.PHONY: bench-store
bench-store: deps
	$(SWIFT) build -c release --product g60-store-bench
	.build/release/g60-store-bench --runs 3
	.build/release/g60-store-bench --only records --sync normal --runs 3

# The record lines at 1,000,000 records (10 stretches each): how the rates and WAL pages change as the indexes grow.
.PHONY: bench-store-1m
bench-store-1m: deps
	$(SWIFT) build -c release --product g60-store-bench
	.build/release/g60-store-bench --only records --records 1000000

# Instruction counts of the record write path under callgrind (repeatable on a loaded machine; a few minutes).
.PHONY: bench-store-callgrind
bench-store-callgrind: deps
	$(SWIFT) build -c release --product g60-store-bench
	Benchmarks/store/callgrind.sh

# Report benchmark (not part of `make test`): the dual-publicity report on a month of data (200,000 rows).
.PHONY: bench-report
bench-report: deps
	$(SWIFT) build -c release --product g60-report-bench
	.build/release/g60-report-bench

# Mapping benchmark (not part of `make test`): 1M generated rows per format, rows/s and peak RSS.
bench-mapping: deps
	$(SWIFT) build -c release --product g60-gateway
	bash Benchmarks/mapping/run.sh $(or $(ROWS),1000000)

# Instructions per mapped row under callgrind (repeatable at any load); BINS="old new" compares binaries.
.PHONY: bench-mapping-callgrind
bench-mapping-callgrind: deps
	$(SWIFT) build -c release --product g60-gateway
	bash Benchmarks/mapping/callgrind.sh $(BINS)

# HTTP transport (GatewayHTTP). Not part of `make test`.
FUZZ_RUNS ?= 1000000
FUZZ_HTTP_SOURCES := Sources/GatewayHTTP/HTTPRequestParser.swift Sources/GatewayHTTP/HTTPError.swift \
	Sources/GatewayHTTP/HTTPHeaders.swift Sources/GatewayHTTP/HTTPRequest.swift Benchmarks/http/Fuzz/FuzzParser.swift
.PHONY: bench-http fuzz-http

# Release bench server vs nginx under wrk (installs nginx and wrk from Debian if missing); BENCH_SECONDS per run.
bench-http: deps
	bash Benchmarks/http/run.sh $(or $(BENCH_SECONDS),10)

# libFuzzer over the request parser: FUZZ_RUNS inputs (default 1M) from the seed requests.
fuzz-http:
	mkdir -p .build/fuzz/corpus
	cp Benchmarks/http/Fuzz/seeds/* .build/fuzz/corpus/
	swiftc -sanitize=fuzzer,address -O -parse-as-library -module-name FuzzHTTP $(FUZZ_HTTP_SOURCES) \
	  -o .build/fuzz/fuzz-http-parser
	.build/fuzz/fuzz-http-parser -runs=$(FUZZ_RUNS) -max_len=4096 -print_final_stats=1 .build/fuzz/corpus

# Ingest benchmark (not part of `make test`): concurrent signed envelopes over loopback to durable receipts.
.PHONY: bench-ingest
bench-ingest: deps
	$(SWIFT) build -c release --product g60-ingest-bench
	.build/release/g60-ingest-bench $(INGEST_ARGS)

# The backlog pass of the ingest benchmark: a 1M-record backlog taken in with the workers stopped, then mapped,
# dispatched and delivered to the partners (bounded by --backlog-seconds). BACKLOG_ARGS overrides the defaults.
BACKLOG_ARGS ?= --clients 8 --total 1000000 --small 0 --backlog-seconds 1200
.PHONY: bench-backlog
bench-backlog: deps
	$(SWIFT) build -c release --product g60-ingest-bench
	.build/release/g60-ingest-bench $(BACKLOG_ARGS)

# Fuzzing (not part of `make test`, which only replays Fuzz/corpus): libFuzzer harnesses built with
# `swiftc -sanitize=fuzzer` in .build/fuzz (Fuzz/README.md). A new harness is one word here, its folder
# Fuzz/<name>/ and its line in Package.swift. FUZZ_SANITIZE=fuzzer,address adds AddressSanitizer.
# The bounded fuzzing `make test` runs: seconds per libFuzzer harness, and runs of the HTTP parser harness.
FUZZ_TEST_SECONDS ?= 10
FUZZ_TEST_HTTP_RUNS ?= 500000
FUZZ_HARNESSES := envelope record mapping
FUZZ_SECONDS ?= 600
FUZZ_CI_SECONDS ?= 30
# API fuzzing with PyPI schemathesis against Contracts/http/openapi.yaml and a node on loopback (installs schemathesis
# with pip if missing). `make test` runs SCHEMATHESIS_CI_EXAMPLES cases per operation and phase; this, more.
SCHEMATHESIS_CI_EXAMPLES ?= 20
SCHEMATHESIS_EXAMPLES ?= 300
.PHONY: schemathesis
schemathesis: deps
	@bash Contracts/http/schemathesis.sh $(SCHEMATHESIS_EXAMPLES)
.PHONY: fuzz fuzz-ci
fuzz: deps
	@bash Fuzz/run.sh fuzz $(FUZZ_SECONDS) $(FUZZ_HARNESSES)
fuzz-ci: deps
	@bash Fuzz/run.sh ci $(FUZZ_CI_SECONDS) $(FUZZ_HARNESSES)

# Operations benchmark (not part of `make test`): one /ops page and one /metrics scrape on a day of traffic.
.PHONY: bench-ops
bench-ops: deps
	$(SWIFT) build -c release --product g60-ops-bench
	.build/release/g60-ops-bench

# Privacy benchmark (not part of `make test`): envelopes/s and CPU per envelope of the message log with evidence
# stored clear vs encrypted at rest (AES-256-GCM), in one run; `log verify` with and without the key.
.PHONY: bench-privacy
bench-privacy: deps
	$(SWIFT) build -c release --product g60-privacy-bench
	.build/release/g60-privacy-bench $(if $(BENCH_SCALE),--scale $(BENCH_SCALE),)

# The same appends under callgrind, clear then sealed: instruction counts do not depend on the machine's load.
.PHONY: bench-privacy-callgrind
bench-privacy-callgrind: deps
	$(SWIFT) build -c release --product g60-privacy-bench
	@mkdir -p Benchmarks/out/privacy; for m in clear sealed; do \
	  valgrind --tool=callgrind --callgrind-out-file=Benchmarks/out/privacy/callgrind.$$m.out \
	    .build/release/g60-privacy-bench --mode $$m --scale 0.05 2>&1 | grep -E "envelopes/s|Collected"; \
	done

# Lookup benchmark (not part of `make test`): wrk against /v1/trust-travel/eligibility of the real service with
# 1M subjects, next to nginx (Benchmarks/lookup/run.sh [seconds] [subjects]).
.PHONY: bench-lookup bench-lookup-profile bench-lookup-callgrind
bench-lookup: deps
	bash Benchmarks/lookup/run.sh $(or $(BENCH_SECONDS),10)
# Syscalls, malloc calls and perf samples per request of both servers (strace, perf; Benchmarks/lookup/profile.sh).
bench-lookup-profile: deps
	bash Benchmarks/lookup/profile.sh $(or $(BENCH_SECONDS),5)
# Instructions per lookup under callgrind, 20,000-subject store (LOOKUP_BENCH_BIN=path for another build).
bench-lookup-callgrind: deps
	bash Benchmarks/lookup/callgrind.sh $(or $(BENCH_SECONDS),10)
