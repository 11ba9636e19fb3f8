# shellcheck shell=bash disable=SC2034 # K_SRC* are read by the sourcing scripts
# The exact source of the target kernel, from Debian's own packages or from
# the operator, reduced to the paths the fixes need. The proof step, not
# the label, decides whether it is the source the distro built.

# Offline hosts: where the operator drops a linux-source .deb or tarball.
SHF_SOURCE_DROP=${SHF_SOURCE_DROP:-$SHF_WORK/sources}
# SHF_FETCH=no: never download a source (/etc/storage-hotfix/storage-hotfix.conf).
SHF_FETCH=${SHF_FETCH:-yes}

# source_paths: every path any fix needs (one extraction serves all).
source_paths() {
	local d
	for d in $(fix_dirs); do
		# shellcheck disable=SC2086 # FIX_PATHS is a list
		(fix_load "$d" && printf '%s\n' $FIX_PATHS)
	done | sort -u
}

# source_origin: decide where the source comes from; sets S_KIND
# (tree|tarball|deb|orig), S_FILE, S_LABEL, S_SHA (expected, may be '').
source_origin() {
	local pkg=linux-source-$K_SERIES orig
	S_SHA=${SHF_SOURCE_SHA256:-}
	if [ -n "${SHF_SOURCE:-}" ]; then
		[ -e "$SHF_SOURCE" ] || die "source $SHF_SOURCE does not exist"
		if [ -d "$SHF_SOURCE" ]; then
			S_KIND=tree
			S_FILE=$(cd "$SHF_SOURCE" && pwd)
			S_LABEL="tree $S_FILE"
		else
			case $SHF_SOURCE in
			*.deb) S_KIND=deb ;;
			*.tar.xz | *.tar.gz | *.tar.bz2 | *.tar) S_KIND=tarball ;;
			*) die "source $SHF_SOURCE: expected a linux-source .deb, a .tar.* tarball or a folder" ;;
			esac
			S_FILE=$(readlink -f "$SHF_SOURCE")
			S_LABEL="operator file $(basename "$S_FILE")"
			# The proof runs the source's Makefiles (sandboxed): only a
			# file the operator vouches for gets that far.
			[ -n "$S_SHA" ] || die "source $SHF_SOURCE: no sha256 given" \
				"give the one you expect: --source-sha256 SUM (or SHF_SOURCE_SHA256=SUM)" \
				"sha256sum prints it; nothing was extracted or built"
		fi
		return
	fi
	# Offline hosts: a file the operator dropped, or the linux-source
	# package installed by the operator.
	source_dropped && return
	if [ -f "/usr/src/$pkg.tar.xz" ] &&
		[ "$(dpkg-query -W -f '${Version}' "$pkg" 2>/dev/null)" = "$K_PKGVER" ]; then
		S_KIND=tarball
		S_FILE=/usr/src/$pkg.tar.xz
		S_LABEL="$pkg $K_PKGVER (installed)"
		return
	fi
	[ "$SHF_FETCH" = yes ] || die "no source for $K_KVER ($K_PKGVER) on this host, and fetching is off (SHF_FETCH=$SHF_FETCH)" \
		"install it:  apt-get install $pkg=$K_PKGVER" \
		"or drop ${pkg}_${K_PKGVER}_all.deb (or its /usr/src/$pkg.tar.xz renamed ${pkg}_$K_PKGVER.tar.xz) in $SHF_SOURCE_DROP/" \
		"or let storage-hotfix fetch it: SHF_FETCH=yes in /etc/storage-hotfix/storage-hotfix.conf"
	archive_update
	if [ -n "$(archive_field "$pkg" "$K_PKGVER" SHA256)" ]; then
		S_KIND=deb
		S_LABEL="$pkg $K_PKGVER"
		S_FILE=$(archive_fetch "$pkg" "$K_PKGVER") || exit 1
		return
	fi
	orig=$(pinned_field "$K_KVER" 3)
	if [ -n "$orig" ] && [ "$orig" != - ]; then
		case ${orig%%:*} in
		*.deb)
			S_KIND=deb
			S_LABEL="$pkg $K_PKGVER by pool path (no index lists it; sha256 pinned in scripts/kernels.pinned)"
			;;
		*)
			S_KIND=orig
			S_LABEL="$(basename "${orig%%:*}") (upstream orig; Debian's patches for $K_PKGVER are no longer served)"
			;;
		esac
		S_FILE=$(pool_fetch "${orig%%:*}" "${orig#*:}") || exit 1
		return
	fi
	die "no source for $K_KVER ($K_PKGVER) in Debian's archive" \
		"give one: SHF_SOURCE=/path/linux-source.tar.xz (or a tree) scripts/hotfix-build ..." \
		"on the host: apt-get install $pkg=$K_PKGVER"
}

