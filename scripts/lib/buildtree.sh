# shellcheck shell=bash disable=SC2034,SC2153 # K_* are shared with kernel.sh
# A build tree for a kernel whose headers package is gone from the archive
# (Debian's 6.15 .. 7.1 backports): the full source plus the image's own
# config, `make O=... olddefconfig modules_prepare` with the kernel's
# compiler and LOCALVERSION so that the release (vermagic) matches, and a
# Module.symvers synthesized from the image (vmlinuz for vmlinux, the
# installed modules' own export tables) so our modules get their
# dependencies and no modpost warnings.

# buildtree_prepare KIND FILE LABEL: set K_BUILD, preparing it from the
# source (source_origin's S_KIND, S_FILE, S_LABEL) when the kernel has none.
buildtree_prepare() {
	[ -n "$K_BUILD" ] && return 0
	local kind=$1 file=$2 label=$3 key out tmp full lv release t0
	[ "$kind" != tree ] || die "a prepared build tree needs a source tarball, not a folder"
	key=$(printf '%s\n' "$(sha256_of "$file")" "$(sha256_of "$K_CONFIG")" "$K_CC_TEXT" |
		cat - "${BASH_SOURCE[0]}" | sha256sum | cut -c1-12)
	out=$SHF_CACHE/buildtree/$K_KVER-$key
	if [ -f "$out/.prepared" ]; then
		K_BUILD=$out
		info "build tree: $out (prepared earlier)"
		return 0
	fi
	full=$(buildtree_full_source "$kind" "$file" "$label") || exit 1
	lv=${K_KVER#"$K_UPSTREAM"}
	[ "$lv" != "$K_KVER" ] || die "cannot split $K_KVER into $K_UPSTREAM and a local version"
	t0=$(now_s)
	step "build tree: $K_KVER has no headers package; preparing one from $label and $(basename "$K_CONFIG") (about a minute)"
	# Prepared in place: the O= folder records its own path in its Makefile,
	# so it cannot be renamed; .prepared marks it complete, and an
	# incomplete one is removed on failure (and before a new attempt).
	rm -rf "$out"
	mkdir -p "$out"
	tmp=$out
	_bt_tmp=$tmp
	trap 'rm -rf "$_bt_tmp"' EXIT
	cp "$K_CONFIG" "$tmp/.config"
	# The source sits where the distro built it when its modules keep that
	# absolute path in strings (see kbuild), so header paths match too.
	local prefix srcdir
	prefix=$(buildtree_prefix)
	srcdir=${prefix%/}
	srcdir=${srcdir:-$full}
	local -a cmd=(make -C "$srcdir" "O=$tmp" "CC=$K_CC" "HOSTCC=$K_CC" "LOCALVERSION=$lv" "-j$SHF_JOBS" olddefconfig modules_prepare)
	# Sandboxed (sandbox.sh): the full source read-only, only the tree
	# being prepared writable.
	run_logged "$tmp/prepare.log" sandbox_run "$K_CHROOT" "rw:$tmp=$tmp ro:$full=$srcdir" "${cmd[@]}" ||
		die "modules_prepare failed for $K_KVER (log above)"
	printf '%s\n' "$full" >"$tmp/.fullsource"
	release=$(cat "$tmp/include/config/kernel.release")
	[ "$release" = "$K_KVER" ] || die "the prepared tree says $release, not $K_KVER: vermagic would not match"
	# olddefconfig must not have changed the distro's choices.
	if ! diff <(grep '^CONFIG_' "$K_CONFIG" | sort) <(grep '^CONFIG_' "$tmp/.config" | sort) >"$tmp/config.diff"; then
		warn "olddefconfig changed the config (see $out/config.diff):"
		head -n 10 "$tmp/config.diff" >&2
	fi
	buildtree_symvers >"$tmp/Module.symvers" || die "cannot synthesize Module.symvers"
	info "build tree: kernel.release $release, $(wc -l <"$tmp/Module.symvers") exports in Module.symvers, $(elapsed "$t0") s"
	touch "$tmp/.prepared"
	trap - EXIT
	K_BUILD=$out
}

# buildtree_full_source KIND FILE LABEL: the whole source tree, extracted
# once per tarball.
buildtree_full_source() {
	local kind=$1 file=$2 label=$3 dir tmp
	dir=$SHF_CACHE/tree/$(sha256_of "$file" | cut -c1-16)
	if [ -f "$dir/.extracted" ]; then
		# The sandboxed build user reads it (mktemp made it 0700).
		chmod 0755 "$dir"
		printf '%s\n' "$dir"
		return 0
	fi
	step "build tree: extracting the full source of $label"
	mkdir -p "$SHF_CACHE/tree"
	tmp=$(mktemp -d "$SHF_CACHE/tree/.x.XXXXXX")
	if ! source_tar_to_stdout "$kind" "$file" | tar -x --no-same-owner --no-same-permissions -C "$tmp" --strip-components=1; then
		rm -rf "$tmp"
		die "extracting $file failed"
	fi
	touch "$tmp/.extracted"
	chmod 0755 "$tmp"
	mv "$tmp" "$dir"
	printf '%s\n' "$dir"
}

# buildtree_symvers: Module.symvers lines (CRCs are 0: the kernels this
# serves have CONFIG_MODVERSIONS off, checked here). Debian's System.map is
# a placeholder, so vmlinux's exports come from the vmlinuz itself.
buildtree_symvers() {
	local dep ko rel vmlinux=$K_WORK/.vmlinux
	[ "$(config_value CONFIG_MODVERSIONS)" != y ] ||
		die "$K_KVER has CONFIG_MODVERSIONS=y: symbol CRCs cannot be synthesized; install its headers package"
	kodiff_ready
	mkdir -p "$K_WORK"
	vmlinux_extract "$K_ROOT/boot/vmlinuz-$K_KVER" "$vmlinux" ||
		die "cannot decompress $K_ROOT/boot/vmlinuz-$K_KVER to list vmlinux's exports"
	"$KODIFF" vmlinux-exports "$vmlinux" |
		awk -F'\t' '{ printf "0x00000000\t%s\tvmlinux\t%s\t%s\n", $1, $2, $3 }'
	rm -f "$vmlinux"
	# The modules the distro's modules of the fixes' folders depend on.
	for dep in $(buildtree_deps); do
		ko=$(module_find "$K_MODDIR" "$dep") || continue
		rel=${ko#"$K_MODDIR/kernel/"}
		rel=${rel%%.ko*}
		module_plain "$ko" "$K_WORK/.symvers.ko"
		"$KODIFF" exports "$K_WORK/.symvers.ko" |
			awk -F'\t' -v m="$rel" '{ printf "0x00000000\t%s\t%s\t%s\t%s\n", $1, m, $2, $3 }'
	done
	rm -f "$K_WORK/.symvers.ko"
}

# vmlinux_extract VMLINUZ OUT: the ELF vmlinux inside a bzImage: try each
# zstd, xz or gzip stream start until one decompresses to an ELF file.
vmlinux_extract() {
	local img=$1 out=$2 off magic tool
	for magic in '\x28\xb5\x2f\xfd:zstd' '\xfd\x37\x7a\x58\x5a\x00:xz' '\x1f\x8b\x08:gzip'; do
		tool=${magic##*:}
		# shellcheck disable=SC2013 # offsets are plain numbers
		for off in $(LC_ALL=C grep -obUaP "${magic%:*}" "$img" | cut -d: -f1); do
			tail -c +$((off + 1)) "$img" | "$tool" -dc 2>/dev/null >"$out" || true
			[ "$(head -c 4 "$out" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ] && return 0
		done
	done
	rm -f "$out"
	return 1
}

# buildtree_deps: direct dependencies of every fix's installed modules.
buildtree_deps() {
	local d ko
	for d in $(fix_dirs); do
		(
			fix_load "$d"
			for ko in "$K_MODDIR/kernel/$FIX_BUILD_DIR"/*.ko*; do
				[ -f "$ko" ] && modinfo -F depends "$ko" | tr ',' '\n'
			done
		)
	done | grep . | sort -u
}

# buildtree_prefix: the distro's absolute build folder ('' if none), as
# its modules of any fix's folder spell it.
buildtree_prefix() {
	local d prefix
	for d in $(fix_dirs); do
		prefix=$(fix_load "$d" && distro_file_prefix "$FIX_BUILD_DIR")
		[ -z "$prefix" ] || { printf '%s\n' "$prefix"; return 0; }
	done
}
