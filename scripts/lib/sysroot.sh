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

# sysroot_fetch KVER: unpack KVER's packages into $SHF_CACHE/sysroot/KVER.
sysroot_fetch() {
	local kver=$1 root=$SHF_CACHE/sysroot/$1 ver img hdr tmp deb p
	local -a pkgs
	[ -f "$root/.sysroot" ] && { printf '%s\n' "$root"; return 0; }
	archive_update
	img=$(image_package "$kver") ||
		die "unknown kernel $kver: it is not installed here and Debian's archive has no linux-image-$kver" \
			"installed kernels: $(find /lib/modules -mindepth 1 -maxdepth 1 -printf '%f ' 2>/dev/null)"
	ver=$(pinned_field "$kver" 2)
	[ -n "$ver" ] || ver=$(archive_versions "$img" | head -n 1)
	pkgs=("$img")
	# Since 7.2 the image is split: linux-{modules,binary,base}-KVER.
	for p in $(deps_of "$img" "$ver"); do
		case $p in *-"$kver") [ -z "$(archive_field "$p" "$ver" SHA256)" ] || pkgs+=("$p") ;; esac
	done
	hdr=linux-headers-$kver
	if [ -n "$(archive_field "$hdr" "$ver" SHA256)" ]; then
		pkgs+=("$hdr")
		for p in $(deps_of "$hdr" "$ver"); do
			case $p in *-common | linux-kbuild-*) pkgs+=("$p") ;; esac
		done
	else
		info "the archive has no $hdr $ver: a build tree will be prepared from source"
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
	for mk in "$dir"/usr/src/linux-headers-*/Makefile; do
		[ -f "$mk" ] || continue
		sed -i "s|^include /usr/src/|include $final/usr/src/|" "$mk"
	done
}
