# shellcheck shell=bash
# Shared by the bench drivers (tests/bench/*): where results go, and the
# machine's state next to every sample, so a number can be judged.

SHF_BENCH=${SHF_BENCH:-$SHF_WORK/bench}

# bench_host_note: one line about the machine: cores, load, other guests.
bench_host_note() {
	printf 'nproc=%s loadavg=%s qemu processes running=%s\n' \
		"$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(pgrep -c qemu-system || true)"
}

# bench_load_note WHAT: the load average on stderr, with what is starting.
bench_load_note() { info "$1: loadavg $(cut -d' ' -f1-3 /proc/loadavg)"; }

# bench_load1: the 1-minute load average.
bench_load1() { cut -d' ' -f1 /proc/loadavg; }
