# shellcheck shell=bash
# Build, prove, patch, explain. Every build happens in a fresh folder that
# is renamed into place only when complete, so a failure leaves nothing
# half-built behind; a folder's name carries the hash of all its inputs.

KODIFF=${KODIFF:-$SHF_TOP/tools/kodiff}

kodiff_ready() {
	[ -x "$KODIFF" ] && return 0
	# A host with only the kernel's gcc-NN (Debian's headers pull that one,
	# not gcc): build with it.
	local cc=gcc
	command -v gcc >/dev/null || cc=${K_CC:-cc}
	make -s -C "$SHF_TOP/tools" CC="$cc" kodiff >/dev/null || die "building tools/kodiff with $cc failed (needs libelf-dev)"
}

# override_args CONFIG_X=y|m ...: make variables and KCFLAGS forcing symbols
# on for a test-only build (Kbuild object lists read the make variable, the
# C code reads the macro).
override_args() {
	local kv cflags=
	for kv in "$@"; do
		printf '%s\n' "$kv"
		case ${kv#*=} in
		y) cflags+=" -D${kv%%=*}=1" ;;
		m) cflags+=" -D${kv%%=*}_MODULE=1" ;;
		esac
	done
	[ -z "$cflags" ] || printf 'KCFLAGS=%s\n' "${cflags# }"
}

