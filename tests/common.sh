# shellcheck shell=bash disable=SC2034 # used by the test cases
# Helpers for test cases (sourced by tests/GROUP/NNN).

HOTFIX_BUILD=$SHF_TOP/scripts/hotfix-build

# summary REPORT: one stable line per fix: id verdict proof changed-functions
summary() {
	jq -r '.fixes[] | [.id, .verdict, (.proof.result // "-"),
		((.changed_functions // []) | sort | join(",") | if . == "" then "-" else . end)] | join(" ")' "$1"
}

# lib: source the pipeline's libraries for unit tests.
lib() {
	local l
	# shellcheck source=/dev/null
	. "$SHF_TOP/scripts/lib/common.sh"
	set +o errexit
	for l in "$@"; do
		# shellcheck source=/dev/null
		. "$SHF_TOP/scripts/lib/$l.sh"
	done
}

# expect_fail_with TEXT CMD...: CMD must fail, and say TEXT on stderr.
expect_fail_with() {
	local text=$1 rc=0 errf
	shift
	errf=$(mktemp)
	"$@" >/dev/null 2>"$errf" || rc=$?
	cat "$errf" >&2
	if [ "$rc" -eq 0 ]; then
		echo "expected failure, got success: $*" >&2
		rm -f "$errf"
		return 1
	fi
	if ! grep -qF -- "$text" "$errf"; then
		echo "expected the message '$text'" >&2
		rm -f "$errf"
		return 1
	fi
	rm -f "$errf"
}

# check_stamp REPORT: every built module says what it is, and the
# pristine one does not.
check_stamp() {
	local id mod pristine
	while read -r id mod pristine; do
		modinfo -F hotfix "$mod" | grep -q "^$id upstream=" || { echo "$mod: no hotfix stamp" >&2; return 1; }
		[ -z "$(modinfo -F hotfix "$pristine")" ] || { echo "$pristine: stamped" >&2; return 1; }
		echo "$id: modinfo hotfix: $(modinfo -F hotfix "$mod" | sed 's/storage-hotfix=[^ ]*/storage-hotfix=VERSION/')"
	done < <(jq -r '.fixes[] | select(.module_path) | "\(.id) \(.module_path) \(.pristine_module_path)"' "$1")
}
