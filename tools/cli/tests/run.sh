#!/bin/bash
# Tests of the storage-hotfix command on small objects built here: diff,
# and status/verify on a fake root, sysfs, report and fix folders (two
# made-up fixes: fixes are data).  Real modules: tests/scripts/009-011.
#   usage: cli/tests/run.sh [path/to/storage-hotfix]
#   SHF_WRAP="valgrind ..." runs every storage-hotfix call under it.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
TOOL=$(realpath "${1:-$here/../../storage-hotfix}")
cases=$here/../../tests/cases
cc=${CC:-gcc}
read -r -a WRAP <<< "${SHF_WRAP:-}"
# shellcheck source-path=SCRIPTDIR source=../../tests/lib.sh
. "$here/../../tests/lib.sh"

# sh ARGS...: run storage-hotfix; sets rc, out (stdout), err (stderr)
sh() { run_tool "$@"; }

# mod NAME V STAMP: a module-like object $tmp/NAME.V.ko from cases/calls.c
# (-DV=V) with a .modinfo (name=, hotfix=STAMP if not empty) and a
# build-id, as ld -r makes a .ko
mod() {
	local name=$1 v=$2 stamp=$3
	{
		printf 'static const char n[] __attribute__((section(".modinfo"), used, aligned(1))) = "name=%s";\n' "$name"
		[ -z "$stamp" ] ||
			printf 'static const char h[] __attribute__((section(".modinfo"), used, aligned(1))) = "hotfix=%s";\n' "$stamp"
	} > "$tmp/modinfo.c"
	"$cc" -O2 -c -DV="$v" "$cases/calls.c" -o "$tmp/code.o" &&
	"$cc" -O2 -c "$tmp/modinfo.c" -o "$tmp/modinfo.o" &&
	ld -r --build-id=sha1 "$tmp/code.o" "$tmp/modinfo.o" -o "$tmp/$name.$v.ko"
}

# the GNU build-id note of an object, as sysfs shows it
note_of() {
	objcopy -O binary --only-section=.note.gnu.build-id "$1" "$2"
}

t_usage() {
	sh && [ "$rc" = 2 ] && grep -q '^usage: storage-hotfix' <<< "$err" &&
	sh --help && [ "$rc" = 0 ] && grep -q '^  status' <<< "$out" &&
	sh frobnicate && [ "$rc" = 2 ] &&
	grep -q 'unknown command "frobnicate"' <<< "$err" &&
	sh status --frobnicate && [ "$rc" = 2 ] &&
	grep -q 'unknown option or missing value: --frobnicate' <<< "$err" &&
	sh status --help && [ "$rc" = 0 ] && grep -q -- '--sys DIR' <<< "$out" &&
	sh diff one.ko && [ "$rc" = 2 ] && grep -q 'needs two module files' <<< "$err" &&
	sh verify a b && [ "$rc" = 2 ]
}

t_diff() {
	mod m 0 '' && mod m 1 '' &&
	sh diff "$tmp/m.0.ko" "$tmp/m.1.ko" && [ "$rc" = 1 ] &&
	[ "$out" = "$(printf 'changed: f\nchanged: f2\n2 changed, 0 added, 0 removed')" ] &&
	sh diff --json "$tmp/m.0.ko" "$tmp/m.1.ko" && [ "$rc" = 1 ] &&
	[ "$out" = '{"changed":["f","f2"],"added":[],"removed":[]}' ] &&
	sh diff "$tmp/m.0.ko" "$tmp/m.0.ko" && [ "$rc" = 0 ] &&
	[ "$out" = "0 changed, 0 added, 0 removed" ]
}

# .ko.xz is read too, and an appended signature is not looked at
t_diff_xz_signed() {
	command -v xz >/dev/null || return 0
	xz -c "$tmp/m.1.ko" > "$tmp/m1.ko.xz" &&
	{ cat "$tmp/m.1.ko"; printf 'SIG~Module signature appended~\n'; } > "$tmp/m1s.ko" &&
	sh diff "$tmp/m1.ko.xz" "$tmp/m1s.ko" && [ "$rc" = 0 ] &&
	sh diff "$tmp/m.0.ko" "$tmp/m1.ko.xz" && [ "$rc" = 1 ]
}

