# shellcheck shell=bash
# Build chroots: a kernel is rebuilt with the compiler it was built with;
# when the host lacks it, a debootstrap'ed chroot of the kernel's Debian
# release provides it. Commands run in a private mount namespace with the
# cache and work folders bind-mounted at the same paths, so nothing needs
# translating and nothing stays mounted when they end.

SHF_CHROOTS=${SHF_CHROOTS:-$SHF_CACHE/chroot}

chroot_packages() {
	printf '%s\n' "gcc-$1,make,libc6-dev,libelf-dev,libssl-dev,bc,flex,bison,dwarves,xz-utils,zstd,kmod,patch,cpio"
}

# gcc major per suite, for the chroot's package list.
suite_gcc() {
	case $1 in
	bookworm) echo 12 ;;
	trixie) echo 14 ;;
	*) die "no compiler known for suite $1 (known: bookworm, trixie)" ;;
	esac
}

chroot_make() {
	local suite=$1 dir=$SHF_CHROOTS/$1
	[ -x "$dir/usr/bin/make" ] && { info "chroot $suite exists: $dir"; return 0; }
	command -v debootstrap >/dev/null ||
		die "debootstrap is not installed" "apt-get install debootstrap"
	mkdir -p "$SHF_CHROOTS"
	rm -rf "$dir.tmp"
	step "chroot $suite: debootstrap --variant=minbase (about 3 minutes)"
	run_logged "$SHF_CHROOTS/$suite.log" debootstrap --variant=minbase \
		--include="$(chroot_packages "$(suite_gcc "$suite")")" \
		"$suite" "$dir.tmp" "${SHF_MIRROR:-http://deb.debian.org/debian}" ||
		{ rm -rf "$dir.tmp"; die "debootstrap of $suite failed (log: $SHF_CHROOTS/$suite.log)"; }
	mv "$dir.tmp" "$dir"
	info "chroot $suite ready: $dir"
}

# chroot_with CC: the chroot that has compiler CC ('' when none does).
chroot_with() {
	local dir
	for dir in "$SHF_CHROOTS"/*/; do
		[ -x "$dir/usr/bin/$1" ] && { printf '%s\n' "${dir%/}"; return 0; }
	done
	return 0
}

# chroot_run DIR CMD...: run CMD inside chroot DIR (from its /: give
# absolute paths).
chroot_run() {
	local dir=$1
	shift
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare --mount --propagation private /bin/bash -c '
		set -e
		dir=$1; shift
		for p in "$SHF_CACHE" "$SHF_WORK"; do
			mkdir -p "$dir$p"
			mount --rbind "$p" "$dir$p"
		done
		mount -t proc proc "$dir/proc"
		exec chroot "$dir" "$@"
	' chroot_run "$dir" "$@"
}
