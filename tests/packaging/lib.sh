# shellcheck shell=bash
# Helpers of the packaging tests (sourced by tests/packaging/NNN).

PKG_DIST=${SHF_PKG_DIST:-$SHF_TOP/dist}
# Chroots with dkms and a Debian kernel, for the real DKMS runs: keyed by
# suite and kernel, outside $SHF_CACHE/chroot (whose chroots the pipeline
# takes as build chroots), never modified by a test (each run works in an
# overlay on top).
PKG_CHROOTS=${SHF_PKG_CHROOTS:-${SHF_CACHE:-/var/cache/storage-hotfix}/chroot-dkms}

# pkg_built KIND: the packages of KIND (deb|rpm) from `make KIND`, built
# once per test run (SHF_PKG_REBUILD=1 forces).
pkg_built() {
	local stamp=$PKG_DIST/$1/.built-by-tests
	if [ -n "${SHF_PKG_REBUILD:-}" ] || [ ! -f "$stamp" ] || [ -n "$(find "$SHF_TOP" -path "$PKG_DIST" -prune -o \
		-newer "$stamp" -type f \( -path '*/scripts/*' -o -path '*/debian/*' -o -path '*/rpm/*' -o -name dkms.conf.in -o \
		-name VERSION -o -path '*/tools/*.c' -o -name fix.conf -o -name '*.patch' \) -print -quit 2>/dev/null)" ]; then
		"$SHF_TOP/scripts/build-packages" "$1" "$PKG_DIST" >&2 || return 1
		touch "$stamp"
	fi
}

# dkms_chroot SUITE KVER [EXTRA_SUITE]: a chroot of SUITE with dkms, KVER's
# image and headers, and what storage-hotfix-dkms depends on; prints its
# folder. EXTRA_SUITE (e.g. bookworm-backports) is added to its sources,
# on this machine's mirror of it (archive_base).
dkms_chroot() {
	local suite=$1 kver=$2 extra=${3:-}
	(
		# shellcheck source=/dev/null # not followed: it sets globals for this subshell only
		. "$SHF_TOP/scripts/lib/common.sh"
		# shellcheck source=/dev/null
		. "$SHF_TOP/scripts/lib/archive.sh"
		# shellcheck source=/dev/null
		. "$SHF_TOP/scripts/lib/chroot.sh"
		chroot_make "$suite" "$PKG_CHROOTS/$suite-$kver" "make,apt,ca-certificates,debian-archive-keyring" >&2
		if [ -n "$extra" ]; then
			local base kind=archive
			case $extra in *-security) kind=security ;; esac
			base=$(archive_base "$kind") || exit 1
			# The chroot trusts Debian's keyring (debian-archive-keyring).
			printf 'deb %s %s main\n' "${base%% *}" "$extra" \
				>"$PKG_CHROOTS/$suite-$kver/etc/apt/sources.list.d/$extra.list"
		fi
		chroot_complete "$PKG_CHROOTS/$suite-$kver" \
			"dkms,linux-headers-$kver,linux-image-$kver,openssl,jq,curl,binutils,libelf-dev,patch,xz-utils,zstd,kmod,libjson-c5" >&2
		# The downloaded .debs are not needed again (about 300 MB).
		chroot "$PKG_CHROOTS/$suite-$kver" apt-get clean
	) || return 1
	printf '%s\n' "$PKG_CHROOTS/$suite-$kver"
}

# in_overlay DIR CMD...: run CMD (a shell script as one argument, with the
# further arguments as $1...) inside chroot DIR seen through a throwaway
# overlay, with /proc and the shared download cache ($SHF_CACHE, keyed and
# verified) at their usual paths.
in_overlay() {
	local dir=$1 ov
	shift
	ov=$(mktemp -d "${TMPDIR:-/tmp}/shf-overlay.XXXXXX")
	mkdir -p "$ov/upper" "$ov/work" "$ov/root"
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare --mount --propagation private /bin/bash -c '
		set -e
		dir=$1 ov=$2; shift 2
		mount -t overlay overlay -o "lowerdir=$dir,upperdir=$ov/upper,workdir=$ov/work" "$ov/root"
		mount -t proc proc "$ov/root/proc"
		mount --bind /dev "$ov/root/dev"
		mkdir -p "$ov/root$SHF_CACHE"
		mount --bind "$SHF_CACHE" "$ov/root$SHF_CACHE"
		[ -z "${SHF_PKG_BIND:-}" ] || { mkdir -p "$ov/root/mnt/pkg"; mount --bind "$SHF_PKG_BIND" "$ov/root/mnt/pkg"; }
		exec chroot "$ov/root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
			SHF_CACHE="$SHF_CACHE" DEBIAN_FRONTEND=noninteractive /bin/bash -c "$1" in-chroot "${@:2}"
	' in_overlay "$dir" "$ov" "$@"
	local rc=$?
	rm -rf "$ov"
	return $rc
}