# stripped modules: calls.c's f calls b() not a(), f2 sb() not sa(), and
# no FUNC symbol is left to say which function that is: an error naming
# the section and the code, not "0 changed"
t_diff_stripped() {
	strip --strip-all "$tmp/m.0.ko" -o "$tmp/s0.ko" &&
	strip --strip-all "$tmp/m.1.ko" -o "$tmp/s1.ko" &&
	sh diff "$tmp/s0.ko" "$tmp/s1.ko" && [ "$rc" = 2 ] && [ -z "$out" ] &&
	grep -qx 'storage-hotfix diff: error: section \.text: code at 0x[0-9a-f]*-0x[0-9a-f]* differs and no function symbol covers it: cannot tell which function changed' <<< "$err" &&
	sh diff "$tmp/s1.ko" "$tmp/s1.ko" && [ "$rc" = 0 ] &&
	[ "$out" = "0 changed, 0 added, 0 removed" ]
}

t_diff_errors() {
	sh diff "$tmp/none.ko" "$tmp/m.0.ko" && [ "$rc" = 2 ] && [ -z "$out" ] &&
	[ "$err" = "storage-hotfix diff: error: $tmp/none.ko: No such file or directory" ] &&
	printf 'garbage' > "$tmp/g.ko.xz" &&
	sh diff "$tmp/m.0.ko" "$tmp/g.ko.xz" && [ "$rc" = 2 ] &&
	grep -q "^storage-hotfix diff: error: $tmp/g.ko.xz: corrupt xz data" <<< "$err" &&
	head -c 300 "$tmp/m.0.ko" > "$tmp/cut.ko" &&
	sh diff "$tmp/cut.ko" "$tmp/m.0.ko" && [ "$rc" = 2 ] &&
	[ "$err" = "storage-hotfix diff: error: $tmp/cut.ko: corrupt ELF file: bad section header table" ]
}

# fake bundle: two made-up fixes; kernel K1 with a report and our fixa
# module installed and loaded, modb loaded stock; K2 without a report
setup_fake() {
	local w=$tmp/work/K1 b=$tmp/build
	mkdir -p "$tmp/data/fix_a" "$tmp/data/fix_b" "$w" "$b" \
		"$tmp/root/lib/modules/K1/updates/dkms" "$tmp/root/lib/modules/K2" \
		"$tmp/sys/module/moda/notes" "$tmp/sys/module/modb/notes" \
		"$tmp/sys/module/module/parameters"
	printf 'FIX_ID=fixa\nFIX_MODULE=moda\nFIX_FUNCTIONS="f f2"\n' > "$tmp/data/fix_a/fix.conf"
	printf 'FIX_ID=fixb\nFIX_MODULE=modb\nFIX_FUNCTIONS=g\n' > "$tmp/data/fix_b/fix.conf"
	mod moda 1 'fixa upstream=1 storage-hotfix=0' && cp "$tmp/moda.1.ko" "$b/moda.ko" &&
	cp "$b/moda.ko" "$tmp/root/lib/modules/K1/updates/dkms/moda.ko" &&
	mod modb 0 '' &&
	jq -n --arg m "$b/moda.ko" '{fixes: [
		{id: "fixa", verdict: "applies", reason: "patched and explained",
		 proof: {result: "identical"}, module_path: $m,
		 explain: {unexpected: []}, changed_functions: ["f", "f2"]},
		{id: "fixb", verdict: "not-configured", reason: "CONFIG_B is not set"}]}' \
		> "$w/report-all.json" &&
	echo live > "$tmp/sys/module/moda/initstate" &&
	echo O > "$tmp/sys/module/moda/taint" &&
	note_of "$b/moda.ko" "$tmp/sys/module/moda/notes/.note.gnu.build-id" &&
	echo live > "$tmp/sys/module/modb/initstate" &&
	: > "$tmp/sys/module/modb/taint" &&
	note_of "$tmp/modb.0.ko" "$tmp/sys/module/modb/notes/.note.gnu.build-id" &&
	echo Y > "$tmp/sys/module/module/parameters/sig_enforce"
}

fake_args() {
	# verify takes the first six
	args=(--root "$tmp/root" --work "$tmp/work" --data "$tmp/data"
	      --sys "$tmp/sys" --running K1)
}

