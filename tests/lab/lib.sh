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

# lab_apt_cache ARGS...: apt-cache on the private apt root with its binary
# cache kept on disk (apt rebuilds it when the indexes change): 0.05 s a
# call instead of 1.5 s where apt.conf disables the cache (docker-clean).
lab_apt_cache() {
	mkdir -p "$LAB_CACHE/apt"
	_apt apt-cache -o "Dir::Cache::pkgcache=$LAB_CACHE/apt/pkgcache.bin" \
		-o "Dir::Cache::srcpkgcache=$LAB_CACHE/apt/srcpkgcache.bin" "$@"
}

# suite_versions PKG...: "PKG VERSION" lines, the version $LAB_SUITE (or its
# security suite) serves; packages it lacks are left out.
suite_versions() {
	archive_update
	lab_apt_cache madison "$@" 2>/dev/null | awk -F'|' -v s="$LAB_SUITE" '
		{ p = $1; gsub(/ /, "", p); split($3, w, " "); suite = w[2]; sub(/\/.*/, "", suite) }
		(suite == s || suite == s "-security") && !(p in seen) {
			seen[p] = 1; v = $2; gsub(/ /, "", v); print p, v }'
}

# pkg_records PKG=VERSION...: "PKG VERSION SHA256 FILENAME LIBDEPS" lines;
# LIBDEPS = the library packages (lib*, zlib*) named first in each
# alternative of Depends and Pre-Depends, comma-separated, or "-".
pkg_records() {
	lab_apt_cache show "$@" 2>/dev/null | awk '
		function flush() {
			if (p != "" && !(p in seen)) { seen[p] = 1; print p, v, sha, fn, (deps == "" ? "-" : deps) }
			p = v = sha = fn = deps = ""
		}
		/^$/ { flush(); next }
		/^Package:/ { p = $2 }
		/^Version:/ { v = $2 }
		/^SHA256:/ { sha = $2 }
		/^Filename:/ { fn = $2 }
		/^(Pre-)?Depends:/ {
			line = $0; sub(/^[^:]*: */, "", line)
			n = split(line, a, ",")
			for (i = 1; i <= n; i++) {
				d = a[i]; sub(/\|.*/, "", d); gsub(/^ +/, "", d); sub(/[ (:].*/, "", d)
				if (d ~ /^(lib|zlib)/) deps = deps (deps == "" ? "" : ",") d
			}
		}
		END { flush() }'
}

# lab_fetch PKG VERSION: archive_fetch, which cannot yet fetch a version
# with an epoch (apt-get download names the file 1%3a...): such a package
# is downloaded and verified here into the same cache path first, so
# archive_fetch finds it there.
lab_fetch() {
	local pkg=$1 ver=$2 sha file dest tmp
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
			archive_store "$tmp" "$pkg" "$ver" "$sha" "$dest"
		fi
	fi
	archive_fetch "$pkg" "$ver"
}

# lab_fetch_many < "PKG VERSION SHA256 FILENAME" lines: download the
# packages not yet in the .deb cache with one apt-get call (archive_fetch
# takes several seconds a package) and file each, checked against the
# index's SHA256, where archive_fetch keeps it: $SHF_CACHE/debs/SHA256/FILE.
lab_fetch_many() {
	local p v sha fn tmp got line n=0
	local -a want=() lines=()
	while read -r p v sha fn; do
		[ -f "$SHF_CACHE/debs/$sha/${fn##*/}" ] && continue
		want+=("$p=$v")
		lines+=("$p $sha ${fn##*/}")
	done
	[ ${#want[@]} -gt 0 ] || return 0
	info "downloading ${#want[@]} packages"
	mkdir -p "$SHF_CACHE/debs" "$LAB_CACHE/apt"
	tmp=$(mktemp -d "$SHF_CACHE/debs/.fetch.XXXXXX")
	if ! (cd "$tmp" && _apt apt-get -o "Dir::Cache::pkgcache=$LAB_CACHE/apt/pkgcache.bin" \
		-o "Dir::Cache::srcpkgcache=$LAB_CACHE/apt/srcpkgcache.bin" download "${want[@]}" \
		>"$tmp/log" 2>&1); then
		tail -n 5 "$tmp/log" >&2
		warn "batch download failed; falling back to one package at a time"
	fi
	for line in "${lines[@]}"; do
		read -r p sha fn <<<"$line"
		got=$(find "$tmp" -maxdepth 1 -name "${p}_*.deb" | head -n 1)
		[ -n "$got" ] || continue
		verify_sha256 "$got" "$sha" "$p" || { rm -rf "$tmp"; exit 1; }
		mkdir -p "$SHF_CACHE/debs/$sha"
		mv "$got" "$SHF_CACHE/debs/$sha/$fn"
		n=$((n + 1))
	done
	rm -rf "$tmp"
	info "downloaded $n of ${#want[@]}"
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
