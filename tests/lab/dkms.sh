# shellcheck shell=bash
# Sourced by the host drivers of the package cases (tests/matrix/009..011,
# 013, 018): boot a full Debian guest (tests/lab/mkrootfs) and run one
# tests/cases/dkms or tests/cases/prebuilt case in it, with the hotfix
# channel shared at /lab/share.

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

# dkms_kernels_listed KVER...: each KVER's image and headers are in the
# suites the full guest installs from; else says which package is missing
# where, and fails: a pinned kernel the archive dropped is said before
# anything is built, not as an apt error deep in mkrootfs.
dkms_kernels_listed() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	bash -c '. "$SHF_TOP/tests/lab/lib.sh"
		. "$SHF_TOP/tests/lab/kernels.sh"
		for k in "$@"; do
			why=$(lab_kernel_listed "$k" "$LAB_ROOTFS_SUITES") ||
				die "pinned kernel $k: $why" "update scripts/kernels.pinned and the cases that name $k"
		done' dkms_kernels_listed "$@"
}

# dkms_second_kernel KVER: the second kernel mkrootfs puts in KVER's
# guest's local archive, read from the index as it does
# (lab_second_kernel); nothing when the index has none.
dkms_second_kernel() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	bash -c '. "$SHF_TOP/tests/lab/lib.sh"
		. "$SHF_TOP/tests/lab/kernels.sh"
		lab_second_kernel "$1" "$LAB_ROOTFS_SUITE"' dkms_second_kernel "$1"
}

# dkms_mask TEXT NAME: standard input with every TEXT (literally) written
# NAME: golden outputs stay the same whichever kernel the index gave.
dkms_mask() {
	local l
	while IFS= read -r l || [ -n "$l" ]; do printf '%s\n' "${l//"$1"/$2}"; done
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

# dkms_channel DIR [SUITES]: the hotfix channel in DIR/channel/apt: this
# tree's .debs (scripts/build-packages deb: storage-hotfix-dkms and the CLI
# storage-hotfix), published by scripts/publish-channel for clients that
# see DIR at /lab/share, signed with the archive key of $SHF_KEYS (made on
# first use; its secret stays out of the share); with SUITES
# (scripts/build-prebuilt's suites.tsv) the prebuilt packages too, each
# in its Debian suite, the .debs in every one. DIR/hotfix.list: the apt
# lines publish-channel printed.
dkms_channel() {
	local dir=$1 suites=${2:-} work
	local -a opt=()
	[ -z "$suites" ] || opt=(--suites "$suites")
	work=$(mktemp -d)
	if ! "$SHF_TOP/scripts/build-packages" deb "$work/dist" >"$work/build.log" 2>&1; then
		cat "$work/build.log" >&2
		rm -rf "$work"
		return 1
	fi
	if ! "$SHF_TOP/scripts/publish-channel" --out "$work/channel" --url file:///lab/share/channel "${opt[@]}" \
		"$work"/dist/deb/storage-hotfix-dkms_*.deb "$work"/dist/deb/storage-hotfix_*.deb >"$work/publish.out" 2>"$work/publish.err"; then
		cat "$work/publish.err" >&2
		rm -rf "$work"
		return 1
	fi
	grep '^deb ' "$work/publish.out" >"$dir/hotfix.list"
	mkdir -p "$dir/channel"
	cp -a "$work/channel/apt" "$dir/channel/apt"
	rm -rf "$work"
	[ -s "$dir/hotfix.list" ] || { echo "publish-channel printed no apt line" >&2; return 1; }
}

# dkms_share DIR KVER...: the folder the package cases see at /lab/share:
#   channel/apt  the hotfix channel (dkms_channel)
#   hotfix.list  the apt line publish-channel printed for that channel
#   source/      the linux-source .deb of each KVER (hard links into the cache)
#   cases/       tests/cases/dkms/lib and nvme-loop/001 (run unchanged)
dkms_share() {
	local dir=$1 kver deb
	shift
	mkdir -p "$dir/source" "$dir/cases/dkms" "$dir/cases/nvme-loop"
	cp "$SHF_TOP/tests/cases/dkms/lib" "$dir/cases/dkms/lib"
	cp "$SHF_TOP/tests/cases/nvme-loop/001" "$dir/cases/nvme-loop/001"
	for kver in "$@"; do
		deb=$(dkms_source_deb "$kver") || return 1
		ln "$deb" "$dir/source/" 2>/dev/null || cp "$deb" "$dir/source/"
	done
	dkms_channel "$dir"
}

# prebuilt_share DIR KVER: the share of the prebuilt cases
# (tests/cases/prebuilt): scripts/build-prebuilt KVER (the pipeline,
# cached; the modules signed with $SHF_KEYS's module-signing key, made on
# first use) published with the CLI and DKMS packages (dkms_channel, one
# apt suite per Debian suite that lists KVER), and
#   expect/signer, expect/sig_key  what modinfo must say of a module
#                signed with that key: the certificate's CN and serial
#   cases/       tests/cases/dkms/lib (the guest helpers) and
#                nvmet-auth/001 (run unchanged)
# Prints the prebuilt packages it published.
prebuilt_share() {
	local dir=$1 kver=$2 pb cert
	pb=$(mktemp -d)
	if ! "$SHF_TOP/scripts/build-prebuilt" --out "$pb/out" "$kver" >"$pb/build.log" 2>&1; then
		cat "$pb/build.log" >&2
		rm -rf "$pb"
		return 1
	fi
	if ! compgen -G "$pb/out/storage-hotfix-modules-${kver}_*.deb" >/dev/null; then
		cat "$pb/build.log" >&2
		echo "scripts/build-prebuilt made no storage-hotfix-modules-$kver" >&2
		rm -rf "$pb"
		return 1
	fi
	dkms_channel "$dir" "$pb/out/suites.tsv" || { rm -rf "$pb"; return 1; }
	sed "s|$pb/out/||" "$pb/out/suites.tsv"
	cert=${SHF_SIGN_CERT:-${SHF_KEYS:-/var/lib/storage-hotfix/keys}/module-signing.der}
	mkdir -p "$dir/expect" "$dir/cases/dkms" "$dir/cases/nvmet-auth"
	openssl x509 -inform der -in "$cert" -noout -subject -nameopt RFC2253,sep_multiline |
		sed -n 's/^ *CN=//p' >"$dir/expect/signer"
	openssl x509 -inform der -in "$cert" -noout -serial | sed 's/^serial=//' >"$dir/expect/sig_key"
	cp "$SHF_TOP/tests/cases/dkms/lib" "$dir/cases/dkms/lib"
	cp "$SHF_TOP/tests/cases/nvmet-auth/001" "$dir/cases/nvmet-auth/001"
	rm -rf "$pb"
	if [ ! -s "$dir/expect/signer" ] || [ ! -s "$dir/expect/sig_key" ]; then
		echo "cannot read the signer of $cert" >&2
		return 1
	fi
}