t_status_json() {
	local args
	setup_fake && fake_args &&
	sh status --json "${args[@]}" && [ "$rc" = 0 ] && [ -z "$err" ] &&
	[ "$(jq -r '.schema, .running_kernel, .secure.sig_enforce, .secure.lockdown, ([.kernels[].kernel] | join(","))' <<< "$out")" = \
	  "$(printf '1\nK1\ntrue\nnull\nK1,K2')" ] &&
	[ "$(jq -r '.kernels[] | .kernel as $k | .fixes[] |
		[$k, .id, .verdict, .built, .installed, .signed, .loaded,
		 .loaded_module, .taint] | map(tostring) | join(" ")' <<< "$out")" = \
	  "$(printf '%s\n' \
		'K1 fixa applies true true false true ours O' \
		'K1 fixb not-configured false false null true stock ' \
		'K2 fixa no-report false false null null null null' \
		'K2 fixb no-report false false null null null null')" ] &&
	jq -e '.kernels[1].fixes[0].reason | test("run scripts/hotfix-build plan K2$")' <<< "$out" >/dev/null &&
	jq -e '.kernels[0].fixes[0].stamp == "fixa upstream=1 storage-hotfix=0"' <<< "$out" >/dev/null &&
	jq -e '.kernels[0].fixes[0].notes == ["unsigned, and K1 enforces module signatures: it will not load (sign it with the key DKMS enrolled as MOK)"]' <<< "$out" >/dev/null
}

t_status_text() {
	local args
	fake_args &&
	sh status "${args[@]}" && [ "$rc" = 0 ] &&
	grep -Eq '^KERNEL +FIX +VERDICT +BUILT +INSTALLED +LOADED$' <<< "$out" &&
	grep -Eq '^K1\* +fixa +applies +yes +yes +ours \(taint O\)$' <<< "$out" &&
	grep -Eq '^K1\* +fixb +not-configured +no +no +stock$' <<< "$out" &&
	grep -q '^    unsigned, and K1 enforces module signatures: it will not load' <<< "$out" &&
	grep -Eq '^K2 +fixa +no-report' <<< "$out" &&
	grep -q '^\* running kernel K1: module signatures enforced: yes; lockdown: unknown; Secure Boot: unknown$' <<< "$out"
}

# a module of someone else in updates/ is not ours; a loaded module with
# an O taint but another build-id is "other"
t_status_not_ours() {
	local args
	fake_args &&
	cp "$tmp/modb.0.ko" "$tmp/root/lib/modules/K1/updates/modb.ko" &&
	echo O > "$tmp/sys/module/modb/taint" &&
	sh status --json "${args[@]}" && [ "$rc" = 0 ] &&
	[ "$(jq -r '.kernels[0].fixes[1] | [.installed, .installed_path != null, .loaded_module] | map(tostring) | join(" ")' <<< "$out")" = "false true other" ] &&
	jq -e '.kernels[0].fixes[1].notes[0] | test("modb.ko is not ours")' <<< "$out" >/dev/null &&
	rm "$tmp/root/lib/modules/K1/updates/modb.ko" && : > "$tmp/sys/module/modb/taint"
}

# a file that is no module in updates/: said, and status goes on
t_status_unreadable() {
	local args
	fake_args &&
	echo garbage > "$tmp/root/lib/modules/K2/modb.ko" &&
	mkdir -p "$tmp/root/lib/modules/K2/updates" &&
	mv "$tmp/root/lib/modules/K2/modb.ko" "$tmp/root/lib/modules/K2/updates/" &&
	sh status "${args[@]}" && [ "$rc" = 0 ] &&
	grep -Eq '^K2 +fixb +no-report +no +unreadable +-$' <<< "$out" &&
	grep -q "^    cannot read the installed module: $tmp/root/lib/modules/K2/updates/modb.ko: cannot read modinfo: " <<< "$out" &&
	rm -r "$tmp/root/lib/modules/K2/updates"
}

# 2 KB of .ko.xz claiming 128 MiB (16 xz streams of 8 MiB of zeros):
# refused at the 64 MiB limit, by diff and by status (libkmod's modinfo
# never sees it); so is a 512 MiB xz dictionary
# .ko.zst is read (Ubuntu's modules), with the same cap as .xz
t_zstd() {
	if ! command -v zstd >/dev/null; then
		skip "no zstd"
		return 0
	fi
	mod m 0 '' && mod m 1 '' &&
	zstd -q -c "$tmp/m.1.ko" > "$tmp/m.1.ko.zst" &&
	sh diff "$tmp/m.0.ko" "$tmp/m.1.ko.zst" && [ "$rc" = 1 ] &&
	[ "$out" = "$(printf 'changed: f\nchanged: f2\n2 changed, 0 added, 0 removed')" ] &&
	head -c 80M /dev/zero | zstd -q -1 -c > "$tmp/bomb.ko.zst" &&
	sh diff "$tmp/m.0.ko" "$tmp/bomb.ko.zst" && [ "$rc" = 2 ] && [ -z "$out" ] &&
	[ "$err" = "storage-hotfix diff: error: $tmp/bomb.ko.zst: refused: decompresses to more than 64 MiB, larger than any kernel module" ]
}

t_xz_bomb() {
	local args
	if ! command -v xz >/dev/null; then
		skip "no xz"
		return 0
	fi
	fake_args &&
	head -c 8M /dev/zero | xz -0 -T1 -c > "$tmp/z.xz" &&
	for _ in {1..16}; do cat "$tmp/z.xz"; done > "$tmp/bomb.ko.xz" &&
	sh diff "$tmp/m.0.ko" "$tmp/bomb.ko.xz" && [ "$rc" = 2 ] && [ -z "$out" ] &&
	[ "$err" = "storage-hotfix diff: error: $tmp/bomb.ko.xz: refused: decompresses to more than 64 MiB, larger than any kernel module" ] &&
	mkdir -p "$tmp/root/lib/modules/K2/updates" &&
	cp "$tmp/bomb.ko.xz" "$tmp/root/lib/modules/K2/updates/modb.ko.xz" &&
	sh status "${args[@]}" && [ "$rc" = 0 ] &&
	grep -Eq '^K2 +fixb +no-report +no +unreadable +-$' <<< "$out" &&
	grep -q "^    cannot read the installed module: $tmp/root/lib/modules/K2/updates/modb.ko.xz: refused: decompresses to more than 64 MiB" <<< "$out" &&
	rm -r "$tmp/root/lib/modules/K2/updates" &&
	head -c 100 /dev/urandom | xz --lzma2=dict=512MiB -c > "$tmp/dict.ko.xz" &&
	sh diff "$tmp/dict.ko.xz" "$tmp/m.0.ko" && [ "$rc" = 2 ] &&
	[ "$err" = "storage-hotfix diff: error: $tmp/dict.ko.xz: refused: its xz dictionary is larger than 64 MiB, larger than any kernel module" ]
}

t_verify() {
	local args
	fake_args &&
	sh verify K1 "${args[@]:0:6}" && [ "$rc" = 0 ] &&
	grep -q '^fixa: ok: .*/moda.ko is the module the pipeline built (.* sections compared); verdict applies, proof identical; changed, all declared: f, f2$' <<< "$out" &&
	# tampered: another build in its place
	cp "$tmp/root/lib/modules/K1/updates/dkms/moda.ko" "$tmp/good.ko" &&
	mod moda 0 'fixa upstream=1 storage-hotfix=0' &&
	cp "$tmp/moda.0.ko" "$tmp/root/lib/modules/K1/updates/dkms/moda.ko" &&
	sh verify K1 "${args[@]:0:6}" && [ "$rc" = 1 ] &&
	grep -q '^fixa: FAILED: .*/moda.ko is not the module the pipeline built' <<< "$out" &&
	cp "$tmp/good.ko" "$tmp/root/lib/modules/K1/updates/dkms/moda.ko"
}

# report fields of the wrong type: a damaged report, said with the field
# and its type, never taken for absent (explain.unexpected as a string
# was read as "nothing unexpected" and the module verified)
t_verify_types() {
	local args w=$tmp/work/K1/report-all.json f want
	fake_args &&
	cp "$w" "$tmp/report.good" || return 1
	while IFS='|' read -r f want; do
		jq "$f" "$tmp/report.good" > "$w" || return 1
		sh verify K1 "${args[@]:0:6}"
		if ! { [ "$rc" = 1 ] &&
		       [ "$out" = "fixa: FAILED: $w: $want: a damaged report; run scripts/hotfix-build all K1" ]; }; then
			echo "# $f"
			cp "$tmp/report.good" "$w"
			return 1
		fi
	done <<-'EOF'
		.fixes[0].explain.unexpected = "g"|fixes[fixa].explain.unexpected is a string, not an array
		.fixes[0].explain = ["g"]|fixes[fixa].explain is an array, not an object
		.fixes[0].verdict = ["applies"]|fixes[fixa].verdict is an array, not a string
		.fixes[0].reason = 1|fixes[fixa].reason is a number, not a string
		.fixes[0].proof = "identical"|fixes[fixa].proof is a string, not an object
		.fixes[0].proof.result = true|fixes[fixa].proof.result is a boolean, not a string
		.fixes[0].changed_functions = "f"|fixes[fixa].changed_functions is a string, not an array
		.fixes[0].changed_functions = ["f", 7]|fixes[fixa].changed_functions[1] is a number, not a string
		.fixes[0].module_path = 42|fixes[fixa].module_path is a number, not a string
	EOF
	# no explanation at all: nothing says no undeclared function changed
	jq 'del(.fixes[0].explain)' "$tmp/report.good" > "$w" &&
	sh verify K1 "${args[@]:0:6}" && [ "$rc" = 1 ] &&
	[ "$out" = "fixa: FAILED: $w has no explain.unexpected: the patched module was not explained; run scripts/hotfix-build all K1" ] &&
	# the report's index is wrong: verify cannot go on, status says so
	jq '.fixes = {}' "$tmp/report.good" > "$w" &&
	sh verify K1 "${args[@]:0:6}" && [ "$rc" = 2 ] &&
	[ "$err" = "storage-hotfix verify: error: $w: not a report: report.fixes is an object, not an array; run scripts/hotfix-build plan K1 again" ] &&
	sh status --json "${args[@]}" && [ "$rc" = 0 ] &&
	[ "$(jq -r '[.kernels[0].fixes[].verdict] | join(" ")' <<< "$out")" = "bad-report bad-report" ] &&
	# one field of one fix: that fix is a bad report, the other is read
	jq '.fixes[1].verdict = 3' "$tmp/report.good" > "$w" &&
	sh status --json "${args[@]}" && [ "$rc" = 0 ] &&
	[ "$(jq -r '[.kernels[0].fixes[].verdict] | join(" ")' <<< "$out")" = "applies bad-report" ] &&
	[ "$(jq -r '.kernels[0].fixes[1].reason' <<< "$out")" = "$w: fixes[fixb].verdict is a number, not a string; run scripts/hotfix-build plan K1" ] &&
	cp "$tmp/report.good" "$w"
}

t_verify_report() {
	local args w=$tmp/work/K1/report-all.json
	fake_args &&
	cp "$w" "$tmp/report.good" &&
	jq '.fixes[0].changed_functions += ["h"]' "$tmp/report.good" > "$w" &&
	sh verify K1 "${args[@]:0:6}" && [ "$rc" = 1 ] &&
	grep -q '^fixa: FAILED: .*: changed function h is not in FIX_FUNCTIONS' <<< "$out" &&
	jq '.fixes[0].verdict = "refused"' "$tmp/report.good" > "$w" &&
	sh verify K1 "${args[@]:0:6}" && [ "$rc" = 1 ] &&
	grep -q '^fixa: FAILED: .* says the verdict is refused' <<< "$out" &&
	jq '.fixes[0].proof.result = "different"' "$tmp/report.good" > "$w" &&
	sh verify K1 "${args[@]:0:6}" && [ "$rc" = 1 ] &&
	grep -q 'the proof is different, not identical' <<< "$out" &&
	cp "$tmp/report.good" "$w" &&
	cp "$tmp/root/lib/modules/K1/updates/dkms/moda.ko" "$tmp/good.ko" &&
	mod moda 1 'fixa upstream=1 storage-hotfix=0 TEST-ONLY-config-override=CONFIG_A=m' &&
	cp "$tmp/moda.1.ko" "$tmp/root/lib/modules/K1/updates/dkms/moda.ko" &&
	sh verify K1 "${args[@]:0:6}" && [ "$rc" = 1 ] &&
	grep -q '^fixa: FAILED: .*/moda.ko is a lab-only build' <<< "$out" &&
	sh status --json "${args[@]}" && [ "$rc" = 0 ] &&
	jq -e '.kernels[0].fixes[0].notes | any(test("lab-only build"))' <<< "$out" >/dev/null &&
	cp "$tmp/good.ko" "$tmp/root/lib/modules/K1/updates/dkms/moda.ko" &&
	sh verify K2 "${args[@]:0:6}" && [ "$rc" = 1 ] &&
	grep -q '^no storage-hotfix module is installed for K2' <<< "$out"
}

check usage t_usage
check diff t_diff
check diff-xz-signed t_diff_xz_signed
check diff-stripped t_diff_stripped
check diff-errors t_diff_errors
check status-json t_status_json
check status-text t_status_text
check status-not-ours t_status_not_ours
check status-unreadable t_status_unreadable
check xz-bomb t_xz_bomb
check zstd t_zstd
check verify t_verify
check verify-report t_verify_report
check verify-types t_verify_types

finish
