# shellcheck shell=bash disable=SC2034 # used by the test cases
# Helpers for test cases (sourced by tests/GROUP/NNN).

HOTFIX_BUILD=$SHF_TOP/scripts/hotfix-build

# summary REPORT: one stable line per fix: id verdict proof changed-functions
summary() {
	jq -r '.fixes[] | [.id, .verdict, (.proof.result // "-"),
		((.changed_functions // []) | sort | join(",") | if . == "" then "-" else . end)] | join(" ")' "$1"
}

# proven REPORT: per fix, the distro modules its source reproduced.
proven() {
	jq -r '.fixes[] | select(.proof) | "\(.id) proven: \([.proof.modules[] | select(.result == "identical") | .module] | join(","))"' "$1"
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

# recompiled REPORT: per fix, the objects its patched build compiled (it
# starts from the pristine build: only what the patch touched, and the
# module's .mod.o).
recompiled() {
	local id mod d
	while read -r id mod; do
		d=${mod%/*}
		while [ "$d" != / ] && [ ! -f "$d/build.log" ]; do d=${d%/*}; done
		[ -f "$d/build.log" ] || { echo "$mod: no build.log above it" >&2; return 1; }
		echo "$id recompiled: $(sed -n 's|^ *CC \[M\] *.*/||p' "$d/build.log" | sort | paste -sd' ')"
	done < <(jq -r '.fixes[] | select(.module_path) | "\(.id) \(.module_path)"' "$1")
}

# repro KVER STOCK_BOOTS ITERATIONS [--test-override]: build our nvme-loop
# with the pipeline, then run the lab reproducer: every stock boot must
# crash with the known signature, ours must pass every reset.
repro() {
	local kver=$1 boots=$2 iter=$3 out report mod stock json
	shift 3
	out=$("$HOTFIX_BUILD" all "$kver" --fix nvme-loop-shutdown "$@") || return 1
	report=${out#report: }
	mod=$(jq -r '.fixes[0].module_path' "$report")
	stock=()
	# Test-only override builds: the distro ships no stock module.
	[ $# -eq 0 ] || stock=(--stock-module "$(jq -r '.fixes[0].pristine_module_path' "$report")")
	# The report stays where tests/lab/summary reads it.
	json=${SHF_WORK:-/var/lib/storage-hotfix}/lab/reports/nvme-loop-$kver.json
	"$SHF_TOP/tests/lab/nvme-loop-repro" --kver "$kver" --module "$mod" "${stock[@]}" \
		--stock-boots "$boots" --iterations "$iter" --json "$json" >&2 || return 1
	jq -r '.runs[] | "\(.variant) boot \(.boot): \(.outcome)" +
		(if .variant == "stock" then " signature=\(.signature_match) \(.first_oops)" else " resets_ok=\(.resets_ok)/\(.iterations)" end)' "$json"
	jq -e '[.runs[] | select(.variant == "stock") | .outcome == "crash" and .signature_match] | all' "$json" >/dev/null &&
		jq -e '[.runs[] | select(.variant == "ours") | .outcome == "pass" and .resets_ok == .iterations] | all' "$json" >/dev/null
}

# nvmet_auth_lab KVER: build KVER's fixes, then tests/lab/nvmet-auth-repro
# (stock, each half of the upstream pair, ours; 10 re-authentications) and
# print one line per boot.
nvmet_auth_lab() {
	local out report json
	out=$("$HOTFIX_BUILD" all "$1") || return 1
	report=${out#report: }
	json=${SHF_WORK:-/var/lib/storage-hotfix}/lab/reports/nvmet-auth-$1.json
	"$SHF_TOP/tests/lab/nvmet-auth-repro" --kver "$1" --iterations 10 \
		--module "$(jq -r '.fixes[] | select(.id == "nvmet-auth-tls-key") | .module_path' "$report")" \
		--json "$json" >&2 || return 1
	jq -r '.runs[] | "\(.variant): \(.outcome) reauth_ok=\(.reauth_ok) first_fail=\(.first_fail)"' "$json"
}

# nfsd_ssc_lab KVER STOCK_BOOTS: build nfsd-ssc-expire for KVER with the
# test-only override, then tests/lab/nfsd-ssc-repro: STOCK_BOOTS boots of
# the pristine module (3 race attempts each) and one of ours (20).
# NFSD_SSC_JSON is the driver's summary; returns the driver's status
# (2: unreachable on every boot).
nfsd_ssc_lab() {
	local out report rc=0
	out=$("$HOTFIX_BUILD" all "$1" --fix nfsd-ssc-expire --test-override) || return 1
	report=${out#report: }
	NFSD_SSC_JSON=${SHF_WORK:-/var/lib/storage-hotfix}/lab/reports/nfsd-ssc-$1.json
	"$SHF_TOP/tests/lab/nfsd-ssc-repro" --kver "$1" --stock-boots "$2" --stock-iterations 3 --iterations 20 \
		--module "$(jq -r '.fixes[0].module_path' "$report")" \
		--stock-module "$(jq -r '.fixes[0].pristine_module_path' "$report")" \
		--json "$NFSD_SSC_JSON" >&2 || rc=$?
	return "$rc"
}

# nfsd_ssc_runs: one line per boot of NFSD_SSC_JSON (reachable kernels).
nfsd_ssc_runs() {
	jq -r '.runs[] | "\(.variant) boot \(.boot): \(.outcome)" +
		(if .variant == "stock" then " on attempt \(.attempts)" else " \(.iterations_ok)/\(.iterations) attempts, copy_ok=\(.copy_ok)" end)' "$NFSD_SSC_JSON"
}
