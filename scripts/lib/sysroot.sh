# shellcheck shell=bash
# A sysroot is a Debian kernel's image (and headers, where the archive has
# them) unpacked with dpkg-deb, not installed: it looks to the pipeline like
# a host with that kernel, so CI and the lab follow the production path.

# pinned_field KVER COLUMN (2 = package version, 3 = orig)
pinned_field() {
	awk -v k="$1" -v c="$2" '$1 == k { print $c; exit }' "$SHF_TOP/scripts/kernels.pinned"
}

# image_package KVER: Debian's image package that carries the modules.
image_package() {
	local p
	for p in "linux-image-$1-unsigned" "linux-image-$1"; do
		[ -n "$(archive_versions "$p" | head -n 1)" ] && { printf '%s\n' "$p"; return 0; }
	done
	return 1
}

# deps_of PKG VER: names of PKG's dependencies, one per line.
deps_of() {
	_apt apt-cache show "$1=$2" | sed -n 's/^Depends: //p' | tr ',|' '\n' |
		sed 's/^ *//; s/ .*//' | grep .
}

# sysroot_fetch KVER [pool]: unpack KVER's packages into
# $SHF_CACHE/sysroot/KVER. Packages the image depends on that no signed
# index lists (Debian's 6.19 .. 7.1 backports: linux-modules-KVER,
# linux-base-KVER) stop it, named; with "pool" they are fetched by pool
# path instead, unverified, and recorded in the sysroot's .unlisted, and
# so are headers the index no longer lists, when the pool serves them.
sysroot_fetch() {
	local kver=$1 pool=${2:-} root=$SHF_CACHE/sysroot/$1 ver img hdr tmp deb p
	local -a pkgs unlisted=()
	if [ -f "$root/.sysroot" ]; then
		# made before sysroot_headers_paths knew KBUILD_OUTPUT
		sysroot_headers_paths "$root" "$root"
		printf '%s\n' "$root"
		return 0
	fi
	archive_update
	img=$(image_package "$kver") ||
		die "unknown kernel $kver: it is not installed here and Debian's archive has no linux-image-$kver" \
			"installed kernels: $(find /lib/modules -mindepth 1 -maxdepth 1 -printf '%f ' 2>/dev/null)"
	ver=$(pinned_field "$kver" 2)
	[ -n "$ver" ] || ver=$(archive_versions "$img" | head -n 1)
	pkgs=("$img")
	# Since 7.2 the image is split: linux-{modules,binary,base}-KVER.
	for p in $(deps_of "$img" "$ver"); do
		case $p in *-"$kver")
			if [ -n "$(archive_field "$p" "$ver" SHA256)" ]; then pkgs+=("$p"); else unlisted+=("$p"); fi ;;
		esac
	done
	[ ${#unlisted[@]} -eq 0 ] || [ "$pool" = pool ] ||
		die "$img $ver needs ${unlisted[*]} (version $ver), which no signed index lists" \
			"scripts/fetch-kernel --pool $kver fetches them by pool path (no index vouches for them)"
	hdr=linux-headers-$kver
	if [ -n "$(archive_field "$hdr" "$ver" SHA256)" ]; then
		pkgs+=("$hdr")
		for p in $(deps_of "$hdr" "$ver"); do
			case $p in *-common | *-common-rt | linux-kbuild-*) pkgs+=("$p") ;; esac
		done
	else
		info "the archive has no $hdr $ver: a build tree will be prepared from source${pool:+ unless the pool still serves it}"
	fi
	step "sysroot $kver ($ver): ${pkgs[*]}"
	mkdir -p "$SHF_CACHE/sysroot"
	tmp=$(mktemp -d "$SHF_CACHE/sysroot/.$kver.XXXXXX")
	_sysroot_tmp=$tmp
	trap 'rm -rf "$_sysroot_tmp"' EXIT
	local v
	for p in "${pkgs[@]}"; do
		v=$ver
		# linux-kbuild-6.1 is shared by several 6.1 ABIs: take the same version.
		[ -n "$(archive_field "$p" "$v" SHA256)" ] || v=$(archive_versions "$p" | head -n 1)
		# A failure inside $(...) does not stop us by itself: say so.
		deb=$(archive_fetch "$p" "$v") || exit 1
		dpkg-deb -x "$deb" "$tmp"
	done
	for p in "${unlisted[@]}"; do
		sysroot_unlisted "$img" "$ver" "$p" "$tmp" >/dev/null || exit 1
	done
	# Headers the index dropped: their Module.symvers has the symbol CRCs
	# that a build tree prepared from source cannot have, so only where
	# MODVERSIONS is on. Elsewhere the prepared tree is the better one: it
	# is bound at the distro's build path when the distro's strings keep
	# that path (6.18: __builtin_FILE() in headers), a headers package
	# cannot be.
	if [ "$pool" = pool ] && [ -z "$(archive_field "$hdr" "$ver" SHA256)" ] &&
		grep -q '^CONFIG_MODVERSIONS=y' "$tmp/boot/config-$kver" 2>/dev/null; then
		sysroot_unlisted_headers "$img" "$ver" "$hdr" "$tmp" || exit 1
	fi
	sysroot_relocate "$tmp" "$root"
	printf '%s\n' "$ver" >"$tmp/.sysroot"
	mv "$tmp" "$root"
	trap - EXIT
	printf '%s\n' "$root"
}

