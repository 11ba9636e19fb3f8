#!/bin/bash
# Unit tests for kodiff: build tiny objects from cases/*.c (the variants
# differ by -DV=...) and check kodiff's verdicts.
#   usage: tests/run.sh [path/to/kodiff]
#   KODIFF_WRAP="valgrind ..." runs every kodiff call under that command.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
TOOL=$(realpath "${1:-$here/../kodiff}")
cases=$here/cases
cc=${CC:-gcc}
read -r -a WRAP <<< "${KODIFF_WRAP:-}"
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

# kd ARGS...: run kodiff; sets rc, out (stdout), err (stderr)
kd() { run_tool "$@"; }

# obj NAME V: compile cases/NAME.c with -DV=V into $tmp/NAME.V.o
obj() {
	"$cc" -O2 -c -DV="$2" "$cases/$1.c" -o "$tmp/$1.$2.o"
}

# the names listed after "functions:" in sections output, one per line
fn_names() {
	sed -n 's/.*; functions: //p' <<< "$out" | tr ',' '\n' | tr -d ' ' |
		sort -u
}

# funcs A B, expecting exit 1 and exactly the given lines
funcs_say() {
	local a=$1 b=$2
	shift 2
	kd funcs "$tmp/$a" "$tmp/$b"
	[ "$rc" = 1 ] && [ "$out" = "$(printf '%s\n' "$@")" ]
}

t_identical() {
	obj inplace 0 && cp "$tmp/inplace.0.o" "$tmp/same.o" && obj inplace 0 &&
	kd sections "$tmp/same.o" "$tmp/inplace.0.o" && [ "$rc" = 0 ] &&
	grep -qx 'identical: [1-9][0-9]* sections compared' <<< "$out" &&
	kd funcs "$tmp/same.o" "$tmp/inplace.0.o" && [ "$rc" = 0 ] &&
	[ "$out" = "0 changed, 0 added, 0 removed" ]
}

# bytes after the ELF data, as in a signed .ko, are ignored
t_signed() {
	{ cat "$tmp/same.o"; printf 'SIG\n~Module signature appended~\n'; } \
		> "$tmp/signed.ko" &&
	kd sections "$tmp/same.o" "$tmp/signed.ko" && [ "$rc" = 0 ] &&
	kd funcs "$tmp/signed.ko" "$tmp/same.o" && [ "$rc" = 0 ]
}

# f grows by one edited line, so g and h move; only f is changed
t_body_funcs() {
	obj body 0 && obj body 1 &&
	funcs_say body.0.o body.1.o "changed: f" "1 changed, 0 added, 0 removed"
}

t_body_sections() {
	kd sections "$tmp/body.0.o" "$tmp/body.1.o" && [ "$rc" = 1 ] &&
	grep -q '^section \.text: size [0-9]* vs [0-9]*; functions: f$' <<< "$out" &&
	[ "$(fn_names)" = f ] &&
	grep -qx 'different: [1-9][0-9]* of [1-9][0-9]* sections' <<< "$out"
}

# same size, one byte differs in f: the bytes line names f only
t_inplace() {
	obj inplace 1 &&
	funcs_say inplace.0.o inplace.1.o "changed: f" \
		"1 changed, 0 added, 0 removed" &&
	kd sections "$tmp/inplace.0.o" "$tmp/inplace.1.o" && [ "$rc" = 1 ] &&
	grep -qx 'section \.text: differs (1 byte at 1 place); functions: f' \
		<<< "$out" && [ "$(fn_names)" = f ]
}

# offset of a string in .rodata.str1.1 of an object
str_off() {
	readelf -p .rodata.str1.1 "$1" | sed -n "s/^ *\[ *\([0-9a-f]*\)\]  $2\$/\1/p"
}

