# storage-hotfix: top-level entry points.
#   make build [KVER=...]   plan, source, prove, patch, explain for KVER
#   make test               the CI test set (unit tests, 3 real kernels, bad input, nvme-loop reproducer)
#   make matrix             the long matrix: every pinned kernel, every lab case
#   make bench              build cost, swap downtime, runtime parity: a table and
#                           a JSON under $SHF_WORK/bench (not a test: no number fails it)
KVER ?= 6.12.107+deb13-amd64

all: build

deps:
	scripts/install-deps

tools:
	$(MAKE) -C tools

build: deps tools
	scripts/hotfix-build all $(KVER)

test: deps tools
	tests/run scripts pipeline repro

matrix: deps tools
	tests/run scripts pipeline repro matrix; rc=$$?; tests/lab/summary; exit $$rc

bench: deps tools
	tests/bench/run

lint:
	tests/run scripts/006

clean:
	$(MAKE) -C tools clean
	rm -rf tests/results

.PHONY: all deps tools build test matrix bench lint clean
