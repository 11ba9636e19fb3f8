# shellcheck shell=bash
# Sourced by the host drivers of the package cases (tests/matrix/008..):
# boot a full Debian guest (tests/lab/mkrootfs) and run one tests/cases/dkms
# case in it.

# dkms_guest KVER CASE [run-guest options...]: run CASE in the KVER guest;
# DKMS_LOG is the serial log. The guest's timings and lab-metric lines go
# to stderr; the return code is run-guest's (0 pass).
dkms_guest() {
	local kver=$1 case=$2 out rc=0
	shift 2
	out=$("$SHF_TOP/tests/lab/run-guest" --rootfs --kver "$kver" --case "$SHF_TOP/$case" "$@") || rc=$?
	printf '%s\n' "$out" >&2
	DKMS_LOG=$(sed -n 's/^result: .* log=//p' <<<"$out")
	[ -f "$DKMS_LOG" ] || { echo "no guest log for $case" >&2; return 1; }
	grep -a -E '^(lab-metric |==> lab: )' "$DKMS_LOG" >&2 || true
	return "$rc"
}

# dkms_source_deb KVER: the verified linux-source-X.Y .deb of the version
# Debian built KVER's image from (Debian's archive, cached).
dkms_source_deb() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	bash -c '. "$SHF_TOP/scripts/lib/common.sh"
		. "$SHF_TOP/scripts/lib/archive.sh"
		archive_update
		v=$(archive_versions "linux-image-$1" | head -n 1)
		[ -n "$v" ] || die "linux-image-$1 is not in Debian'"'"'s archive"
		archive_fetch "linux-source-$(ver_series "$v")" "$v"' dkms_source_deb "$1"
}

# dkms_share DIR CHANNEL KVER...: the folder the package cases see at
# /lab/share: the channel (a published apt repository folder with its
# key, copied), hotfix.list (its apt line for the guest), source/ with the
# linux-source .deb of each KVER (hard links into the cache), cases/ with
# tests/cases/dkms/lib and nvme-loop/001 (run unchanged in the guest).
dkms_share() {
	local dir=$1 channel=$2 kver deb
	shift 2
	mkdir -p "$dir/source" "$dir/cases/dkms" "$dir/cases/nvme-loop"
	cp "$SHF_TOP/tests/cases/dkms/lib" "$dir/cases/dkms/lib"
	cp "$SHF_TOP/tests/cases/nvme-loop/001" "$dir/cases/nvme-loop/001"
	for kver in "$@"; do
		deb=$(dkms_source_deb "$kver") || return 1
		ln "$deb" "$dir/source/" 2>/dev/null || cp "$deb" "$dir/source/"
	done
	cp -a "$channel" "$dir/channel"
}
