# shellcheck shell=bash
# Helpers of the packaging tests (sourced by tests/packaging/NNN).

PKG_DIST=${SHF_PKG_DIST:-$SHF_TOP/dist}
# Chroots with dkms and a Debian kernel, for the real DKMS runs: keyed by
# suite and kernel, outside $SHF_CACHE/chroot (whose chroots the pipeline
# takes as build chroots), never modified by a test (each run works in an
# overlay on top).
PKG_CHROOTS=${SHF_PKG_CHROOTS:-${SHF_CACHE:-/var/cache/storage-hotfix}/chroot-dkms}

# pkg_built KIND: the packages of KIND (deb|rpm) from `make KIND`, built
# once per test run (SHF_PKG_REBUILD=1 forces).
pkg_built() {
	local stamp=$PKG_DIST/$1/.built-by-tests
	if [ -n "${SHF_PKG_REBUILD:-}" ] || [ ! -f "$stamp" ] || [ -n "$(find "$SHF_TOP" -path "$PKG_DIST" -prune -o \
		-newer "$stamp" -type f \( -path '*/scripts/*' -o -path '*/debian/*' -o -path '*/rpm/*' -o -name dkms.conf.in -o \
		-name VERSION -o -path '*/tools/*.c' -o -name fix.conf -o -name '*.patch' \) -print -quit 2>/dev/null)" ]; then
		"$SHF_TOP/scripts/build-packages" "$1" "$PKG_DIST" >&2 || return 1
		touch "$stamp"
	fi
}

# dkms_chroot SUITE KVER: a chroot of SUITE with dkms, KVER's image and
# headers, and what storage-hotfix-dkms depends on; prints its folder.
dkms_chroot() {
	local suite=$1 kver=$2
	(
		. "$SHF_TOP/scripts/lib/common.sh"
		. "$SHF_TOP/scripts/lib/chroot.sh"
		chroot_make "$suite" "$PKG_CHROOTS/$suite-$kver" "make,apt,ca-certificates,debian-archive-keyring" >&2
		chroot_complete "$PKG_CHROOTS/$suite-$kver" \
			"dkms,linux-headers-$kver,linux-image-$kver,openssl,jq,curl,binutils,libelf-dev,patch,xz-utils,zstd,kmod" >&2
	) || return 1
	# shellcheck disable=SC2031 # the subshell's chroot.sh has its own locals
	printf '%s\n' "$PKG_CHROOTS/$suite-$kver"
}

# in_overlay DIR CMD...: run CMD (a shell script as one argument, with the
# further arguments as $1...) inside chroot DIR seen through a throwaway
# overlay, with /proc and the shared download cache ($SHF_CACHE, keyed and
# verified) at their usual paths.
in_overlay() {
	local dir=$1 ov
	shift
	ov=$(mktemp -d "${TMPDIR:-/tmp}/shf-overlay.XXXXXX")
	mkdir -p "$ov/upper" "$ov/work" "$ov/root"
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare --mount --propagation private /bin/bash -c '
		set -e
		dir=$1 ov=$2; shift 2
		mount -t overlay overlay -o "lowerdir=$dir,upperdir=$ov/upper,workdir=$ov/work" "$ov/root"
		mount -t proc proc "$ov/root/proc"
		mount --bind /dev "$ov/root/dev"
		mkdir -p "$ov/root$SHF_CACHE"
		mount --bind "$SHF_CACHE" "$ov/root$SHF_CACHE"
		[ -z "${SHF_PKG_BIND:-}" ] || { mkdir -p "$ov/root/mnt/pkg"; mount --bind "$SHF_PKG_BIND" "$ov/root/mnt/pkg"; }
		exec chroot "$ov/root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
			SHF_CACHE="$SHF_CACHE" DEBIAN_FRONTEND=noninteractive /bin/bash -c "$@"
	' in_overlay "$dir" "$ov" "$@"
	local rc=$?
	rm -rf "$ov"
	return $rc
}
