# shellcheck shell=bash
# Which Debian kernels a full lab guest (tests/lab/mkrootfs) can install,
# read from the archive's index when a case runs: the archive drops older
# kernels' headers from its index, so only the lab's main kernels are
# pinned (scripts/kernels.pinned) and the others are chosen here. Sourced
# after tests/lab/lib.sh (lab_apt_cache); a file of its own because
# mkinitrd keys its userland cache on lib.sh.

# The full guest's Debian release, and the suites its apt installs the
# kernel from (mkrootfs writes them: archive_sources).
# shellcheck disable=SC2034 # used by the sourcing scripts
LAB_ROOTFS_SUITE=trixie
# shellcheck disable=SC2034
LAB_ROOTFS_SUITES="$LAB_ROOTFS_SUITE $LAB_ROOTFS_SUITE-security $LAB_ROOTFS_SUITE-backports"

# lab_listed SUITES PKG...: "PKG VERSION" for each version of a PKG that one
# of SUITES (space-separated) lists.
lab_listed() {
	local suites=$1
	shift
	archive_update
	lab_apt_cache madison "$@" 2>/dev/null | awk -F'|' -v s=" $suites " '
		{ p = $1; gsub(/ /, "", p); v = $2; gsub(/ /, "", v); split($3, w, " "); suite = w[2]; sub(/\/.*/, "", suite) }
		index(s, " " suite " ") && !((p, v) in seen) { seen[p, v] = 1; print p, v }'
}

# lab_kernel_listed KVER SUITES: true when SUITES list KVER's image and
# headers (what the guest installs); else prints which is missing, and
# where it was looked for.
lab_kernel_listed() {
	local p
	for p in "linux-image-$1" "linux-headers-$1"; do
		[ -n "$(lab_listed "$2" "$p")" ] && continue
		printf '%s is not listed in %s\n' "$p" "${2// /, }"
		return 1
	done
}

# lab_second_kernel KVER SUITE: a second kernel for KVER's guest (KVER is
# SERIES.N+FLAVOUR, e.g. 6.12.107+deb13-amd64): the newest release of the
# same series and flavour, not KVER, for which SUITE or SUITE-security
# lists the image, the headers and linux-SERIES's source of one version
# (the guest installs the first two; dkms/004 builds from the source).
# Prints nothing when there is none.
lab_second_kernel() {
	local kver=$1 suite=$2 series flavour
	series=$(ver_series "$kver")
	flavour=${kver#*+}
	[ "$flavour" != "$kver" ] || return 0
	local pkgnames
	local -a names=()
	# A failed look-up must fail, not read as "no kernel".
	archive_update
	pkgnames=$(lab_apt_cache pkgnames "linux-headers-$series.") || return 1
	mapfile -t names < <(printf '%s\n' "$pkgnames" |
		awk -v pre="linux-headers-$series." -v suf="+$flavour" -v not="linux-headers-$kver" '
			$0 != not && index($0, pre) == 1 && length($0) > length(pre) + length(suf) &&
			substr($0, length($0) - length(suf) + 1) == suf')
	[ ${#names[@]} -gt 0 ] || return 0
	lab_listed "$suite $suite-security" "${names[@]}" "${names[@]/#linux-headers-/linux-image-}" \
		"linux-source-$series" | awk -v src="linux-source-$series" '
		$1 == src { s[$2] = 1; next }
		{ k = $1; sub(/^linux-(headers|image)-/, "", k); n[k, $2]++ }
		END { for (kv in n) { split(kv, a, SUBSEP); if (n[kv] == 2 && (a[2] in s)) print a[1] } }' |
		sort -V | tail -n 1
}
