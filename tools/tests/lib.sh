# shellcheck shell=bash
# The harness shared by tools/tests/run.sh (kodiff) and
# tools/cli/tests/run.sh (storage-hotfix): TAP-like "ok"/"not ok"/"skip"
# lines and a count. The runner sets TOOL (the binary) and WRAP (an
# array: a command to run it under, e.g. valgrind) before sourcing.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
skipped=0
skip_reason=''
rc=0 out='' err=''

# run_tool ARGS...: run TOOL; sets rc, out (stdout), err (stderr)
run_tool() {
	rc=0
	"${WRAP[@]}" "$TOOL" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}

# skip REASON: called by a test function (then return 0) that cannot run
skip() {
	skip_reason=$1
}

# check NAME FUNCTION: one test case; FUNCTION fails on a wrong result,
# or calls skip and returns 0 when it cannot run here. A failure shows
# the last run_tool's exit status and output.
check() {
	local r=0 l
	skip_reason=''
	"$2" || r=$?
	if [ "$r" = 0 ] && [ -n "$skip_reason" ]; then
		echo "skip $1 ($skip_reason)"
		skipped=$((skipped + 1))
	elif [ "$r" = 0 ]; then
		echo "ok $1"
		passed=$((passed + 1))
	else
		echo "not ok $1"
		echo "# exit $rc"
		[ -z "$out" ] || while IFS= read -r l; do
			echo "# stdout: $l"
		done <<< "$out"
		[ -z "$err" ] || while IFS= read -r l; do
			echo "# stderr: $l"
		done <<< "$err"
		failed=$((failed + 1))
	fi
}

# finish: the count; fails when a case failed
finish() {
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" = 0 ]
}
