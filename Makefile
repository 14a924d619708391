# The G60 credit exchange gateway. `make demo` and `make test` are the two commands a newcomer needs; both
# install the Debian packages they need first (make deps).
SHELL := /bin/bash
SWIFT ?= swift
DEB_PACKAGES := libssl-dev libcurl4-openssl-dev libsqlite3-dev pkg-config
SWIFT_TEST_FLAGS ?=

.PHONY: all deps build test demo clean help bench-crypto

all: build

help:
	@echo "make demo   run the main job end to end (installs missing Debian packages first)"
	@echo "make test   build and run every test (installs missing Debian packages first)"
	@echo "make build  debug build of g60-gateway"
	@echo "make deps   install missing Debian packages ($(DEB_PACKAGES))"
	@echo "make bench-crypto  envelope sign/verify per algorithm vs openssl speed (release build)"
	@echo "make fuzz   libFuzzer harnesses, FUZZ_SECONDS (default 600) each; make fuzz-ci: 30 s each (Fuzz/README.md)"

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

demo: deps
	@bash scripts/demo.sh

# Envelope signing/verification per algorithm next to `openssl speed` (release build; not part of `make test`).
bench-crypto: deps
	@bash Benchmarks/crypto/run.sh

clean:
	rm -rf .build

# Store benchmark (not part of `make test`): durable envelopes/s and records/s next to raw SQLite rates.
.PHONY: bench-store
bench-store: deps
	$(SWIFT) build -c release --product g60-store-bench
	.build/release/g60-store-bench

# Fuzzing (not part of `make test`, which only replays Fuzz/corpus): libFuzzer harnesses built with
# `swiftc -sanitize=fuzzer` in .build/fuzz (Fuzz/README.md). A new harness is one word here, its folder
# Fuzz/<name>/ and its line in Package.swift. FUZZ_SANITIZE=fuzzer,address adds AddressSanitizer.
FUZZ_HARNESSES := envelope record
FUZZ_SECONDS ?= 600
FUZZ_CI_SECONDS ?= 30
.PHONY: fuzz fuzz-ci
fuzz: deps
	@bash Fuzz/run.sh fuzz $(FUZZ_SECONDS) $(FUZZ_HARNESSES)
fuzz-ci: deps
	@bash Fuzz/run.sh ci $(FUZZ_CI_SECONDS) $(FUZZ_HARNESSES)
