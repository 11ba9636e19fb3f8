# shellcheck shell=bash
# Build chroots: a kernel is rebuilt with the compiler it was built with;
# when the host lacks it, a debootstrap'ed chroot of the kernel's Debian
# release provides it. Builds run in it through sandbox.sh; chroot_run
# here only maintains it (apt-get as root). Needs archive.sh (the mirror).

SHF_CHROOTS=${SHF_CHROOTS:-$SHF_CACHE/chroot}

chroot_packages() {
	# python3: building a tree from full source runs tools/bpf scripts.
	printf '%s\n' "gcc-$1,make,libc6-dev,libelf-dev,libssl-dev,bc,flex,bison,dwarves,xz-utils,zstd,kmod,patch,cpio,python3-minimal"
}

# gcc major per suite, for the chroot's package list.
suite_gcc() {
	case $1 in
	bookworm) echo 12 ;;
	trixie) echo 14 ;;
	*) die "no compiler known for suite $1 (known: bookworm, trixie)" ;;
	esac
}

# chroot_make SUITE [DIR PACKAGES]: the build chroot of SUITE in
# $SHF_CHROOTS/SUITE with chroot_packages; or, for other uses (the
# packaging tests), a chroot of SUITE in DIR with the comma-separated
# PACKAGES (DIR must not be under $SHF_CHROOTS: chroot_with would take it
# for a build chroot). From this machine's Debian mirror (archive_base).
chroot_make() {
	local suite=$1 dir=${2:-$SHF_CHROOTS/$1} pkgs=${3:-} base mirror keyring
	local -a keyopt=()
	[ -n "$pkgs" ] || pkgs=$(chroot_packages "$(suite_gcc "$suite")")
	if [ -x "$dir/usr/bin/make" ]; then
		chroot_complete "$dir" "$pkgs"
		info "chroot $suite exists: $dir"
		return 0
	fi
	command -v debootstrap >/dev/null ||
		die "debootstrap is not installed" "apt-get install debootstrap"
	base=$(archive_base archive) || exit 1
	read -r mirror keyring <<<"$base"
	# debootstrap knows Debian's keyring (-); another is the mirror's own.
	[ "$keyring" = - ] || keyopt=(--keyring="$keyring")
	mkdir -p "$(dirname "$dir")"
	rm -rf "$dir.tmp"
	step "chroot $suite: debootstrap --variant=minbase from $mirror (about 3 minutes)"
	run_logged "$dir.log" debootstrap --variant=minbase "${keyopt[@]}" \
		--include="$pkgs" \
		"$suite" "$dir.tmp" "$mirror" ||
		{ rm -rf "$dir.tmp"; die "debootstrap of $suite failed (log: $dir.log)"; }
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

# chroot_run DIR CMD...: run CMD as root inside chroot DIR (from its /:
# give absolute paths), with /proc, in a private mount namespace so that
# nothing stays mounted when it ends.
chroot_run() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare --mount --propagation private /bin/bash -c '
		set -e
		mount -t proc proc "$1/proc"
		exec chroot "$@"
	' chroot_run "$@"
}

# chroot_complete DIR PKGS: install packages a newer list added since the
# chroot was made (comma-separated PKGS).
chroot_complete() {
	local dir=$1 p
	local -a missing=()
	for p in ${2//,/ }; do
		# shellcheck disable=SC2016 # a dpkg-query format, not a shell expansion
		chroot "$dir" dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	step "chroot $(basename "$dir"): installing ${missing[*]}"
	run_logged "$dir.log" chroot_run "$dir" /usr/bin/env DEBIAN_FRONTEND=noninteractive \
		sh -c "apt-get update -q && apt-get install -y -q --no-install-recommends ${missing[*]}" ||
		die "cannot install ${missing[*]} in $dir (log: $dir.log)"
}
