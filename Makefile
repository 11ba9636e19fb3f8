# storage-hotfix: top-level entry points.
#   make build [KVER=...]   plan, source, prove, patch, explain for KVER
#   make test               the CI test set (unit tests, 3 real kernels, bad input, packages, nvme-loop reproducer and swap)
#   make matrix             the long matrix: every pinned kernel, every lab case
#   make deb | rpm          packages in dist/deb, dist/rpm (storage-hotfix-dkms, storage-hotfix)
#   make prebuilt [KVERS=...]  per-kernel packages of proven, signed modules, their
#                           flavour metapackages and the signing cert, in dist/prebuilt
#                           (default: the pinned kernels; keys in $SHF_KEYS;
#                           FROM_COVERAGE=1: every kernel make coverage proved,
#                           packaged from what it kept, nothing built again)
#   make channel            all of them published into the hotfix channel, dist/channel,
#                           one apt suite per Debian suite (CHANNEL_KEY=gpg-key-id signs it;
#                           without, the channel key in $SHF_KEYS/gnupg, made on first use)
#   make bench              build cost, swap downtime, runtime parity: a table and
#                           a JSON under $SHF_WORK/bench (not a test: no number fails it)
#   make coverage           every Debian kernel image of 6.1+ (amd64, cloud, rt) x fix:
#                           the plan, and the whole pipeline where a fix applies;
#                           docs/coverage.{json,md} (COVERAGE_ARGS=--plan-only, --only RE, ...)
#                           and the coverage section of docs/benchmarks.md
KVER ?= 6.12.107+deb13-amd64
VERSION := $(shell cat VERSION)
DIST ?= dist
CHANNEL_KEY ?=
FROM_COVERAGE ?=
KVERS ?= $(shell sed -n 's/^\([0-9][^ ]*\) .*/\1/p' scripts/kernels.pinned)
COVERAGE_ARGS ?=

all: build

deps:
	scripts/install-deps

tools:
	$(MAKE) -C tools

build: deps tools
	scripts/hotfix-build all $(KVER)

test: deps tools
	tests/run scripts pipeline packaging repro

matrix: deps tools
	tests/run scripts pipeline packaging repro matrix; rc=$$?; tests/lab/summary; exit $$rc

bench: deps tools
	tests/bench/run

coverage: deps tools
	scripts/coverage $(COVERAGE_ARGS)
	tests/bench/summary --coverage-only --markdown docs/benchmarks.md

lint:
	tests/run scripts/006 scripts/018

# One template for make, debian/ and rpm/.
dkms.conf: dkms.conf.in VERSION
	sed 's/@VERSION@/$(VERSION)/g' dkms.conf.in >$@.tmp && mv $@.tmp $@

rpm/storage-hotfix.spec: rpm/storage-hotfix.spec.in VERSION
	sed 's/@VERSION@/$(VERSION)/g' rpm/storage-hotfix.spec.in >$@.tmp && mv $@.tmp $@

deb:
	scripts/build-packages deb $(DIST)

rpm:
	scripts/build-packages rpm $(DIST)

prebuilt: deps tools
	scripts/build-prebuilt --out $(DIST)/prebuilt $(if $(FROM_COVERAGE),--coverage,$(KVERS))

channel: deb rpm prebuilt
	scripts/publish-channel --out $(DIST)/channel $(if $(CHANNEL_KEY),--key $(CHANNEL_KEY)) \
		--suites $(DIST)/prebuilt/suites.tsv $(DIST)/deb/*.deb $(DIST)/rpm/*.rpm

clean:
	$(MAKE) -C tools clean
	rm -rf tests/results dist dkms.conf rpm/storage-hotfix.spec

.PHONY: all deps tools build test matrix bench coverage lint clean deb rpm prebuilt channel
