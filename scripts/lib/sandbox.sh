# shellcheck shell=bash
# The sandbox every build of a kernel source runs in. A source's Makefiles
# are code from outside (an operator's tarball, a drop folder), so make
# never runs as root: it runs as SHF_BUILD_UID:SHF_BUILD_GID (default
# 65534, nobody) with no capabilities and no_new_privs, in its own mount,
# network (no interface up), pid, ipc and uts namespaces. Every mount it
# sees is read-only except the folders bound "rw" for its output; /tmp,
# /var/tmp, /dev/shm and /run are empty tmpfs; the cache, the work folder
# and the keys are empty tmpfs with only the "ro" binds put back.

SHF_BUILD_UID=${SHF_BUILD_UID:-65534}
SHF_BUILD_GID=${SHF_BUILD_GID:-65534}

# sandbox_run ROOT BINDS CMD...: run CMD in a sandbox; ROOT is a build
# chroot ('' for the host's /). BINDS is a space-separated list of
# "ro:FROM=TO" and "rw:FROM=TO": folder FROM is seen at TO (under ROOT).
# The rw folders belong to the build user while CMD runs, and to root
# again (symlinks not followed, setuid bits cleared by chown) once every
# process of the sandbox is gone. CMD's exit status.
sandbox_run() {
	local root=$1 binds=$2 b rc=0
	shift 2
	case $SHF_BUILD_UID:$SHF_BUILD_GID in
	0:* | *:0 | *[!0-9:]* | :* | *:) die "SHF_BUILD_UID/SHF_BUILD_GID must be numeric and not 0 (root): $SHF_BUILD_UID:$SHF_BUILD_GID" ;;
	esac
	for b in $binds; do
		case $b in
		rw:*) b=${b#rw:}; chown -R -h "$SHF_BUILD_UID:$SHF_BUILD_GID" "${b%%=*}" ;;
		ro:*) ;;
		*) die "sandbox_run: bind '$b' is neither ro:FROM=TO nor rw:FROM=TO" ;;
		esac
	done
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare --mount --net --pid --ipc --uts --fork --kill-child --propagation private /bin/bash -c '
		set -e
		root=$1 binds=$2 uid=$3 gid=$4 cache=$5 work=$6 keys=$7
		shift 7
		mounts=$(awk '\''$5 !~ /^\/(proc|dev)(\/|$)/ && $5 !~ /\\/ { print $5 }'\'' /proc/self/mountinfo)
		# Binds are taken before anything is hidden, staged in /run.
		mount -t tmpfs -o mode=0755 shf-sandbox /run
		i=0
		for b in $binds; do
			spec=${b#*:}
			mkdir -p "/run/stage/$i"
			mount --bind "${spec%%=*}" "/run/stage/$i"
			# A target outside the hidden folders is made before / turns read-only.
			mkdir -p "$root${spec#*=}" 2>/dev/null || true
			i=$((i + 1))
		done
		for m in $mounts; do mount -o remount,bind,ro "$m" 2>/dev/null || true; done
		if [ -z "$root" ]; then
			for p in /tmp /var/tmp /dev/shm; do
				[ -d "$p" ] && mount -t tmpfs -o mode=1777,nosuid,nodev shf-sandbox "$p"
			done
			for p in "$cache" "$work" "$keys"; do
				[ -n "$p" ] && [ -d "$p" ] && mount -t tmpfs -o mode=0755,nosuid,nodev shf-sandbox "$p"
			done
			mount -t proc -o nosuid,nodev,noexec proc /proc
		else
			mount -t tmpfs -o mode=1777,nosuid,nodev shf-sandbox "$root/tmp"
			mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
		fi
		i=0
		for b in $binds; do
			spec=${b#*:}
			mkdir -p "$root${spec#*=}"
			mount --move "/run/stage/$i" "$root${spec#*=}"
			[ "${b%%:*}" = rw ] || mount -o remount,bind,ro,nosuid,nodev "$root${spec#*=}"
			i=$((i + 1))
		done
		umount -l /run/stage 2>/dev/null || true
		drop=(setpriv --reuid="$uid" --regid="$gid" --clear-groups --no-new-privs --inh-caps=-all --bounding-set=-all --
			env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/nonexistent TMPDIR=/tmp LC_ALL=C)
		[ -z "$root" ] || drop=(chroot "$root" "${drop[@]}")
		# This shell stays the init of the pid namespace: an init gets only
		# the signals it handles, so a command run by exec here (make) would
		# outlive a TERM (the re-raise of its handler is dropped), keep
		# running and keep open files of the caller (a lock). This shell
		# passes TERM on; when it exits, the kernel kills all that is left
		# in the namespace.
		"${drop[@]}" "$@" &
		child=$!
		trap "kill -TERM $child 2>/dev/null" TERM INT HUP
		rc=0
		wait "$child" || rc=$?
		while kill -0 "$child" 2>/dev/null; do rc=0; wait "$child" || rc=$?; done
		exit "$rc"
	' sandbox "$root" "$binds" "$SHF_BUILD_UID" "$SHF_BUILD_GID" "$SHF_CACHE" "$SHF_WORK" "$SHF_KEYS" "$@" || rc=$?
	for b in $binds; do
		case $b in rw:*) b=${b#rw:}; chown -R -h 0:0 "${b%%=*}" ;; esac
	done
	return "$rc"
}