# distro_file_prefix REL: how the distro's build spelled the source root in
# file name strings: '' for in-tree relative paths (drivers/...), or the
# absolute build folder (Debian's 6.18: /build/reproducible-path/linux-X/),
# read from the modules the distro installed from REL: a source file of
# REL or a kernel header (Debian's 6.16 spells its .c files relative, but
# "/build/reproducible-path/linux-6.16.3/include/linux/blkdev.h").
distro_file_prefix() {
	local ko tmp prefix='' memo
	# Read once per kernel and folder: every build of a fix asks, and on
	# a folder of relative names every module is decompressed to say so.
	memo=${K_WORK:+$K_WORK/build/.prefix-${1//\//_}}
	if [ -n "$memo" ] && [ -f "$memo" ] && [ "$(head -n 1 "$memo")" = "$K_MODDIR" ]; then
		sed -n 2p "$memo"
		return 0
	fi
	tmp=$(mktemp)
	while IFS= read -r ko; do
		module_plain "$ko" "$tmp"
		prefix=$(strings -a "$tmp" |
			grep -m 1 -oE "^/[^ ]*/($1/[A-Za-z0-9_-]+\.[ch]|include/linux/[A-Za-z0-9_/.-]+\.h)$" || true)
		[ -z "$prefix" ] || break
	done < <(find "$K_MODDIR/kernel/$1" -maxdepth 1 -name '*.ko*' 2>/dev/null | sort)
	rm -f "$tmp"
	case $prefix in
	*"/$1/"*) prefix=${prefix%%"$1"/*} ;;
	*) prefix=${prefix%%include/linux/*} ;;
	esac
	if [ -n "$memo" ]; then
		mkdir -p "${memo%/*}"
		printf '%s\n' "$K_MODDIR" "$prefix" >"$memo.$$"
		mv -f "$memo.$$" "$memo"
	fi
	printf '%s\n' "$prefix"
}

# headers_common BUILD: the source tree (Debian's -common folder) a headers
# package's build tree BUILD includes; nothing for a full tree.
headers_common() {
	sed -n 's|^include \(/.*\)/Makefile$|\1|p' "$1/Makefile" 2>/dev/null | head -n 1
}

# kbuild_at_prefix TREE PREFIX: binds that show a headers package's build
# tree with its source tree (the -common folder) at PREFIX, next to the
# copy TREE bound there: a header's __builtin_FILE() string (which no
# prefix map rewrites) then names PREFIX as the distro's does. Kbuild
# takes the source tree from the real path of the Makefile the build
# tree includes, so a copy of the build tree that includes PREFIX's is
# bound over it.
kbuild_at_prefix() {
	local tree=$1 prefix=$2 common copy e n binds=''
	common=$(headers_common "$K_BUILD")
	[ -n "$common" ] && [ -d "$common" ] || return 0
	for e in "$common"/* "$common"/.[!.]*; do
		[ -e "$e" ] || continue
		n=${e##*/}
		if [ -d "$e" ]; then
			# Not over the copy's own folders (drivers/); an empty one is a
			# mount point an earlier build of this copy made.
			[ ! -e "$tree/$n" ] || [ -z "$(ls -A "$tree/$n")" ] || continue
			mkdir -p "$tree/$n"
			binds+=" ro:$e=$prefix/$n"
		elif [ ! -e "$tree/$n" ]; then
			cp -p "$e" "$tree/$n"
		fi
	done
	copy=$K_WORK/build/.headers-at-prefix
	# (.done names the build tree copied: another sysroot, another copy.)
	if [ "$(cat "$copy/.done" 2>/dev/null)" != "$K_BUILD $prefix" ]; then
		rm -rf "$copy"
		mkdir -p "${copy%/*}"
		cp -a "$K_BUILD" "$copy"
		sed -i "s|^include $common/Makefile\$|include $prefix/Makefile|" "$copy/Makefile"
		printf '%s\n' "$K_BUILD $prefix" >"$copy/.done"
	fi
	printf '%s\n' "$binds ro:$copy=$K_BUILD"
}

# kbuild TREE REL LOG [MAKEVAR=VALUE...]: build the Kbuild folder TREE/REL
# as external modules against the kernel's build tree. __FILE__ strings
# (WARN_ON, BUG) are mapped to the in-tree path the distro's build used.
kbuild() {
	local tree=$1 rel=$2 log=$3 kv cflags src prefix binds p full canon
	shift 3
	# Where the distro built from an absolute folder and its strings keep
	# it (Debian 6.18: __builtin_FILE() users are not prefix-mapped), build
	# from that same path, in a private mount namespace: the tree is bound
	# there; with a prepared build tree the full source is, with our
	# copies of the fix's paths bound over it.
	prefix=$(distro_file_prefix "$rel")
	# The copy is built at one path per kernel, whatever its folder: the
	# command lines kbuild records then hold for a copy of it, and a
	# patched build made from the pristine one recompiles only what the
	# patch touched.
	canon=$K_WORK/build/.tree
	src=${prefix:-$canon/}
	src=${src%/}
	# What the sandboxed build sees: the copy it builds in (its only
	# writable folder), the kernel's build tree and sysroot read-only.
	binds="rw:$tree=$canon"
	[ -z "$K_ROOT" ] || [ "$K_ROOT" = / ] || binds+=" ro:$K_ROOT=$K_ROOT"
	if [ -f "$K_BUILD/.fullsource" ]; then
		full=$(cat "$K_BUILD/.fullsource")
		binds+=" ro:$K_BUILD=$K_BUILD ro:$full=$full"
	fi
	if [ -n "$prefix" ] && [ -f "$K_BUILD/.fullsource" ]; then
		binds+=" ro:$full=$src"
		for p in $FIX_PATHS; do
			[ -d "$tree/$p" ] && binds+=" rw:$tree/$p=$src/$p"
		done
	elif [ -n "$prefix" ]; then
		binds+=" rw:$tree=$src$(kbuild_at_prefix "$tree" "$src")"
	fi
	cflags="-fmacro-prefix-map=$src/="
	# Against a headers package, headers come from its -common tree by an
	# absolute path; since 6.13 kbuild maps only M's folder for an M= build
	# ("include/linux/dma-mapping.h" in Debian's 6.18 nvmet-fc.ko, the
	# -common folder's full path in ours): map that tree too.
	local common
	if [ ! -f "$K_BUILD/.fullsource" ]; then
		common=$(headers_common "$K_BUILD")
		[ -z "$common" ] || cflags+=" -fmacro-prefix-map=$common/="
	fi
	# The distro's build passed the folder to -I$(src) as "$src/$rel"; an
	# M= build since 6.13 spells it "$src/$rel/." (its obj is "."), and
	# __FILE__ in a header found there keeps that ("fs/nfsd/././trace.h",
	# where Debian's nfsd.ko has "fs/nfsd/./trace.h"). KCFLAGS come before
	# ccflags-y, so this spelling is found first.
	[ -z "$prefix" ] || cflags+=" -I$src/$rel"
	local -a vars=()
	for kv in "$@"; do
		case $kv in
		KCFLAGS=*) cflags+=" ${kv#KCFLAGS=}" ;;
		*) vars+=("$kv") ;;
		esac
	done
	# Since 6.13 an M= build compiles from inside M ("core.c", not the
	# in-tree "drivers/nvme/target/core.c" the distro's strings hold),
	# unless the objects go elsewhere (MO=); older kbuild ignores MO.
	# KBUILD_GOALS: single targets (objects, a .mod) instead of modules.
	local -a goals
	read -r -a goals <<<"${KBUILD_GOALS:-modules}"
	local -a cmd=(make -C "$K_BUILD" "M=$src/$rel" "MO=$canon/.kbuild-out/$rel" "-j$SHF_JOBS" "CC=$K_CC" "KCFLAGS=$cflags" "${vars[@]}" "${goals[@]}")
	mkdir -p "$tree/.kbuild-out/$rel"
	run_logged "$log" sandbox_run "$K_CHROOT" "$binds" "${cmd[@]}" || return 1
	# Root reads what the build wrote: a link could point it anywhere, so
	# none is kept (kbuild's own "source" link among them).
	find "$tree" -type l -delete
	find "$tree/.kbuild-out/$rel" -maxdepth 1 -type f -name '*.ko' -exec cp {} "$tree/$rel/" \;
}

