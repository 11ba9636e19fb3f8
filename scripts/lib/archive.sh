# shellcheck shell=bash
# Debian archive access through a private apt root: apt checks the signed
# Release files and every download against the index's SHA256, and we check
# the cached copy again before each use. The host's apt state is untouched.

SHF_APT_LIST=${SHF_APT_LIST:-$SHF_TOP/scripts/archive.list}
SHF_MIRROR=${SHF_MIRROR:-http://deb.debian.org/debian}
_apt_root=$SHF_CACHE/apt
_apt_updated=

_apt_opts() {
	printf '%s\n' \
		-o "Dir::State=$_apt_root/state" \
		-o "Dir::State::status=$_apt_root/state/status" \
		-o "Dir::Cache=$_apt_root/cache" \
		-o "Dir::Cache::pkgcache=$_apt_root/cache/pkgcache.bin" \
		-o "Dir::Cache::srcpkgcache=$_apt_root/cache/srcpkgcache.bin" \
		-o "Dir::Etc::SourceList=$SHF_APT_LIST" \
		-o "Dir::Etc::SourceParts=$_apt_root/empty" \
		-o "Dir::Etc::Preferences=$_apt_root/empty/none" \
		-o "Dir::Etc::PreferencesParts=$_apt_root/empty" \
		-o "APT::Architecture=amd64" \
		-o "APT::Architectures::=amd64" \
		-o "Acquire::Languages=none" \
		-o "APT::Sandbox::User=root" \
		-q
}

_apt() {
	local cmd=$1
	shift
	local -a opts
	mapfile -t opts < <(_apt_opts)
	"$cmd" "${opts[@]}" "$@"
}

# archive_update [force]: refresh the indexes once a day (or when forced).
archive_update() {
	[ -n "$_apt_updated" ] && [ "${1:-}" != force ] && return 0
	mkdir -p "$_apt_root/state/lists/partial" "$_apt_root/cache/archives/partial" "$_apt_root/empty"
	touch "$_apt_root/state/status"
	local stamp=$_apt_root/state/updated
	if [ "${1:-}" = force ] || [ -z "$(find "$stamp" -mmin -1440 2>/dev/null)" ]; then
		info "refreshing Debian archive indexes ($(grep -c '^deb ' "$SHF_APT_LIST") suites)"
		_apt apt-get update >"$_apt_root/update.log" 2>&1 ||
			die "cannot refresh the Debian archive indexes" \
				"see $_apt_root/update.log; check network access to the mirror"
		if grep -q '^[WE]:' "$_apt_root/update.log"; then
			grep '^[WE]:' "$_apt_root/update.log" >&2
			die "the archive indexes did not verify (see $_apt_root/update.log)"
		fi
		touch "$stamp"
	fi
	_apt_updated=1
}

# archive_field PKG VERSION FIELD: a field of the index entry ('' if none).
archive_field() {
	_apt apt-cache show "$1=$2" 2>/dev/null | awk -v f="$3:" '$1 == f { print $2; exit }'
}

# archive_versions PKG: the versions the archive serves, newest first.
archive_versions() {
	_apt apt-cache madison "$1" 2>/dev/null | awk -F'|' '{ gsub(/ /, "", $2); print $2 }'
}

# archive_fetch PKG VERSION: print the path of a verified local copy.
archive_fetch() {
	local pkg=$1 ver=$2 sha file dest tmp
	archive_update
	sha=$(archive_field "$pkg" "$ver" SHA256)
	if [ -z "$sha" ]; then
		archive_update force
		sha=$(archive_field "$pkg" "$ver" SHA256)
	fi
	[ -n "$sha" ] || die "$pkg $ver is not in Debian's archive" \
		"versions served: $(archive_versions "$pkg" | tr '\n' ' ')"
	file=$(basename "$(archive_field "$pkg" "$ver" Filename)")
	dest=$SHF_CACHE/debs/$sha/$file
	if [ -f "$dest" ]; then
		[ "$(sha256_of "$dest")" = "$sha" ] && { printf '%s\n' "$dest"; return 0; }
		warn "cached $file does not match the archive's SHA256; fetching it again"
		rm -f "$dest"
	fi
	mkdir -p "$SHF_CACHE/debs"
	tmp=$(mktemp -d "$SHF_CACHE/debs/.fetch.XXXXXX")
	info "downloading $file ($(archive_field "$pkg" "$ver" Size) bytes)"
	if ! (cd "$tmp" && _apt apt-get download "$pkg=$ver" >"$tmp/log" 2>&1); then
		cat "$tmp/log" >&2
		rm -rf "$tmp"
		die "download of $pkg $ver failed"
	fi
	archive_store "$tmp" "$pkg" "$ver" "$sha" "$dest"
	printf '%s\n' "$dest"
}

# archive_store DIR PKG VER SHA DEST: file the .deb that apt-get download
# left in DIR at DEST, checked against SHA; DIR is removed. apt names the
# file after the version with its epoch (1%3a...), the pool without: take
# whatever single .deb it wrote.
archive_store() {
	local dir=$1 pkg=$2 ver=$3 sha=$4 dest=$5 got
	got=$(find "$dir" -maxdepth 1 -name '*.deb' | head -n 1)
	[ -n "$got" ] || { rm -rf "$dir"; die "apt-get download of $pkg $ver wrote no file"; }
	verify_sha256 "$got" "$sha" "$pkg $ver" || { rm -rf "$dir"; exit 1; }
	mkdir -p "$(dirname "$dest")"
	mv "$got" "$dest"
	rm -rf "$dir"
}

# verify_sha256 FILE EXPECTED WHAT: removes FILE and explains on mismatch.
verify_sha256() {
	local got
	got=$(sha256_of "$1")
	[ "$got" = "$2" ] && return 0
	rm -f "$1"
	printf 'storage-hotfix: error: checksum mismatch for %s\n    expected sha256 %s\n    got      sha256 %s\n    the file was deleted; nothing was extracted from it\n' \
		"$3" "$2" "$got" >&2
	return 1
}

# pool_fetch POOLPATH SHA256: a pool file that no index lists any more
# (orig tarballs of removed backports); the checksum is pinned by us.
pool_fetch() {
	local path=$1 sha=$2 file dest tmp
	file=$(basename "$path")
	dest=$SHF_CACHE/pool/$sha/$file
	if [ -f "$dest" ] && [ "$(sha256_of "$dest")" = "$sha" ]; then
		printf '%s\n' "$dest"
		return 0
	fi
	mkdir -p "$SHF_CACHE/pool"
	tmp=$(mktemp -d "$SHF_CACHE/pool/.fetch.XXXXXX")
	info "downloading $file"
	curl -fsS -o "$tmp/$file" "$SHF_MIRROR/$path" ||
		{ rm -rf "$tmp"; die "cannot download $SHF_MIRROR/$path"; }
	verify_sha256 "$tmp/$file" "$sha" "$file" || { rm -rf "$tmp"; exit 1; }
	mkdir -p "$(dirname "$dest")"
	mv "$tmp/$file" "$dest"
	rm -rf "$tmp"
	printf '%s\n' "$dest"
}
