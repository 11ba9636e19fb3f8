# shellcheck shell=bash
# The pipeline's report contract (README "The report"), the shell side;
# tools/cli/shf.c's shf_report_load() is the C reader of the same file.
# Each hotfix-build run writes report-STEP[-FIX].json, the result of that
# run; report_merge folds it into the kernel's stable report.json, which
# holds the latest result of every fix whatever step or --fix produced it.

# Fields are only added within a schema; a reader refuses another one.
REPORT_SCHEMA=1

# report_path WORK KVER: the stable report of KVER.
report_path() { printf '%s/%s/report.json\n' "$1" "$2"; }

# report_merge RUN STABLE: STABLE gets RUN's kernel-level fields and, per
# fix, RUN's entry where RUN has one (fixes in fix-folder order as RUN,
# then those only STABLE has). Written whole, then renamed: a reader sees
# the old file or the new one. The caller holds the kernel's lock.
report_merge() {
	local run=$1 stable=$2
	if [ -f "$stable" ] && jq -e --argjson s "$REPORT_SCHEMA" '.schema == $s' "$stable" >/dev/null 2>&1; then
		jq --slurpfile old "$stable" '
			. as $new | ($new.fixes | map(.id)) as $ids |
			.fixes = ($new.fixes + [$old[0].fixes[] | select(.id as $i | $ids | index($i) | not)]) |
			del(.step)' "$run" >"$stable.tmp"
	else
		jq 'del(.step)' "$run" >"$stable.tmp"
	fi
	mv "$stable.tmp" "$stable"
}

# report_fix_field STABLE ID FIELD: FIELD (a jq path such as .module_path)
# of fix ID in report STABLE, or nothing.
report_fix_field() {
	jq -r --arg id "$2" ".fixes[] | select(.id == \$id) | $3 // empty" "$1" 2>/dev/null
}

# report_shippable STABLE: the fixes of report STABLE that the channel may
# ship, one id per line: they apply, their source rebuilt the distro's
# modules identically, the patch changed only declared functions, and the
# module was built.
report_shippable() {
	jq -r '.fixes[] | select(.verdict == "applies" and .proof.result == "identical"
		and ((.explain.unexpected // []) | length) == 0 and (.module_path | type) == "string") | .id' "$1"
}