# build_tree NAME PATCHES BASE [ARG...]: copy the source, apply the patch
# series in folder PATCHES ('' for the pristine source) and stamp it, build
# FIX_BUILD_DIR (only KBUILD_GOALS when set); print the folder. ARGs are
# CONFIG_X=y|m (a test-only override) and KCFLAGS=... BASE ('' for none):
# a pristine build_tree of the same ARGs and goals to copy instead of the
# source, objects and all, so make recompiles only what the patch changed.
# Cached under a name that hashes every input (not BASE: the result is
# the same).
build_tree() {
	local name=$1 patches=$2 base=$3 key dir tmp t0 arg override=''
	shift 3
	# One folder per (tree, fix, override): the stale-build sweep below
	# must not remove a sibling that is still current.
	name+=-${FIX_BUILD_DIR//\//_}
	for arg in "$@"; do
		case $arg in CONFIG_*) override+="${override:+ }$arg" ;; esac
	done
	[ -z "$override" ] || name+=-override
	local -a extra=() series=()
	[ $# -eq 0 ] || mapfile -t extra < <(override_args "$@")
	[ -z "$patches" ] || series=("$patches"/*.patch)
	# K_BUILD too: a headers package and a tree prepared from source build
	# different strings (header paths) from the same source.
	key=$( { printf '%s\n' "$K_SRC" "$K_CC_TEXT" "$K_BUILD" "$FIX_BUILD_DIR" "${KBUILD_GOALS:-modules}" "$@"
		# The stamp carries our version: patched builds only.
		[ ${#series[@]} -eq 0 ] || { cat "${series[@]}"; printf '%s\n' "$SHF_VERSION"; }
		cat "${BASH_SOURCE[0]}"; } | sha256sum | cut -c1-12)
	dir=$K_WORK/build/$name-$key
	if [ -f "$dir/.built" ]; then
		info "$name: cached ($dir)"
		printf '%s\n' "$dir"
		return 0
	fi
	mkdir -p "$K_WORK/build"
	tmp=$(mktemp -d "$K_WORK/build/.$name.XXXXXX")
	_build_tmp=$tmp
	trap 'rm -rf "$_build_tmp"' EXIT
	if [ -n "$base" ] && [ -f "$base/.built" ]; then
		# Times kept: make judges what is out of date by them.
		cp -a "$base/." "$tmp/"
		rm -f "$tmp/.built" "$tmp/build.log" "$tmp/proof.json"
	else
		(cd "$K_SRC" && find . -mindepth 1 -maxdepth 1 ! -name '.*' -exec cp -a {} "$tmp/" \;)
	fi
	if [ ${#series[@]} -gt 0 ]; then
		(cd "$tmp" && apply_series "${series[@]}") || die "$name: preparing the source failed"
		stamp "$override" >>"$tmp/$FIX_STAMP_FILE"
	fi
	t0=$(now_s)
	local what=$FIX_BUILD_DIR
	[ -z "${KBUILD_GOALS:-}" ] || what+=": ${KBUILD_GOALS%% *} and its $(($(wc -w <<<"$KBUILD_GOALS") - 1)) object(s)"
	step "$name: building $what${1:+ with $*} (log: $dir/build.log)"
	if ! kbuild "$tmp" "$FIX_BUILD_DIR" "$tmp/build.log" "${extra[@]}"; then
		die "$name: build failed; nothing was kept (the log is above)"
	fi
	info "$name: built in $(elapsed "$t0") s"
	touch "$tmp/.built"
	mv "$tmp" "$dir"
	trap - EXIT
	# Older builds of the same tree (other inputs) are stale now.
	# (Only NAME-KEY: NAME-override-KEY is a sibling.)
	find "$K_WORK/build" -mindepth 1 -maxdepth 1 -name "$name-????????????" ! -path "$dir" -exec rm -rf {} +
	printf '%s\n' "$dir"
}

# apply_series PATCH... (in the copied tree): all or none, each dry-run
# first, no fuzz accepted.
apply_series() {
	local p
	for p in "$@"; do
		patch -p1 -F0 --dry-run -s <"$p" >/dev/null 2>&1 || {
			patch -p1 -F0 --dry-run <"$p" >&2 || true
			printf 'storage-hotfix: error: %s does not apply to this source\n' "$(basename "$p")" >&2
			return 1
		}
		patch -p1 -F0 -s <"$p" || return 1
	done
}

# stamp OVERRIDE: the module says what it is (modinfo hotfix: ...), and
# a test-only config override when there is one.
stamp() {
	local what="$FIX_ID upstream=${FIX_UPSTREAM// /,} storage-hotfix=$SHF_VERSION"
	[ -z "$1" ] || what+=" TEST-ONLY-config-override=${1// /,}"
	printf '\n/* Added by storage-hotfix: identifies this patched module. */\n'
	printf 'MODULE_INFO(hotfix, "%s");\n' "$what"
}

# prove_tree DIR: compare every module built in DIR/FIX_BUILD_DIR with the
# distro's; print a JSON proof; fail on any difference.
prove_tree() {
	local dir=$1 ko name inst tmpd verdict out ok=0 bad=0 missing=() lines=()
	kodiff_ready
	tmpd=$(mktemp -d)
	for ko in "$dir/$FIX_BUILD_DIR"/*.ko; do
		name=$(basename "$ko" .ko)
		if ! inst=$(module_find "$K_MODDIR" "$name" "$FIX_BUILD_DIR"); then
			missing+=("$name")
			continue
		fi
		module_plain "$inst" "$tmpd/$name.ko"
		if out=$("$KODIFF" sections "$tmpd/$name.ko" "$ko" 2>&1); then
			ok=$((ok + 1))
			verdict=identical
			info "proof: $name.ko: $(tail -n 1 <<<"$out") (distro's $(basename "$inst"))"
		else
			bad=$((bad + 1))
			verdict=different
			warn "proof: $name.ko differs from the distro's $(basename "$inst"):"
			printf '      %s\n' "${out//$'\n'/$'\n'      }" >&2
		fi
		lines+=("$(jq -cn --arg m "$name" --arg v "$verdict" --arg d "$out" \
			'{module: $m, result: $v, detail: ($d | split("\n"))}')")
	done
	rm -rf "$tmpd"
	[ ${#missing[@]} -eq 0 ] ||
		info "proof: not shipped by the distro for $K_KVER, nothing to compare: ${missing[*]}"
	local result=identical
	[ "$ok" -gt 0 ] || result=nothing-to-compare
	[ "$bad" -eq 0 ] || result=different
	jq -cn --arg r "$result" --argjson m "[$(IFS=,; echo "${lines[*]}")]" \
		--argjson n "$(printf '%s\n' "${missing[@]}" | jq -R . | jq -sc 'map(select(. != ""))')" \
		'{result: $r, modules: $m, not_shipped: $n}'
	[ "$result" = identical ]
}

# module_objects TREE: the objects (.o, as built: with MO= in .kbuild-out)
# that make up FIX_MODULE, from its .mod file.
module_objects() {
	local dir=$1/$FIX_BUILD_DIR o
	[ -f "$1/.kbuild-out/$FIX_BUILD_DIR/$FIX_MODULE.mod" ] && dir=$1/.kbuild-out/$FIX_BUILD_DIR
	# One object per word (a .mod file may hold several on one line).
	tr ' ' '\n' <"$dir/$FIX_MODULE.mod" | while read -r o; do
		[ -z "$o" ] || printf '%s\n' "$dir/$(basename "$o")"
	done
}

# module_goals TREE: FIX_MODULE's .mod and objects as single kbuild targets
# (paths relative to FIX_BUILD_DIR), from a full build of TREE: the
# explanation compiles only these again (kbuild writes the .mod with
# absolute, ./ or in-tree paths depending on the version).
module_goals() {
	local f=$1/$FIX_BUILD_DIR/$FIX_MODULE.mod o
	[ -f "$1/.kbuild-out/$FIX_BUILD_DIR/$FIX_MODULE.mod" ] && f=$1/.kbuild-out/$FIX_BUILD_DIR/$FIX_MODULE.mod
	[ -f "$f" ] || die "no $FIX_MODULE.mod in $1: cannot tell which objects make up $FIX_MODULE.ko"
	printf '%s' "$FIX_MODULE.mod"
	# One object per word (a .mod file may hold several on one line).
	tr ' ' '\n' <"$f" | while read -r o; do
		[ -n "$o" ] || continue
		o=${o#*/"$FIX_BUILD_DIR"/}
		printf ' %s' "${o#./}"
	done
	printf '\n'
}

# explain A B: function-level diff of FIX_MODULE between two trees built
# with -ffunction-sections, object by object: each function then starts
# its own section, so moving code does not change its alignment padding
# (in the linked .ko, a shrunken function shifts every later one and loop
# alignment NOPs inside them change). Prints JSON; fails when a function
# outside FIX_FUNCTIONS changed, or none did.
explain() {
	local json='{"changed":[],"added":[],"removed":[]}' one fn base o unexpected=()
	kodiff_ready
	# A patch that adds or drops a source file is more than a fix.
	if [ "$(module_objects "$1" | xargs -n 1 basename | sort)" != "$(module_objects "$2" | xargs -n 1 basename | sort)" ]; then
		warn "explain: the patch changes which objects make up $FIX_MODULE.ko"
		return 1
	fi
	for o in $(module_objects "$1"); do
		[ -f "$2/${o#"$1"/}" ] || die "explain: $2 lacks $(basename "$o")"
		one=$("$KODIFF" funcs --json "$o" "$2/${o#"$1"/}") || [ $? -eq 1 ] ||
			die "kodiff funcs failed on $(basename "$o")"
		json=$(jq -c --argjson b "$one" '{changed: (.changed + $b.changed), added: (.added + $b.added), removed: (.removed + $b.removed)}' <<<"$json")
	done
	for fn in $(jq -r '(.changed + .added + .removed)[]' <<<"$json"); do
		# __pfx_F is F's call-padding (CONFIG_CALL_PADDING); F.isra.0 etc.
		# are compiler clones of F.
		base=${fn#__pfx_}
		base=${base%%.*}
		[[ " $FIX_FUNCTIONS " == *" $base "* ]] || unexpected+=("$fn")
	done
	jq -c --argjson u "$(printf '%s\n' "${unexpected[@]}" | jq -R . | jq -sc 'map(select(. != ""))')" \
		'. + {unexpected: $u}' <<<"$json"
	if [ ${#unexpected[@]} -gt 0 ]; then
		warn "explain: functions changed that $FIX_ID does not declare: ${unexpected[*]}"
		return 1
	fi
	[ "$(jq '.changed + .added + .removed | length' <<<"$json")" -gt 0 ] || {
		warn "explain: the patch changed no function of $FIX_MODULE.ko"
		return 1
	}
}