# sysroot_relocate DIR FINAL: absolute links and the headers' absolute
# include point at the host's /usr/src; point them inside FINAL, the place
# DIR is renamed to once complete.
sysroot_relocate() {
	local dir=$1 final=$2 link target mk
	while IFS= read -r link; do
		target=$(readlink "$link")
		ln -sfn "$final$target" "$link"
	done < <(find "$dir" -type l -lname '/*')
	sysroot_headers_paths "$dir" "$final"
}

# sysroot_headers_paths DIR FINAL: the headers' Makefiles name the host's
# /usr/src: their include and, from 6.18, KBUILD_OUTPUT (an absolute O=
# for the flavour's tree). Point both inside FINAL; lines already there
# are left as they are.
sysroot_headers_paths() {
	local dir=$1 final=$2 mk
	for mk in "$dir"/usr/src/linux-headers-*/Makefile; do
		[ -f "$mk" ] || continue
		grep -q '^\(include \|KBUILD_OUTPUT *:\{0,1\}= *\)/usr/src/' "$mk" || continue
		sed -i "s|^include /usr/src/|include $final/usr/src/|; s|^\(KBUILD_OUTPUT *:\{0,1\}= *\)/usr/src/|\1$final/usr/src/|" "$mk"
	done
}

# sysroot_pool_base PKG VER: the base URL apt fetches PKG VER from (the
# folder that holds pool/), so a file no index lists is asked of the same
# archive.
sysroot_pool_base() {
	local uri file
	uri=$(_apt apt-get download --print-uris "$1=$2" 2>/dev/null | sed -n "1s/^'\([^']*\)'.*/\1/p")
	# apt prints it URL-encoded (%2b for +, %7e for ~).
	uri=$(printf '%b' "${uri//%/\\x}")
	file=$(archive_field "$1" "$2" Filename)
	if [ -z "$uri" ] || [ -z "$file" ] || [ "${uri%"$file"}" = "$uri" ]; then
		die "cannot tell where the archive serves $1 $2 from"
	fi
	printf '%s\n' "${uri%/"$file"}"
}

# sysroot_pool_path PKG VER NAME [ARCH]: the pool path of NAME VER, a
# package no index lists, built from the same source as PKG VER: the
# Built-Using of PKG or of a listed dependency of the same version (a
# signed image's modules come from linux, not linux-signed-amd64), else
# PKG's Source. ARCH defaults to PKG's; "all" for linux-source.
sysroot_pool_path() {
	local pkg=$1 ver=$2 name=$3 arch=${4:-} file comp src p
	file=$(archive_field "$pkg" "$ver" Filename)
	# pool/main/l/SRC/FILE, or pool/updates/main/... on the security archive
	comp=${file%/*/*/*}
	src=
	for p in "$pkg" $(deps_of "$pkg" "$ver" 2>/dev/null); do
		src=$(archive_field "$p" "$ver" Built-Using)
		[ -z "$src" ] || break
	done
	[ -n "$src" ] || src=$(archive_field "$pkg" "$ver" Source)
	[ -n "$src" ] || src=$pkg
	[ -n "$arch" ] || arch=$(archive_field "$pkg" "$ver" Architecture)
	if [ "$comp" = "$file" ] || [ -z "$arch" ]; then die "the index has no entry for $pkg $ver"; fi
	case $src in lib?*) printf '%s/%s/%s/' "$comp" "${src:0:4}" "$src" ;; *) printf '%s/%s/%s/' "$comp" "${src:0:1}" "$src" ;; esac
	printf '%s_%s_%s.deb\n' "$name" "${ver#*:}" "$arch"
}

