# shellcheck shell=bash disable=SC2034 # used by the test cases
# A fake host for storage-hotfix status/verify, made of real modules:
# the pipeline's nvme-loop.ko for 6.12.107+deb13-amd64 installed as DKMS
# would, the distro's modules from the kernel's sysroot, a private copy of
# the pipeline's report, and a fake sysfs.  Sourced by tests/scripts/009-011.

FH_KVER=6.12.107+deb13-amd64
FH_SYSROOT=${SHF_CACHE:-/var/cache/storage-hotfix}/sysroot/$FH_KVER
FH_STOCK=$FH_SYSROOT/usr/lib/modules/$FH_KVER/kernel/drivers/nvme/target
SHF=$SHF_TOP/tools/storage-hotfix

# fh_requires: skip reasons for a test using the fake host
fh_requires() {
	command -v jq >/dev/null || skip "jq is not installed"
	command -v xz >/dev/null || skip "xz is not installed"
	command -v objcopy >/dev/null || skip "objcopy (binutils) is not installed"
	[ -f /usr/include/json-c/json.h ] || skip "libjson-c-dev is not installed (scripts/install-deps)"
	# The kernel's packages are a requirement we can fetch (cached): a
	# fresh CI machine runs this group before the pipeline's.
	[ -f "$FH_STOCK/nvme-loop.ko.xz" ] || "$SHF_TOP/scripts/fetch-kernel" "$FH_KVER" >&2 ||
		skip "no sysroot of $FH_KVER: scripts/fetch-kernel $FH_KVER failed"
	[ -d "${SHF_CACHE:-/var/cache/storage-hotfix}/chroot/trixie" ] ||
		skip "no trixie chroot to build $FH_KVER's modules (scripts/install-deps)"
}

# fh_build: build the tools and the pipeline's modules (warm: seconds);
# sets FH_REPORT (a private copy of the report), FH_OURS, FH_PRISTINE
fh_build() {
	local out report
	make -s -C "$SHF_TOP/tools" storage-hotfix kodiff >&2 || return 1
	out=$("$SHF_TOP/scripts/hotfix-build" all "$FH_KVER" | tail -n 1) || return 1
	report=${out#report: }
	# other runs may rewrite the shared report: work on a snapshot
	mkdir -p "$FH_DIR/work/$FH_KVER"
	FH_REPORT=$FH_DIR/work/$FH_KVER/report-all.json
	cp "$report" "$FH_REPORT" || return 1
	jq -e '.fixes[] | select(.id == "nvme-loop-shutdown") | .verdict == "applies"' \
		"$FH_REPORT" >/dev/null || { echo "$report: nvme-loop-shutdown does not apply" >&2; return 1; }
	FH_OURS=$(jq -r '.fixes[] | select(.id == "nvme-loop-shutdown") | .module_path' "$FH_REPORT")
	FH_PRISTINE=$(jq -r '.fixes[] | select(.id == "nvme-loop-shutdown") | .pristine_module_path' "$FH_REPORT")
	[ -f "$FH_OURS" ] && [ -f "$FH_PRISTINE" ]
}

# fh_root: FH_DIR/root with 6.12.107 (distro modules, ours in updates/dkms)
# and 6.1.0-50-amd64 (nothing of ours, no report)
fh_root() {
	local m=$FH_DIR/root/lib/modules
	mkdir -p "$m/$FH_KVER/updates/dkms" "$m/6.1.0-50-amd64" || return 1
	ln -sfn "$FH_SYSROOT/usr/lib/modules/$FH_KVER/kernel" "$m/$FH_KVER/kernel" &&
	cp "$FH_OURS" "$m/$FH_KVER/updates/dkms/nvme-loop.ko" &&
	FH_INSTALLED=$m/$FH_KVER/updates/dkms/nvme-loop.ko
}

# fh_note MODULE_FILE OUT: the build-id note as /sys/module/*/notes has it
fh_note() {
	local ko=$1
	case $ko in
	*.xz) xz -dc "$ko" > "$FH_DIR/note.ko" && ko=$FH_DIR/note.ko ;;
	esac
	objcopy -O binary --only-section=.note.gnu.build-id "$ko" "$2"
}

# fh_build_id MODULE_FILE: its build-id, in hex
fh_build_id() {
	local ko=$1
	case $ko in
	*.xz) xz -dc "$ko" > "$FH_DIR/id.ko" && ko=$FH_DIR/id.ko ;;
	esac
	readelf -n "$ko" | sed -n 's/^ *Build ID: *//p'
}

# fh_sys ours|stock: FH_DIR/sys: nvme_loop loaded (ours: our build-id and
# an OE taint; stock: the distro's, untainted), nvmet loaded stock,
# nvme_core built in, signatures not enforced, lockdown none
fh_sys() {
	local s=$FH_DIR/sys
	rm -rf "$s"
	mkdir -p "$s/module/nvme_loop/notes" "$s/module/nvmet/notes" \
		"$s/module/nvme_core/parameters" "$s/module/module/parameters" \
		"$s/kernel/security" || return 1
	echo N > "$s/module/module/parameters/sig_enforce"
	echo '[none] integrity confidentiality' > "$s/kernel/security/lockdown"
	echo live > "$s/module/nvme_loop/initstate"
	echo live > "$s/module/nvmet/initstate"
	: > "$s/module/nvmet/taint"
	fh_note "$FH_STOCK/nvmet.ko.xz" "$s/module/nvmet/notes/.note.gnu.build-id" || return 1
	if [ "$1" = ours ]; then
		echo OE > "$s/module/nvme_loop/taint"
		fh_note "$FH_INSTALLED" "$s/module/nvme_loop/notes/.note.gnu.build-id"
	else
		: > "$s/module/nvme_loop/taint"
		fh_note "$FH_STOCK/nvme-loop.ko.xz" "$s/module/nvme_loop/notes/.note.gnu.build-id"
	fi
}

# fh_args: the options pointing storage-hotfix at the fake host
fh_args() {
	FH_ARGS=(--root "$FH_DIR/root" --work "$FH_DIR/work" --data "$SHF_TOP"
		 --sys "$FH_DIR/sys" --running "$FH_KVER")
}

# fh_valgrind CMD...: run under valgrind when it is installed (errors: 9)
fh_valgrind() {
	if command -v valgrind >/dev/null; then
		valgrind -q --error-exitcode=9 --leak-check=full "$@"
	else
		"$@"
	fi
}