# f's literal edited; g's literal moved; only f changed
t_string_edit() {
	local a b
	obj strings 0 && obj strings 1 &&
	a=$(str_off "$tmp/strings.0.o" 'g: unchanged message') &&
	b=$(str_off "$tmp/strings.1.o" 'g: unchanged message') &&
	[ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$b" ] &&
	funcs_say strings.0.o strings.1.o "changed: f" \
		"1 changed, 0 added, 0 removed" &&
	kd sections "$tmp/strings.0.o" "$tmp/strings.1.o" && [ "$rc" = 1 ] &&
	grep -q '^section \.rodata\.str1\.1: size ' <<< "$out" &&
	grep -qx 'relocations of \.text: differ; functions: f' <<< "$out" &&
	[ "$(fn_names)" = f ]
}

# f uses one more literal: g's literal moves and its .LC label renumbers
t_string_added() {
	obj strings 2 &&
	funcs_say strings.0.o strings.2.o "changed: f" \
		"1 changed, 0 added, 0 removed"
}

# f calls b() not a(); f2 calls static sb() not sa()
t_calls() {
	obj calls 0 && obj calls 1 &&
	funcs_say calls.0.o calls.1.o "changed: f" "changed: f2" \
		"2 changed, 0 added, 0 removed"
}

t_added_removed() {
	obj addrm 0 && obj addrm 1 &&
	funcs_say addrm.0.o addrm.1.o "added: new_fn" "removed: old_fn" \
		"0 changed, 1 added, 1 removed" &&
	funcs_say addrm.1.o addrm.0.o "removed: new_fn" "added: old_fn" \
		"0 changed, 1 added, 1 removed"
}

# value of a symbol in an object
sym_val() {
	readelf -sW "$1" | awk -v n="$2" '$8 == n { print $2 }'
}

# a new static array in .bss moves counter; bump() still refers to it
t_static_data() {
	obj data 0 && obj data 1 &&
	[ "$(sym_val "$tmp/data.0.o" counter)" != \
	  "$(sym_val "$tmp/data.1.o" counter)" ] &&
	funcs_say data.0.o data.1.o "added: touch" "0 changed, 1 added, 0 removed"
}

# the same on i386: SHT_REL, the addend (counter's offset) sits in the code
t_static_data_rel() {
	local v
	for v in 0 1; do
		"$cc" -m32 -fno-pic -O2 -c -DV=$v "$cases/data.c" \
			-o "$tmp/data32.$v.o" 2>/dev/null || return 0	# no -m32
	done
	readelf -rW "$tmp/data32.0.o" | grep -q 'R_386_32 .*\.bss' &&
	funcs_say data32.0.o data32.1.o "added: touch" \
		"0 changed, 1 added, 0 removed"
}

# two static helper() from two files (ld -r, like a .ko): told apart
t_duplicate_names() {
	"$cc" -O2 -c "$cases/dup1.c" -o "$tmp/dup1.o" &&
	obj dup2 0 && obj dup2 1 &&
	ld -r "$tmp/dup1.o" "$tmp/dup2.0.o" -o "$tmp/dup.0.o" &&
	ld -r "$tmp/dup1.o" "$tmp/dup2.1.o" -o "$tmp/dup.1.o" &&
	funcs_say dup.0.o dup.1.o "changed: helper@.text#1" \
		"1 changed, 0 added, 0 removed"
}

# stripped objects (strip --strip-all keeps no FUNC symbol): one .text
# byte differs, which no function covers; funcs cannot say which function
# changed, so it is an error naming the section and the bytes
t_stripped() {
	local v
	for v in 0 1; do
		strip --strip-all "$tmp/inplace.$v.o" -o "$tmp/stripped.$v.o" ||
			return 1
	done
	kd symbols "$tmp/stripped.0.o" && [ "$rc" = 0 ] && [ -z "$out" ] &&
	kd funcs "$tmp/stripped.0.o" "$tmp/stripped.1.o" && [ "$rc" = 2 ] &&
	[ -z "$out" ] &&
	[ "$err" = "kodiff: section .text: code at 0xf-0xf differs and no function symbol covers it: cannot tell which function changed" ] &&
	kd funcs --json "$tmp/stripped.0.o" "$tmp/stripped.1.o" && [ "$rc" = 2 ] &&
	[ -z "$out" ] &&
	# the same stripped object twice: nothing differs, nothing to say
	kd funcs "$tmp/stripped.0.o" "$tmp/stripped.0.o" && [ "$rc" = 0 ] &&
	[ "$out" = "0 changed, 0 added, 0 removed" ] && [ -z "$err" ] &&
	# stripped on one side only: its code is not matched to anything
	kd funcs "$tmp/inplace.0.o" "$tmp/stripped.0.o" && [ "$rc" = 2 ] &&
	grep -qx 'kodiff: section \.text: code at 0x0-0x30 in B has no counterpart in A, and no function symbol covers it: cannot tell which function changed' <<< "$err" &&
	# --strip-unneeded keeps global functions: the static helper()
	# edited is not covered, the static sa/sb left as they were are
	for v in 0 1; do
		strip --strip-unneeded "$tmp/dup2.$v.o" -o "$tmp/unneeded.$v.o" &&
		strip --strip-unneeded "$tmp/calls.$v.o" -o "$tmp/calls-u.$v.o" ||
			return 1
	done
	kd funcs "$tmp/unneeded.0.o" "$tmp/unneeded.1.o" && [ "$rc" = 2 ] &&
	grep -qx 'kodiff: section \.text: code at 0x[0-9a-f]*-0x[0-9a-f]* differs and no function symbol covers it: cannot tell which function changed' <<< "$err" &&
	funcs_say calls-u.0.o calls-u.1.o "changed: f" "changed: f2" \
		"2 changed, 0 added, 0 removed" && [ -z "$err" ]
}

t_symbols() {
	kd symbols "$tmp/calls.0.o" && [ "$rc" = 0 ] &&
	grep -qx '\.text 0x[0-9a-f]* [1-9][0-9]* GLOBAL f' <<< "$out" &&
	grep -qx '\.text 0x[0-9a-f]* [1-9][0-9]* LOCAL sa' <<< "$out"
}

t_json() {
	command -v python3 >/dev/null || return 0
	kd sections --json "$tmp/strings.0.o" "$tmp/strings.1.o" && [ "$rc" = 1 ] &&
	python3 -c '
import json, sys
j = json.loads(sys.argv[1])
assert j["identical"] is False and j["compared"] >= 2
k = {(d["section"], d["kind"]): d["functions"] for d in j["differences"]}
assert k[(".text", "relocations")] == ["f"], k
assert (".rodata.str1.1", "size") in k, k
' "$out" &&
	kd funcs --json "$tmp/addrm.0.o" "$tmp/addrm.1.o" && [ "$rc" = 1 ] &&
	[ "$out" = '{"changed":[],"added":["new_fn"],"removed":["old_fn"]}' ]
}

# poke FILE OFFSET HEX: write the little-endian number HEX (2 digits per
# byte) at OFFSET, as a crafted file would carry it
poke() {
	local h=$3 s='' i
	for ((i = ${#h} - 2; i >= 0; i -= 2)); do
		s+="\\x${h:i:2}"
	done
	# shellcheck disable=SC2059 # s holds the escapes
	printf "$s" | dd of="$1" bs=1 seek="$(($2))" conv=notrunc status=none
}

# sym_poke FILE NAME value|size HEX: set a field of symbol NAME (ELF64)
sym_poke() {
	local off idx field=8
	[ "$3" = size ] && field=16
	off=$(readelf -SW "$1" |
		sed -n 's/^ *\[ *[0-9]*\] \.symtab  *SYMTAB  *[0-9a-f]*  *\([0-9a-f]*\) .*/\1/p')
	idx=$(readelf -sW "$1" | awk -v n="$2" '$8 == n { sub(":", "", $1); print $1; exit }')
	[ -n "$off" ] && [ -n "$idx" ] || return 1
	poke "$1" $((0x$off + 24 * idx + field)) "$4"
}

# funcs answered: a verdict, or code left without a function (a symbol
# moved out of its section covers nothing) said to be unknown
answered() {
	{ [ "$rc" -le 1 ] && [ -z "$err" ]; } ||
	{ [ "$rc" = 2 ] && [ -z "$out" ] &&
	  ! grep -qv '^kodiff: section .*no function symbol covers it' <<< "$err"; }
}

# crafted symbol values and sizes near the 64-bit limits (a section
# symbol or .LC label past the end of its section, a FUNC of absurd size):
# every command still answers, and the UBSan build (make ubsan-check)
# finds no overflow
t_crafted_values() {
	local c v h f m
	# symbol field HEX object e_machine: one crafted object per line
	while read -r c v h f m; do
		cp "$tmp/$f" "$tmp/base.o" || return 1
		[ "$m" = - ] || poke "$tmp/base.o" 18 "$m" || return 1
		cp "$tmp/base.o" "$tmp/crafted.o" &&
		sym_poke "$tmp/crafted.o" "$c" "$v" "$h" || return 1
		if ! { kd relocs "$tmp/crafted.o" && [ "$rc" = 0 ] &&
		       [ -z "$err" ] &&
		       kd funcs "$tmp/base.o" "$tmp/crafted.o" && answered &&
		       kd sections "$tmp/crafted.o" "$tmp/base.o" &&
		       [ "$rc" -le 1 ] && [ -z "$err" ]; }; then
			echo "# crafted: $c $v $h $f $m"
			return 1
		fi
	done <<-'EOF'
		.LC0 value 8000000000000000 strings.0.o -
		.LC1 value 7ffffffffffffffc strings.0.o -
		.LC1 value ffffffffffffffff strings.0.o -
		.text value 7ffffffffffffff8 strings.0.o -
		.text value 7fffffffffffffee strings.0.o 00b7
		counter value 8000000000000000 data.0.o -
		counter size ffffffffffffffff data.0.o -
		bump value fffffffffffffff8 data.0.o -
		bump size fffffffffffffff8 data.0.o -
	EOF
}

t_missing_file() {
	kd funcs "$tmp/nonexistent.o" "$tmp/calls.0.o" && [ "$rc" = 2 ] &&
	[ -z "$out" ] &&
	[ "$err" = "kodiff: $tmp/nonexistent.o: No such file or directory" ]
}

t_garbage() {
	printf 'this is not ELF\n' > "$tmp/garbage.ko" &&
	kd sections "$tmp/calls.0.o" "$tmp/garbage.ko" && [ "$rc" = 2 ] &&
	[ "$err" = "kodiff: $tmp/garbage.ko: not an ELF relocatable object" ] &&
	head -c 300 "$tmp/calls.0.o" > "$tmp/truncated.o" &&
	kd funcs "$tmp/truncated.o" "$tmp/calls.0.o" && [ "$rc" = 2 ] &&
	grep -q "^kodiff: $tmp/truncated.o: " <<< "$err"
}

t_not_relocatable() {
	printf 'int main(void) { return 0; }\n' > "$tmp/prog.c" &&
	"$cc" -o "$tmp/prog" "$tmp/prog.c" &&
	kd symbols "$tmp/prog" && [ "$rc" = 2 ] &&
	[ "$err" = "kodiff: $tmp/prog: not an ELF relocatable object" ]
}

t_usage() {
	kd && [ "$rc" = 2 ] && grep -q '^usage: kodiff' <<< "$err" &&
	kd frobnicate "$tmp/calls.0.o" && [ "$rc" = 2 ] && [ -n "$err" ] &&
	kd funcs "$tmp/calls.0.o" && [ "$rc" = 2 ] && [ -n "$err" ] &&
	kd --help && [ "$rc" = 0 ] && grep -q '^usage: kodiff' <<< "$out"
}

# fake ksymtab entries (see cases/exports.c), in each layout
t_exports() {
	local v want
	want=$(printf '%s\t%s\t%s\n' bar EXPORT_SYMBOL '' \
		baz EXPORT_SYMBOL BAZ_NS foo EXPORT_SYMBOL_GPL FOO_NS)
	obj exports 0 && kd exports "$tmp/exports.0.o" && [ "$rc" = 0 ] &&
	[ -z "$err" ] && [ "$out" = "$(grep -v ^baz <<< "$want")" ] &&
	for v in 1 2; do
		obj exports $v && kd exports "$tmp/exports.$v.o" &&
		[ "$rc" = 0 ] && [ -z "$err" ] && [ "$out" = "$want" ] || return 1
	done
}

t_exports_none() {
	kd exports "$tmp/calls.0.o" && [ "$rc" = 0 ] && [ -z "$out" ] &&
	[ -z "$err" ]
}

t_exports_errors() {
	kd exports "$tmp/nonexistent.o" && [ "$rc" = 2 ] && [ -z "$out" ] &&
	[ "$err" = "kodiff: $tmp/nonexistent.o: No such file or directory" ] &&
	kd exports "$tmp/garbage.ko" && [ "$rc" = 2 ] &&
	[ "$err" = "kodiff: $tmp/garbage.ko: not an ELF relocatable object" ] &&
	kd exports "$tmp/calls.0.o" "$tmp/calls.1.o" && [ "$rc" = 2 ] &&
	[ -n "$err" ] &&
	kd exports --json "$tmp/calls.0.o" && [ "$rc" = 2 ] && [ -n "$err" ]
}

# exports of a real Debian nvme-core.ko must match the kernel's
# Module.symvers: same (symbol, type, namespace) set; skipped without them
# (KODIFF_SYSROOT overrides where to look)
sysroot=${KODIFF_SYSROOT:-/var/cache/storage-hotfix/sysroot}

symvers_check() {
	local ko=$1 symvers=$2 mod=$3
	if [ ! -f "$ko" ] || [ ! -f "$symvers" ]; then
		skip "no $([ -f "$ko" ] && echo "$symvers" || echo "$ko")"
		return 0
	fi
	if [ "${ko%.xz}" != "$ko" ]; then
		if ! command -v xz >/dev/null; then
			skip "no xz"
			return 0
		fi
		xz -dc "$ko" > "$tmp/real.ko" || return 1
		ko=$tmp/real.ko
	fi
	awk -F'\t' -v OFS='\t' -v m="$mod" '$3 == m { print $2, $4, $5 }' \
		"$symvers" | LC_ALL=C sort > "$tmp/symvers" &&
	[ -s "$tmp/symvers" ] &&
	kd exports "$ko" && [ "$rc" = 0 ] && [ -z "$err" ] &&
	LC_ALL=C sort -c <<< "$out" &&
	[ "$(LC_ALL=C sort <<< "$out")" = "$(cat "$tmp/symvers")" ]
}

t_exports_symvers_61() {
	local k=6.1.0-50-amd64
	symvers_check \
		"$sysroot/$k/lib/modules/$k/kernel/drivers/nvme/host/nvme-core.ko" \
		"$sysroot/$k/usr/src/linux-headers-$k/Module.symvers" \
		drivers/nvme/host/nvme-core
}

t_exports_symvers_612() {
	local k=6.12.107+deb13-amd64
	symvers_check \
		"$sysroot/$k/usr/lib/modules/$k/kernel/drivers/nvme/host/nvme-core.ko.xz" \
		"$sysroot/$k/usr/src/linux-headers-$k/Module.symvers" \
		drivers/nvme/host/nvme-core
}

rc=0 out='' err=''
check identical t_identical
check signature-appended t_signed
check body-funcs t_body_funcs
check body-sections t_body_sections
check inplace-change t_inplace
check string-edited t_string_edit
check string-added t_string_added
check call-target t_calls
check added-removed t_added_removed
check static-data-moved t_static_data
check static-data-moved-rel t_static_data_rel
check duplicate-names t_duplicate_names
check symbols t_symbols
check json t_json
check stripped t_stripped
check crafted-values t_crafted_values
check missing-file t_missing_file
check garbage-input t_garbage
check not-relocatable t_not_relocatable
check usage t_usage
check exports t_exports
check exports-none t_exports_none
check exports-errors t_exports_errors
check exports-symvers-6.1 t_exports_symvers_61
check exports-symvers-6.12 t_exports_symvers_612

finish
