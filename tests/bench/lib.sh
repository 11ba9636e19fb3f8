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
	printf '```\n\n'
	bench_coverage_section "$coverage"
}

# bench_coverage_section COVERAGE_JSON: the page's last section, the
# coverage run's timings: per job mode, and per build tree kind for the
# jobs that built (the speed goals of issue 11: a kernel with headers, a
# kernel whose tree is prepared from the source).
# shellcheck disable=SC2016 # Markdown backticks, not expansions
bench_coverage_section() {
	local coverage=$1
	printf '## Coverage of the archive (`make coverage`)\n\n'
	if [ ! -f "$coverage" ]; then
		printf 'No docs/coverage.json: run `make coverage`.\n'
		return 0
	fi
	jq -r 'def median: .[length / 2 | floor];
		def stats: sort as $s | if ($s | length) == 0 then "| - | - | - | - |"
			else "| \($s | length) | \($s | add | round) | \($s | median) | \($s[0]) .. \($s | last) |" end;
		# The median seconds of fix ID where it applied in the kernels given, and their count.
		def fix_median($id): [.[] | .fixes[] | select(.id == $id and .verdict == "applies" and .seconds != null) | .seconds] | sort |
			if length > 0 then "\(median) (\(length))" else "-" end;
		def tree: if .build_tree == null then "-"
			elif (.build_tree | startswith("linux-headers-")) then
				(if (.build_tree | test("by pool path")) then "headers package (by pool path)" else "headers package (signed index)" end)
			elif (.build_tree | test("prepared from")) then "prepared from the source (no headers)"
			else "none" end;
		"From docs/coverage.json, generated \(.generated) by storage-hotfix \(.storage_hotfix); its jobs ran on \([.kernels[].date // empty | .[0:10]] | unique | join(", ")).",
		"",
		.summary_line,
		"",
		"Seconds per kernel job, as the job recorded them (download, sysroot, plan, and for full jobs source, prove, patch, explain of every fix that applies), with the load each job saw in its `load` field.",
		"",
		"| mode | kernels | seconds, sum | median | min .. max |",
		"|---|---|---|---|---|",
		([.kernels[] | select(.seconds != null)] | group_by(.mode)[] | "| \(.[0].mode) \([.[].seconds] | stats)"),
		"",
		"Full jobs where a fix applied (and was built), by the build tree they used; per fix that applied, the median seconds of its `hotfix-build all` (source, prove, patch, explain; the first fix of a kernel without headers also prepares the tree) and, in brackets, how many kernels:",
		"",
		"| build tree | kernels | seconds, sum | median | min .. max | nvme-loop-shutdown median | nvmet-auth-tls-key median |",
		"|---|---|---|---|---|---|---|",
		([.kernels[] | select(.mode == "full" and .seconds != null and ([.fixes[] | select(.verdict == "applies" and .seconds != null)] | length) > 0) | . + {kind: tree}] |
			group_by(.kind)[] |
			"| \(.[0].kind) \([.[].seconds] | stats) \(fix_median("nvme-loop-shutdown")) | \(fix_median("nvmet-auth-tls-key")) |")' "$coverage"
}