# source_dropped: a linux-source of the exact version the operator put in
# $SHF_SOURCE_DROP (offline hosts): Debian's .deb as the pool names it, or
# the tarball it installs, renamed to carry the version. Checked against
# the archive's SHA256 when the index is known here (the .deb), else
# against FILE.sha256 when the operator put one next to it; the proof
# step checks the contents in any case. Sets S_* like source_origin.
source_dropped() {
	local pkg=linux-source-$K_SERIES f
	for f in "$SHF_SOURCE_DROP/${pkg}_${K_PKGVER}_all.deb" "$SHF_SOURCE_DROP/${pkg}_$K_PKGVER.tar.xz"; do
		[ -f "$f" ] || continue
		S_FILE=$f
		S_LABEL="$pkg $K_PKGVER (operator's copy)"
		case $f in
		*.deb)
			S_KIND=deb
			[ "$SHF_FETCH" != yes ] || archive_update
			S_SHA=$(archive_field "$pkg" "$K_PKGVER" SHA256)
			;;
		*) S_KIND=tarball ;;
		esac
		# The system's own signed apt indexes may list the .deb too.
		[ -n "$S_SHA" ] || [ "$S_KIND" != deb ] ||
			S_SHA=$(apt-cache show "$pkg=$K_PKGVER" 2>/dev/null | awk '$1 == "SHA256:" { print $2; exit }')
		if [ -z "$S_SHA" ] && [ -f "$f.sha256" ]; then S_SHA=$(cut -d' ' -f1 "$f.sha256"); fi
		if [ -z "$S_SHA" ]; then
			warn "ignoring $f: no index here lists its sha256 and there is no $(basename "$f").sha256 next to it" \
				"(a dropped source is built only when its checksum is known: sha256sum FILE >FILE.sha256)"
			continue
		fi
		info "source: $f (sha256 to match: $S_SHA)"
		return 0
	done
	return 1
}

# source_tar_to_stdout KIND FILE: the source tarball's bytes, whatever
# it came in (KIND and FILE as source_origin sets S_KIND and S_FILE).
source_tar_to_stdout() {
	case $1 in
	deb) dpkg-deb --fsys-tarfile "$2" | tar -xOf - --wildcards '*/linux-source-*.tar.xz' | xz -dc -T0 ;;
	orig | tarball)
		case $2 in
		*.xz) xz -dc -T0 "$2" ;;
		*.gz) gzip -dc "$2" ;;
		*.bz2) bzip2 -dc "$2" ;;
		*) cat "$2" ;;
		esac
		;;
	esac
}

# source_prepare: extract the needed paths once; sets K_SRC.
source_prepare() {
	local paths key dir tmp p top
	paths=$(source_paths)
	source_origin
	if [ -n "$S_SHA" ] && [ "$S_KIND" != tree ]; then
		verify_sha256_keep "$S_FILE" "$S_SHA" "$S_LABEL"
	fi
	if [ "$S_KIND" = tree ]; then
		for p in $paths; do
			[ -e "$S_FILE/$p" ] || die "source tree $S_FILE lacks $p"
		done
		K_SRC=$S_FILE
		K_SRC_LABEL=$S_LABEL
		return
	fi
	key=$( { printf '%s\n' "$S_LABEL"; sha256_of "$S_FILE"; printf '%s\n' "$paths"; } | sha256sum | cut -c1-16)
	dir=$SHF_CACHE/src/$key
	K_SRC=$dir
	K_SRC_LABEL=$S_LABEL
	if [ -f "$dir/.extracted" ]; then
		info "source: $S_LABEL (cached: $dir)"
		return
	fi
	step "source: extracting $(echo "$paths" | wc -w) paths from $S_LABEL"
	mkdir -p "$SHF_CACHE/src"
	tmp=$(mktemp -d "$SHF_CACHE/src/.x.XXXXXX")
	top=$(source_tar_to_stdout "$S_KIND" "$S_FILE" 2>/dev/null | tar -tf - 2>/dev/null | head -n 1 | cut -d/ -f1 || true)
	[ -n "$top" ] || { rm -rf "$tmp"; die "$S_FILE is not a readable kernel source tarball"; }
	local -a pats=()
	for p in $paths; do pats+=("$top/$p"); done
	# Owner and mode bits are not taken from the tarball (no setuid file,
	# nothing writable by others), and the fixes' paths hold only files
	# and folders: root patches and reads them.
	if ! source_tar_to_stdout "$S_KIND" "$S_FILE" | tar -x --no-same-owner --no-same-permissions -C "$tmp" --strip-components=1 "${pats[@]}"; then
		rm -rf "$tmp"
		die "extracting ${pats[*]} from $S_FILE failed"
	fi
	p=$(find "$tmp" ! -type f ! -type d -print -quit)
	[ -z "$p" ] || { rm -rf "$tmp"; die "$S_LABEL: ${p#"$tmp"/} is a link or special file, not a source file: refused"; }
	printf '%s\n' "$S_LABEL" >"$tmp/.label"
	printf '%s\n' "$paths" >"$tmp/.paths"
	touch "$tmp/.extracted"
	mv "$tmp" "$dir"
	info "source: $dir"
}

# verify_sha256_keep FILE EXPECTED WHAT: like verify_sha256 for a file we do
# not own (the operator's): explain and stop, but never delete it.
verify_sha256_keep() {
	local got
	got=$(sha256_of "$1")
	[ "$got" = "$2" ] && return 0
	die "checksum mismatch for $3 ($1)" "expected sha256 $2" "got      sha256 $got" \
		"nothing was extracted or built"
}
