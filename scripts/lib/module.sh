# shellcheck shell=bash
# Kernel module files, the one place that finds them and reads them: a
# distro installs a module as .ko, .ko.xz or .ko.zst.

# Bigger than any module a kernel loads (nfsd.ko with BTF: about 3 MiB);
# a file that expands past it is refused, not written out.
SHF_MODULE_MAX=${SHF_MODULE_MAX:-268435456}

# module_find MODDIR NAME [REL]: the path of module NAME under
# MODDIR/kernel, in folder REL when given, anywhere below otherwise;
# fails when there is none.
module_find() {
	local moddir=$1 name=$2 rel=${3:-} f
	if [ -n "$rel" ]; then
		for f in "$moddir/kernel/$rel/$name.ko" "$moddir/kernel/$rel/$name.ko.xz" "$moddir/kernel/$rel/$name.ko.zst"; do
			[ -f "$f" ] && { printf '%s\n' "$f"; return 0; }
		done
		return 1
	fi
	f=$(find "$moddir/kernel" -type f \( -name "$name.ko" -o -name "$name.ko.xz" -o -name "$name.ko.zst" \) 2>/dev/null | head -n 1)
	[ -n "$f" ] && printf '%s\n' "$f"
}

# module_plain FILE OUT: the module as plain ELF in OUT; dies when FILE
# does not decompress or expands past SHF_MODULE_MAX bytes (nothing is
# left in OUT then).
module_plain() {
	local in=$1 out=$2 rc=0 size
	case $in in
	*.xz) xz -dc -- "$in" ;;
	*.zst) zstd -dcq -- "$in" ;;
	*) cat -- "$in" ;;
	esac | head -c $((SHF_MODULE_MAX + 1)) >"$out" || rc=$?
	size=$(stat -c %s "$out")
	if [ "$size" -gt "$SHF_MODULE_MAX" ]; then
		rm -f "$out"
		die "$in expands past $SHF_MODULE_MAX bytes: not a module, refused (SHF_MODULE_MAX)"
	fi
	[ "$rc" -eq 0 ] || { rm -f "$out"; die "cannot read module $in (exit $rc)"; }
}
