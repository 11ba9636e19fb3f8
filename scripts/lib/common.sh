# shellcheck shell=bash disable=SC2034 # globals used by the sourcing scripts
# Shared by every storage-hotfix script: paths, logging, versions.

set -o errexit -o nounset -o pipefail

SHF_TOP=${SHF_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# Downloads and extracted sources live outside the repository, keyed by
# version and checksum, so a fresh clone reuses them and a wipe is safe.
SHF_CACHE=${SHF_CACHE:-/var/cache/storage-hotfix}
# Build trees and reports, one folder per kernel release.
SHF_WORK=${SHF_WORK:-/var/lib/storage-hotfix}
# The channel's module-signing and archive keys (never in the repository;
# the build sandbox hides them).
SHF_KEYS=${SHF_KEYS:-/var/lib/storage-hotfix/keys}
SHF_VERSION=$(cat "$SHF_TOP/VERSION")
SHF_JOBS=${SHF_JOBS:-$(nproc)}
export SHF_TOP SHF_CACHE SHF_WORK

step() { printf '==> %s\n' "$*" >&2; }
info() { printf '    %s\n' "$*" >&2; }
warn() { printf 'storage-hotfix: warning: %s\n' "$*" >&2; }
die() {
	printf 'storage-hotfix: error: %s\n' "$1" >&2
	shift
	local line
	for line in "$@"; do printf '    %s\n' "$line" >&2; done
	exit 1
}

# ver_ge A B: true when dotted version A >= B (suffixes after - or + ignored).
ver_ge() {
	local a=${1%%[-+~]*} b=${2%%[-+~]*}
	[ "$(printf '%s\n%s\n' "$a" "$b" | sort -V | head -n 1)" = "$b" ]
}

# series 6.12.107 -> 6.12
ver_series() {
	local v=${1%%[-+~]*}
	printf '%s\n' "${v%.*}"
}

# now_s: seconds since the epoch with two decimals, for step timings.
now_s() { date +%s.%N | cut -c1-13; }
elapsed() { awk -v a="$1" -v b="$(now_s)" 'BEGIN { printf "%.1f", b - a }'; }

# run_logged LOG CMD...: run a long command with its output in LOG; on
# failure show the log's tail, because the cause is usually at the end.
# LOG is opened as given (following symlinks): a path in a folder of
# ours, or one from new_log.
run_logged() {
	local log=$1
	shift
	if ! "$@" >"$log" 2>&1; then
		warn "command failed: $* (log: $log)"
		tail -n 25 "$log" >&2
		return 1
	fi
}

# new_log NAME: print the path of a new empty log file, private to us
# (mktemp: 0600, a name no one could guess and plant a symlink at first)
# in $TMPDIR or /tmp. Root writing to a fixed name there would overwrite
# whatever another user had linked it to.
new_log() {
	mktemp "${TMPDIR:-/tmp}/storage-hotfix-$1.XXXXXX"
}

# sha256_of FILE
sha256_of() { sha256sum "$1" | cut -d' ' -f1; }