# sysroot_unlisted IMG VER NAME DIR [try]: fetch NAME VER (a package of
# IMG's build that no index lists) by pool path, unpack it into DIR and
# print its Depends; its path and the sha256 we got are appended to
# DIR/.unlisted, because nothing verified them. With "try", a file the
# pool does not serve (404) returns 2 instead of stopping.
sysroot_unlisted() {
	local img=$1 ver=$2 name=$3 dir=$4 try=${5:-} path base code sha
	path=$(sysroot_pool_path "$img" "$ver" "$name") || return 1
	base=$(sysroot_pool_base "$img" "$ver") || return 1
	info "downloading $path: no signed index lists $name $ver (unverified)"
	code=$(curl -sS -o "$dir/.unlisted.deb" -w '%{http_code}' "$base/$path") || code=${code:-000}
	# Architecture-independent parts (linux-headers-*-common) are _all.
	if [ "$code" = 404 ] && [ "${path%_all.deb}" = "$path" ]; then
		path=${path%_*}_all.deb
		code=$(curl -sS -o "$dir/.unlisted.deb" -w '%{http_code}' "$base/$path") || code=${code:-000}
	fi
	if [ "$code" != 200 ]; then
		rm -f "$dir/.unlisted.deb"
		if [ "$try" = try ] && [ "$code" = 404 ]; then
			info "$name $ver: the pool does not serve it either (HTTP 404)"
			return 2
		fi
		die "$name $ver: no signed index lists it, and the pool does not serve it either (HTTP $code for $path)"
	fi
	sha=$(sha256_of "$dir/.unlisted.deb")
	dpkg-deb -f "$dir/.unlisted.deb" Depends
	dpkg-deb -x "$dir/.unlisted.deb" "$dir"
	rm -f "$dir/.unlisted.deb"
	printf '%s %s %s %s\n' "$name" "$ver" "$path" "$sha" >>"$dir/.unlisted"
}

# sysroot_unlisted_headers IMG VER HDR DIR: HDR VER by pool path into DIR
# when the pool serves it, with the parts it depends on (-common,
# linux-kbuild): from the index where it lists the same version (or, for
# linux-kbuild-X.Y, which several ABIs share, its newest), else by pool
# path too. Not served: a build tree will be prepared from source.
sysroot_unlisted_headers() {
	local img=$1 ver=$2 hdr=$3 dir=$4 deps rc=0 p v
	deps=$(sysroot_unlisted "$img" "$ver" "$hdr" "$dir" try) || rc=$?
	case $rc in
	0) ;;
	2) info "no $hdr $ver: a build tree will be prepared from source"; return 0 ;;
	*) return 1 ;;
	esac
	for p in $(tr ',|' '\n' <<<"$deps" | sed 's/^ *//; s/ .*//'); do
		case $p in *-common | *-common-rt | linux-kbuild-*) ;; *) continue ;; esac
		v=$ver
		if [ -z "$(archive_field "$p" "$v" SHA256)" ]; then
			case $p in linux-kbuild-*) v=$(archive_versions "$p" | head -n 1) ;; *) v= ;; esac
		fi
		if [ -n "$v" ]; then
			dpkg-deb -x "$(archive_fetch "$p" "$v")" "$dir" || return 1
		else
			sysroot_unlisted "$img" "$ver" "$p" "$dir" >/dev/null || return 1
		fi
	done
}
