# shellcheck shell=bash disable=SC2034 # K_* are read by the sourcing scripts
# The target kernel: where its modules, config and build tree are, which
# Debian package version it is, and which compiler built it.

# kernel_resolve KVER [ROOT]: set K_* for KVER. ROOT is / on a host that has
# the kernel installed; otherwise a sysroot unpacked from the archive.
kernel_resolve() {
	K_KVER=$1
	K_ROOT=${2:-}
	if [ -z "$K_ROOT" ]; then
		if [ -d "/lib/modules/$K_KVER/kernel" ]; then
			K_ROOT=/
		else
			info "$K_KVER is not installed here: using Debian's packages unpacked in a sysroot"
			K_ROOT=$(sysroot_fetch "$K_KVER") || exit 1
		fi
	fi
	K_ROOT=${K_ROOT%/}
	local d
	K_MODDIR=
	for d in "$K_ROOT/lib/modules/$K_KVER" "$K_ROOT/usr/lib/modules/$K_KVER"; do
		[ -d "$d/kernel" ] && { K_MODDIR=$d; break; }
	done
	[ -n "$K_MODDIR" ] || die "no modules of $K_KVER under ${K_ROOT:-/}" \
		"is linux-image-$K_KVER installed?"
	K_CONFIG=$K_ROOT/boot/config-$K_KVER
	K_BUILD=
	[ -f "$K_MODDIR/build/Makefile" ] && K_BUILD=$(cd "$K_MODDIR/build" && pwd -P)
	[ -f "$K_CONFIG" ] || K_CONFIG=${K_BUILD:+$K_BUILD/.config}
	[ -f "$K_CONFIG" ] || die "no kernel config for $K_KVER (looked for $K_ROOT/boot/config-$K_KVER)"
	K_PKGVER=$(kernel_package_version)
	[ -n "$K_PKGVER" ] || die "cannot tell the Debian package version of $K_KVER" \
		"neither dpkg nor /usr/share/doc/linux-image-$K_KVER*/changelog.Debian.gz knows it"
	K_UPSTREAM=${K_PKGVER%%-*}
	K_SERIES=$(ver_series "$K_UPSTREAM")
	K_CC_TEXT=$(config_value CONFIG_CC_VERSION_TEXT)
	K_CC=${K_CC_TEXT%% *}
	K_WORK=$SHF_WORK/$K_KVER
}

kernel_package_version() {
	local f
	if [ -f "$K_ROOT/.sysroot" ]; then
		head -n 1 "$K_ROOT/.sysroot"
		return
	fi
	if [ "$K_ROOT" = "" ] || [ "$K_ROOT" = / ]; then
		dpkg-query -W -f '${Version}\n' "linux-image-$K_KVER" "linux-image-$K_KVER-unsigned" 2>/dev/null |
			grep -m1 . && return
	fi
	# The image's own changelog names the source package version.
	for f in "$K_ROOT"/usr/share/doc/linux-headers-"$K_KVER"/changelog.Debian.gz \
		"$K_ROOT"/usr/share/doc/linux-image-"$K_KVER"*/changelog.Debian.gz; do
		[ -f "$f" ] || continue
		zcat "$f" | sed -n '1s/^linux (\([^)]*\)).*/\1/p' | grep -m1 . && return
	done
	return 0
}

# config_value SYMBOL: y, m, a string (unquoted), or '' when not set.
config_value() {
	sed -n "s/^$1=//p" "$K_CONFIG" | sed 's/^"\(.*\)"$/\1/' | head -n 1
}

# kernel_compiler: decide how to run the kernel's compiler; sets K_CHROOT
# ('' = native). Dies with what to install when nothing has it.
kernel_compiler() {
	K_CHROOT=
	if command -v "$K_CC" >/dev/null 2>&1; then
		info "compiler: $K_CC on this machine ($("$K_CC" --version | head -n 1)); kernel built with: $K_CC_TEXT"
		return 0
	fi
	K_CHROOT=$(chroot_with "$K_CC")
	if [ -n "$K_CHROOT" ]; then
		info "compiler: $K_CC in chroot $K_CHROOT; kernel built with: $K_CC_TEXT"
		return 0
	fi
	local major=${K_CC##*-}
	die "$K_KVER was built with $K_CC_TEXT, and this machine has no $K_CC" \
		"install it (apt-get install gcc-$major), or make a build chroot that has it:" \
		"scripts/make-chroot trixie   (gcc-14; bookworm has gcc-12)"
}
