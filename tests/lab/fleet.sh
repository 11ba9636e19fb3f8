# shellcheck shell=bash
# Sourced by tests/matrix/021: a small fleet of full Debian guests
# (tests/lab/mkrootfs --set fleet: the prebuilt host plus sshd and python3)
# booted at the same time, each reachable over SSH on a 127.0.0.1 port, for
# the Ansible role in ansible/ to manage from this host.
#
#   fleet_share DIR KVER...   the hotfix channel (prebuilt packages of each
#                             KVER, the CLI and DKMS packages, signed) and
#                             this run's SSH keys in DIR (the guests' /lab/share)
#   fleet_boot NAME KVER PORT ROLE   start one guest (tests/cases/fleet/001)
#   fleet_wait_ssh NAME PORT         wait until its sshd answers with our key
#   fleet_ssh PORT CMD...            run CMD in that guest as root
#   fleet_stop NAME PORT             tell its case to end; wait for its result
#
# The caller holds the lab's qemu lock ($SHF_CACHE/lab/qemu.lock) for the
# whole fleet: run-guest --no-lock (one fleet is one lab run).

FLEET_MEM=${SHF_FLEET_MEM:-1024}
FLEET_SMP=${SHF_FLEET_SMP:-1}

# fleet_share DIR KVER...: see above. DIR/ssh/: host_ed25519 (the guests'
# host key), id_ed25519 (the controller's key) and its .pub, made here for
# this run only; DIR/hotfix.list: the channel's apt lines.
fleet_share() {
	local dir=$1 pb
	shift
	pb=$(mktemp -d)
	if ! "$SHF_TOP/scripts/build-prebuilt" --out "$pb/out" "$@" >"$pb/build.log" 2>&1; then
		cat "$pb/build.log" >&2
		rm -rf "$pb"
		return 1
	fi
	# shellcheck source=tests/lab/dkms.sh
	. "$SHF_TOP/tests/lab/dkms.sh"
	dkms_channel "$dir" "$pb/out/suites.tsv" || { rm -rf "$pb"; return 1; }
	sed "s|$pb/out/||" "$pb/out/suites.tsv"
	rm -rf "$pb"
	mkdir -p "$dir/ssh" "$dir/cases"
	ssh-keygen -q -t ed25519 -N '' -C fleet-host -f "$dir/ssh/host_ed25519" || return 1
	ssh-keygen -q -t ed25519 -N '' -C fleet-controller -f "$dir/ssh/id_ed25519" || return 1
	# The private controller key stays on this side: the guests see a copy
	# of the public half only.
	mkdir -p "$dir/../controller"
	mv "$dir/ssh/id_ed25519" "$dir/../controller/id_ed25519"
	cp "$SHF_TOP/tests/cases/dkms/lib" "$dir/cases/lib"
}

# fleet_boot NAME KVER PORT ROLE: boot the guest in the background; its
# run-guest output goes to FLEET_DIR/NAME.out, its pid to FLEET_DIR/NAME.pid.
fleet_boot() {
	local name=$1 kver=$2 port=$3 role=$4
	SHF_LAB_ROOTFS_SET=fleet "$SHF_TOP/tests/lab/run-guest" --rootfs --no-lock --kver "$kver" \
		--case "$SHF_TOP/tests/cases/fleet/001" --share "$FLEET_DIR/share" \
		--mem "$FLEET_MEM" --smp "$FLEET_SMP" --ssh-port "$port" --timeout "${FLEET_TIMEOUT:-5400}" \
		--param role="$role" --param name="$name" --param hung_timeout=120 \
		--log "$FLEET_DIR/$name.log" >"$FLEET_DIR/$name.out" 2>&1 &
	echo $! >"$FLEET_DIR/$name.pid"
}

# fleet_ssh PORT CMD...: CMD as root in the guest behind 127.0.0.1:PORT.
fleet_ssh() {
	local port=$1
	shift
	ssh -n -o BatchMode=yes -o ConnectTimeout=10 -o UserKnownHostsFile="$FLEET_DIR/known_hosts" \
		-o StrictHostKeyChecking=yes -o LogLevel=ERROR -i "$FLEET_DIR/controller/id_ed25519" \
		-p "$port" root@127.0.0.1 "$@"
}

# fleet_wait_ssh NAME PORT [SECONDS]: wait until the guest's sshd lets us
# in (and is the host key we made); fails when its run-guest ended first.
fleet_wait_ssh() {
	local name=$1 port=$2 max=${3:-600} t=0
	while [ "$t" -lt "$max" ]; do
		fleet_ssh "$port" true 2>/dev/null && return 0
		kill -0 "$(cat "$FLEET_DIR/$name.pid")" 2>/dev/null || {
			echo "$name: the guest ended before its sshd answered:" >&2
			tail -n 20 "$FLEET_DIR/$name.out" "$FLEET_DIR/$name.log" >&2
			return 1
		}
		sleep 5
		t=$((t + 5))
	done
	echo "$name: no sshd on 127.0.0.1:$port after ${max}s" >&2
	return 1
}

# fleet_stop NAME PORT: the case ends once /run/fleet/done exists (it then
# checks its client and exits); wait for run-guest. Returns run-guest's
# status (0 pass).
fleet_stop() {
	local name=$1 port=$2 rc=0
	fleet_ssh "$port" 'touch /run/fleet/done' 2>/dev/null || echo "$name: cannot reach it to stop it" >&2
	wait "$(cat "$FLEET_DIR/$name.pid")" || rc=$?
	return "$rc"
}
