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

# bench_markdown SUMMARY COVERAGE_JSON SAMPLE...: the bench page: the
# summary's table (its last line, the JSON's path, left out), the sample
# files it read with their dates, and the coverage run's timings.
# shellcheck disable=SC2016 # Markdown backticks, not expansions
bench_markdown() {
	local summary=$1 coverage=$2 f
	shift 2
	printf '# Benchmarks\n\n'
	printf 'Written by `make bench` (tests/bench/summary --markdown) on %s, storage-hotfix %s (commit %s).\n' \
		"$(date -u +%Y-%m-%d)" "$SHF_VERSION" "$(git -C "$SHF_TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)"
	printf 'Numbers are what the runs measured on this machine; each block says when\nand under what load. Nothing here is a pass/fail goal.\n\n'
	printf '## Build, runtime parity, swap downtime\n\n'
	printf 'Samples (under `$SHF_WORK/bench`, written when measured):\n\n'
	for f in "$@"; do
		printf -- '- %s, %s\n' "$(basename "$f")" "$(date -u -r "$f" '+%Y-%m-%d %H:%M UTC')"
	done
	printf '\n```text\n'
	sed '$d' "$summary"
	printf '```\n\n## Coverage of the archive (`make coverage`)\n\n'
	if [ ! -f "$coverage" ]; then
		printf 'No docs/coverage.json: run `make coverage`.\n'
		return 0
	fi
	jq -r '"From docs/coverage.json, generated \(.generated) by storage-hotfix \(.storage_hotfix).",
		"",
		.summary_line,
		"",
		"| mode | kernels | seconds, sum | median | max |",
		"|---|---|---|---|---|",
		([.kernels[] | select(.seconds != null) | {m: .mode, s: .seconds}] | group_by(.m)[] |
			(map(.s) | sort) as $s |
			"| \(.[0].m) | \($s | length) | \($s | add | round) | \($s[($s | length) / 2 | floor]) | \($s | last) |"),
		"",
		"Seconds per kernel job, as the job recorded them (download, sysroot, plan, and for full jobs source, prove, patch, explain of every fix that applies), with the load each job saw in its `load` field."' "$coverage"
}
