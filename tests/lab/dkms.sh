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

# dkms_channel DIR [SUITES [NAME]]: the hotfix channel in DIR/NAME/apt
# (NAME: channel): this tree's .debs (scripts/build-packages deb:
# storage-hotfix-dkms and the CLI storage-hotfix), published by
# scripts/publish-channel for clients that see DIR at /lab/share, signed
# with the archive key of $SHF_KEYS (made on first use; its secret stays
# out of the share); with SUITES (scripts/build-prebuilt's suites.tsv) the
# prebuilt packages too, each in its Debian suite, the .debs in every one.
# DIR/hotfix.list (DIR/NAME.list for another NAME): the apt lines
# publish-channel printed.
dkms_channel() {
	local dir=$1 suites=${2:-} name=${3:-channel} list work
	local -a opt=()
	list=$dir/$name.list
	[ "$name" != channel ] || list=$dir/hotfix.list
	[ -z "$suites" ] || opt=(--suites "$suites")
	work=$(mktemp -d)
	if ! "$SHF_TOP/scripts/build-packages" deb "$work/dist" >"$work/build.log" 2>&1; then
		cat "$work/build.log" >&2
		rm -rf "$work"
		return 1
	fi
	if ! "$SHF_TOP/scripts/publish-channel" --out "$work/channel" --url "file:///lab/share/$name" "${opt[@]}" \
		"$work"/dist/deb/storage-hotfix-dkms_*.deb "$work"/dist/deb/storage-hotfix_*.deb >"$work/publish.out" 2>"$work/publish.err"; then
		cat "$work/publish.err" >&2
		rm -rf "$work"
		return 1
	fi
	grep '^deb ' "$work/publish.out" >"$list"
	mkdir -p "$dir/$name"
	cp -a "$work/channel/apt" "$dir/$name/apt"
	rm -rf "$work"
	[ -s "$list" ] || { echo "publish-channel printed no apt line" >&2; return 1; }
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
	local dir=$1 kver=$2 pb
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
	rm -rf "$pb"
	share_cases "$dir" dkms/lib nvmet-auth/001
	share_signer "$dir"
}

# upgrade_share DIR KVER SECOND: the share of tests/cases/prebuilt/002:
# two hotfix channels, as the channel is before and after it builds the
# newer kernel SECOND (one module-signing and archive key, $SHF_KEYS):
#   channel1/apt, channel1.list  scripts/build-prebuilt KVER, published
#   channel2/apt, channel2.list  scripts/build-prebuilt KVER SECOND
#   expect/      the signer (share_signer)
#   cases/       tests/cases/dkms/lib and nvme-loop/001 (run unchanged)
# Prints the second channel's suites.tsv.
upgrade_share() {
	local dir=$1 k1=$2 k2=$3 pb n k
	pb=$(mktemp -d)
	for n in 1 2; do
		if [ "$n" = 1 ]; then set -- "$k1"; else set -- "$k1" "$k2"; fi
		if ! "$SHF_TOP/scripts/build-prebuilt" --out "$pb/out$n" "$@" >"$pb/build$n.log" 2>&1; then
			cat "$pb/build$n.log" >&2
			rm -rf "$pb"
			return 1
		fi
		for k in "$@"; do
			compgen -G "$pb/out$n/storage-hotfix-modules-${k}_*.deb" >/dev/null && continue
			cat "$pb/build$n.log" >&2
			echo "scripts/build-prebuilt made no storage-hotfix-modules-$k" >&2
			rm -rf "$pb"
			return 1
		done
		dkms_channel "$dir" "$pb/out$n/suites.tsv" "channel$n" || { rm -rf "$pb"; return 1; }
	done
	sed "s|$pb/out2/||" "$pb/out2/suites.tsv"
	rm -rf "$pb"
	share_cases "$dir" dkms/lib nvme-loop/001
	share_signer "$dir"
}

# share_cases DIR CASE...: tests/cases/CASE at DIR/cases/CASE.
share_cases() {
	local dir=$1 c
	shift
	for c in "$@"; do
		mkdir -p "$dir/cases/${c%/*}"
		cp "$SHF_TOP/tests/cases/$c" "$dir/cases/$c"
	done
}

# share_signer DIR: what modinfo must say of a module signed with the
# channel's module-signing key, the certificate's CN and serial, in
# DIR/expect/signer and DIR/expect/sig_key.
share_signer() {
	local dir=$1 cert
	cert=${SHF_SIGN_CERT:-${SHF_KEYS:-/var/lib/storage-hotfix/keys}/module-signing.der}
	mkdir -p "$dir/expect"
	openssl x509 -inform der -in "$cert" -noout -subject -nameopt RFC2253,sep_multiline |
		sed -n 's/^ *CN=//p' >"$dir/expect/signer"
	openssl x509 -inform der -in "$cert" -noout -serial | sed 's/^serial=//' >"$dir/expect/sig_key"
	if [ ! -s "$dir/expect/signer" ] || [ ! -s "$dir/expect/sig_key" ]; then
		echo "cannot read the signer of $cert" >&2
		return 1
	fi
}
