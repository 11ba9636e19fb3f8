# shellcheck shell=bash source-path=SCRIPTDIR/../..
# Shared by the lab scripts (mkinitrd, run-guest, nvme-loop-repro): paths,
# host tools, and Debian package look-ups pinned to bookworm.

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SHF_TOP=${SHF_TOP:-$(cd "$LAB_DIR/../.." && pwd)}
# shellcheck source=scripts/lib/common.sh
. "$SHF_TOP/scripts/lib/common.sh"
# shellcheck source=scripts/lib/archive.sh
. "$SHF_TOP/scripts/lib/archive.sh"

# Built initramfs images and unpacked userland, keyed by their inputs.
LAB_CACHE=${SHF_LAB_CACHE:-$SHF_CACHE/lab}
# Serial console logs and per-run summaries.
export LAB_LOGS=${SHF_LAB_LOGS:-$SHF_WORK/lab/logs}
# Debian release the guest userland comes from.
LAB_SUITE=${SHF_LAB_SUITE:-bookworm}

# lab_need_tools: install the host programs the lab runs (as root, through
# the host's apt) when one is missing; a fresh machine has no qemu.
lab_need_tools() {
	local -a missing=()
	local spec cmd pkg
	for spec in qemu-system-x86_64:qemu-system-x86 zstd:zstd cpio:cpio xz:xz-utils \
		readelf:binutils depmod:kmod timeout:coreutils flock:util-linux; do
		cmd=${spec%%:*}
		pkg=${spec#*:}
		command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || [ -x "/sbin/$cmd" ] || missing+=("$pkg")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || die "missing host packages: ${missing[*]}" "apt-get install ${missing[*]}"
	step "installing host packages: ${missing[*]}"
	mkdir -p "$LAB_CACHE"
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" \
		>"$LAB_CACHE/apt-install.log" 2>&1; then
		apt-get update >>"$LAB_CACHE/apt-install.log" 2>&1 || true
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" \
			>>"$LAB_CACHE/apt-install.log" 2>&1 ||
			die "apt-get install ${missing[*]} failed" "see $LAB_CACHE/apt-install.log"
	fi
}

# suite_version PKG: the version $LAB_SUITE (or its security suite) serves.
suite_version() {
	archive_update
	_apt apt-cache madison "$1" 2>/dev/null | awk -F'|' -v s="$LAB_SUITE" '
		{ split($3, w, " "); suite = w[2]; sub(/\/.*/, "", suite) }
		suite == s || suite == s "-security" { gsub(/ /, "", $2); print $2; exit }'
}

# lab_fetch PKG VERSION: archive_fetch, which cannot yet fetch a version
# with an epoch (apt-get download names the file 1%3a...): such a package
# is downloaded and verified here into the same cache path first, so
# archive_fetch finds it there.
lab_fetch() {
	local pkg=$1 ver=$2 sha file dest tmp got
	if [ "${ver#*:}" != "$ver" ]; then
		archive_update
		sha=$(archive_field "$pkg" "$ver" SHA256)
		[ -n "$sha" ] || die "$pkg $ver is not in Debian's archive"
		file=$(basename "$(archive_field "$pkg" "$ver" Filename)")
		dest=$SHF_CACHE/debs/$sha/$file
		if [ ! -f "$dest" ]; then
			mkdir -p "$SHF_CACHE/debs"
			tmp=$(mktemp -d "$SHF_CACHE/debs/.fetch.XXXXXX")
			info "downloading $file"
			(cd "$tmp" && _apt apt-get download "$pkg=$ver" >"$tmp/log" 2>&1) ||
				{ cat "$tmp/log" >&2; rm -rf "$tmp"; die "download of $pkg $ver failed"; }
			got=$(find "$tmp" -maxdepth 1 -name '*.deb' | head -n 1)
			[ -n "$got" ] || { rm -rf "$tmp"; die "download of $pkg $ver left no .deb"; }
			verify_sha256 "$got" "$sha" "$pkg $ver" || { rm -rf "$tmp"; exit 1; }
			mkdir -p "$(dirname "$dest")"
			mv "$got" "$dest"
			rm -rf "$tmp"
		fi
	fi
	archive_fetch "$pkg" "$ver"
}

# pkg_lib_deps PKG VERSION: names of the library packages PKG depends on
# (first alternative of Depends and Pre-Depends, section libs or lib*).
pkg_lib_deps() {
	_apt apt-cache show "$1=$2" 2>/dev/null |
		awk '/^$/ { exit } /^(Pre-)?Depends:/ { sub(/^[^:]*: */, ""); print }' |
		tr ',' '\n' | sed 's/|.*//; s/^ *//; s/[ (].*//; s/:any$//' | grep -E '^(lib|zlib)' | sort -u
}

# kmod_dir SYSROOT KVER: where the image package put the modules.
kmod_dir() {
	local d
	for d in "$1/usr/lib/modules/$2" "$1/lib/modules/$2"; do
		[ -d "$d/kernel" ] && { printf '%s\n' "$d"; return 0; }
	done
	die "no modules for $2 under $1"
}

# lab_sysroot KVER: scripts/fetch-kernel, quiet unless it downloads.
lab_sysroot() {
	"$SHF_TOP/scripts/fetch-kernel" "$1"
}

# hash_files FILE...: one sha256 over the contents of FILEs.
hash_files() {
	cat "$@" | sha256sum | cut -c1-16
}
