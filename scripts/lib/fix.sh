# shellcheck shell=bash
# Fix units: every top-level folder with a fix.conf. The machinery knows no
# fix by name: what a fix is, where and when it applies, and how to detect
# it is data in its fix.conf; its patches live in patches/SERIES/.

fix_dirs() {
	local conf
	for conf in "$SHF_TOP"/*/fix.conf; do
		[ -f "$conf" ] && dirname "$conf"
	done
}

# fix_load DIR: set FIX_* from DIR/fix.conf (previous values cleared).
fix_load() {
	local v
	for v in ${!FIX_@}; do unset "$v"; done
	# shellcheck source=/dev/null
	. "$1/fix.conf"
	FIX_HOME=$1
	local need
	for need in FIX_ID FIX_TITLE FIX_UPSTREAM FIX_MODULE FIX_BUILD_DIR FIX_PATHS \
		FIX_CONFIG FIX_INTRODUCED FIX_VULNERABLE FIX_FUNCTIONS FIX_STAMP_FILE; do
		[ -n "${!need:-}" ] || die "$1/fix.conf: $need is not set"
	done
	FIX_TEST_OVERRIDE=${FIX_TEST_OVERRIDE:-}
	FIX_FIXED_IN=${FIX_FIXED_IN:-}
}

# fix_by_id ID: the folder of fix ID.
fix_by_id() {
	local d
	for d in $(fix_dirs); do
		(fix_load "$d" && [ "$FIX_ID" = "$1" ]) && { printf '%s\n' "$d"; return 0; }
	done
	die "unknown fix $1" "known: $(for d in $(fix_dirs); do (fix_load "$d"; printf '%s ' "$FIX_ID"); done)"
}

# fix_patch_series SERIES: the patch series to use for a kernel series:
# the same series, else the nearest older one (the dry run, the proof and
# the function-level explanation guard that choice). '' when none.
fix_patch_series() {
	local s best=''
	for s in "$FIX_HOME"/patches/*/; do
		[ -d "$s" ] || continue
		s=$(basename "$s")
		ver_ge "$1" "$s" || continue
		if [ -z "$best" ] || ver_ge "$s" "$best"; then best=$s; fi
	done
	printf '%s\n' "$best"
}

# function_body FILE NAME: the definition of C function NAME in FILE
# (kernel style: the name at the start of a line or after the return type,
# body closed by a '}' in column 0).
function_body() {
	awk -v name="$2" '
		!p && $0 ~ "^[a-z].*[ *]" name "\\(" && $0 !~ /;[[:space:]]*$/ { p = 1 }
		!p && $0 ~ "^" name "\\(" { p = 1 }
		p { print }
		p && /^}/ { exit }
	' "$1"
}

# fix_source_state SRC: "vulnerable: why", "fixed: why" or "unknown: why".
fix_source_state() {
	local src=$1 entry file func re body vuln="" fixed=""
	while IFS= read -r entry; do
		[ -n "$entry" ] || continue
		file=${entry%%:*}
		func=${entry#*:}
		func=${func%%:*}
		re=${entry#*:*:}
		[ -f "$src/$file" ] || { echo "unknown: $file is missing from the source"; return; }
		body=$(function_body "$src/$file" "$func")
		[ -n "$body" ] || { echo "unknown: $func() not found in $file"; return; }
		if grep -Eq -e "$re" <<<"$body"; then
			vuln+="${vuln:+; }$func() matches /$re/"
		else
			fixed+="${fixed:+; }$func() no longer matches /$re/"
		fi
	done <<<"$FIX_VULNERABLE"
	if [ -n "$vuln" ]; then echo "vulnerable: $vuln"; else echo "fixed: $fixed"; fi
}

# fix_plan STATE [forced]: the plan's verdict for the loaded fix (FIX_*)
# on the resolved kernel (K_*), printed as VERDICT<TAB>REASON. STATE is
# what fix_source_state said of the kernel's source ('' when it was not
# read); "forced" skips the config check (a test-only override). Verdicts:
# not-configured, out-of-range, fixed-in-source, refused (the source
# cannot be read), fixed-upstream (source not read, FIX_FIXED_IN says so),
# applies. The one decision hotfix-build and dkms-plan share.
fix_plan() {
	local state=$1 why hint
	if [ "${2:-}" != forced ]; then
		why=$(plan_config)
		[ -z "$why" ] || { printf 'not-configured\t%s\n' "$why"; return 0; }
	fi
	ver_ge "$K_UPSTREAM" "$FIX_INTRODUCED" ||
		{ printf 'out-of-range\tthe bug came in %s; %s predates it\n' "$FIX_INTRODUCED" "$K_UPSTREAM"; return 0; }
	hint=$(fixed_hint)
	case $state in
	fixed:*) printf 'fixed-in-source\t%s%s\n' "${state#fixed: }" "${hint:+ ($hint)}" ;;
	unknown:*) printf 'refused\tcannot tell whether the source is vulnerable: %s\n' "${state#unknown: }" ;;
	vulnerable:*) printf 'applies\tvulnerable source: %s\n' "${state#vulnerable: }" ;;
	*)
		if [ -n "$hint" ]; then
			printf 'fixed-upstream\t%s (source not read)\n' "$hint"
		else
			printf 'applies\tconfig and version match; source not read\n'
		fi
		;;
	esac
}

# plan_config: '' when FIX_CONFIG holds for the kernel (K_CONFIG), else the
# reason it does not. Shared by hotfix-build and dkms-plan.
plan_config() {
	local req sym want have
	for req in $FIX_CONFIG; do
		sym=${req%%=*}
		want=${req#*=}
		have=$(config_value "$sym")
		[ "$have" = "$want" ] || { echo "$sym is ${have:-not set} in $(basename "$K_CONFIG") (needs $want)"; return; }
	done
}

# fixed_hint: where FIX_FIXED_IN says upstream fixed it for K_SERIES /
# K_UPSTREAM, why ('' otherwise).
fixed_hint() {
	local f
	for f in $FIX_FIXED_IN; do
		if [ "$(ver_series "$f")" = "$K_SERIES" ] && ver_ge "$K_UPSTREAM" "$f"; then
			echo "upstream fixed it in $f"
			return
		fi
	done
	f=${FIX_FIXED_IN##* }
	if [ -n "$f" ] && ver_ge "$K_SERIES" "$(ver_series "$f")" && ! [ "$K_SERIES" = "$(ver_series "$f")" ]; then
		echo "series after $f carry the fix"
	fi
}