# dkms_install_remove CHROOT KVER DEBDIR: in a throwaway overlay of CHROOT,
# apt install DEBDIR/deb/storage-hotfix-dkms_*.deb (dh_dkms's postinst:
# dkms add, build, install for KVER through our PRE_BUILD and MAKE), show
# what modinfo and modprobe resolve, DKMS's signature and the make.log
# steps; apt remove it, and check that the stock module is back, unchanged.
dkms_install_remove() {
	# shellcheck disable=SC2016 # runs in the chroot
	SHF_PKG_BIND=$3 in_overlay "$1" '
		set -e -o pipefail
		K=$1
		stock=$(modinfo -k "$K" -n nvme-loop)
		stock_sum=$(sha256sum "$stock" | cut -d" " -f1)
		echo "dkms $(dpkg-query -W -f "\${Version}" dkms); stock: $stock"
		apt-get install -y -q --no-install-recommends /mnt/pkg/deb/storage-hotfix-dkms_*_all.deb >/tmp/apt.log 2>&1 ||
			{ cat /tmp/apt.log >&2; cat /var/lib/dkms/storage-hotfix/*/build/make.log >&2 || true; exit 1; }
		cat /tmp/apt.log >&2
		echo "after apt install:"
		dkms status | sed "s/^/  dkms status: /"
		mod=$(modinfo -k "$K" -n nvme-loop)
		echo "  modinfo -n: $mod"
		echo "  hotfix: $(modinfo -k "$K" -F hotfix nvme-loop | sed "s/storage-hotfix=[^ ]*/storage-hotfix=VERSION/")"
		echo "  signer: $(modinfo -k "$K" -F signer nvme-loop)"
		echo "  DKMS key: $(openssl x509 -inform DER -in /var/lib/dkms/mok.pub -noout -subject | sed "s/^subject=//")"
		echo "  modprobe: $(modprobe -S "$K" --show-depends nvme-loop | grep -o "[^ ]*nvme-loop[^ ]*")"
		if [ -f "$stock" ]; then echo "  stock file: still in place"; else echo "  stock file: moved aside by DKMS"; fi
		case $mod in */updates/dkms/nvme-loop.ko*) ;; *) echo "our module is not what modinfo resolves" >&2; exit 1 ;; esac
		modinfo -k "$K" -F hotfix nvme-loop | grep -q "^nvme-loop-shutdown " || { echo "no hotfix stamp" >&2; exit 1; }
		log=$(ls /var/lib/dkms/storage-hotfix/*/"$K"/x86_64/log/make.log)
		grep "^==> \(prove\|patch\|explain\) nvme-loop\|^==> summary" "$log" | sed "s/ ([0-9.]* s)//; s/^/  make.log: /"
		apt-get remove -y -q storage-hotfix-dkms >/tmp/apt.log 2>&1 || { cat /tmp/apt.log >&2; exit 1; }
		cat /tmp/apt.log >&2
		echo "after apt remove:"
		echo "  dkms status: $(dkms status | wc -l) entries"
		mod=$(modinfo -k "$K" -n nvme-loop)
		echo "  modinfo -n: $mod"
		echo "  hotfix: $(modinfo -k "$K" -F hotfix nvme-loop)"
		echo "  modprobe: $(modprobe -S "$K" --show-depends nvme-loop | grep -o "[^ ]*nvme-loop[^ ]*")"
		[ "$mod" = "$stock" ] && [ "$(sha256sum "$mod" | cut -d" " -f1)" = "$stock_sum" ]
		echo "  the stock module, unchanged (sha256)"
		if [ -d /lib/modules/"$K"/updates/dkms ]; then
			ls /lib/modules/"$K"/updates/dkms/ | sed "s/^/  left in updates\/dkms: /"
		fi
	' "$2"
}
