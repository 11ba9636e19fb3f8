# shellcheck shell=bash
# A fake kernel for the swap's tests: tools/storage-hotfix-fake (the CLI
# with tools/cli/tests/fake-kernel.c as its kernel) run in a private mount
# namespace whose /sys is a tmpfs and whose /lib/modules is a test tree of
# module-like objects. Sourced by tests/scripts/013.

# fk_requires: skip reasons
fk_requires() {
	[ "$(id -u)" = 0 ] || skip "needs root (a private mount namespace)"
	command -v unshare >/dev/null || skip "unshare (util-linux) is missing"
	unshare -m true 2>/dev/null || skip "cannot make a mount namespace here (unshare -m)"
	command -v gcc >/dev/null || skip "gcc is missing"
	command -v ld >/dev/null || skip "binutils are missing"
	command -v jq >/dev/null || skip "jq is not installed"
	[ -f /usr/include/libkmod.h ] || skip "libkmod-dev is not installed (scripts/install-deps)"
}

# fk_module OUT V KEY=VALUE...: a module-like object (code varying with V,
# a .modinfo with the given keys, a build-id) as ld -r makes a .ko
fk_module() {
	local out=$1 v=$2 kv i=0 tmp
	shift 2
	tmp=$(mktemp -d)
	printf 'int f(int x) { return x * %s + 1; }\n' "$v" >"$tmp/code.c"
	for kv in "$@"; do
		printf 'static const char m%d[] __attribute__((section(".modinfo"), used, aligned(1))) = "%s";\n' \
			$((i++)) "$kv"
	done >"$tmp/modinfo.c"
	gcc -O2 -c "$tmp/code.c" -o "$tmp/code.o" && gcc -O2 -c "$tmp/modinfo.c" -o "$tmp/modinfo.o" &&
		mkdir -p "$(dirname "$out")" && ld -r --build-id=sha1 "$tmp/code.o" "$tmp/modinfo.o" -o "$out"
	local rc=$?
	rm -rf "$tmp"
	return $rc
}

# fk_run LIBMODULES FUNC ARGS...: FUNC in a mount namespace with a tmpfs
# /sys (module/, class/nvme, block, kernel/config), LIBMODULES bound on
# /lib/modules, and a tmpfs /run and /etc/systemd/system (for the nfsd
# driver's systemd checks). FUNC and what it calls must be functions of
# the calling shell.
fk_run() {
	local lib=$1
	shift
	# shellcheck disable=SC2016 # expanded by the inner shell
	FK_FUNCS=$(declare -f) unshare -m --propagation private -- bash -c '
		set -o pipefail
		lib=$1; shift
		mount -t tmpfs none /sys &&
		mkdir -p /sys/module /sys/class/nvme /sys/block /sys/kernel/config &&
		# a host without /lib/modules (no kernel installed) gets one in an
		# overlay of its parent, seen only in this namespace
		if [ ! -d /lib/modules ]; then
			p=$(realpath /lib) && mkdir -p "$lib.upper" "$lib.work" &&
				mount -t overlay overlay -o "lowerdir=$p,upperdir=$lib.upper,workdir=$lib.work" "$p" &&
				mkdir -p /lib/modules || exit 99
		fi
		mount --bind "$lib" /lib/modules &&
		mount -t tmpfs none /run && mkdir -p /run/systemd/system &&
		mkdir -p /etc/systemd/system && mount -t tmpfs none /etc/systemd/system || exit 99
		eval "$FK_FUNCS"
		"$@"' fk "$lib" "$@"
}

# fk_note_id NAME: the build-id of the loaded NAME, from the fake sysfs
fk_note_id() {
	od -An -tx1 -j16 "/sys/module/$1/notes/.note.gnu.build-id" 2>/dev/null | tr -d ' \n'
}
