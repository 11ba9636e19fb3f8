# shellcheck shell=bash
# Coverage of Debian's archive: every kernel image of upstream 6.1 and
# newer in the signed indexes, times every fix. Each kernel is one job
# (the plan; for each fix that applies, the whole pipeline), whose result
# is one JSON file keyed by a hash of its inputs, so a rerun redoes only
# what changed and jobs can run on several machines; the merge step turns
# the job files into docs/coverage.{json,md}. Needs archive.sh, sysroot.sh.

# Schema of the job files and of docs/coverage.json: fields are only added.
COVERAGE_SCHEMA=1

# coverage_index: the kernel packages of every index the private apt root
# reads, one TSV line each: suite package version sha256 filename depends
# built-using ("-" for an empty field). Only indexes apt verified against
# a trusted key are read (apt-get indextargets says which).
coverage_index() {
	local file suite trusted n=0 targets
	archive_update
	# shellcheck disable=SC2016 # apt-get's format, not a shell expansion
	targets=$(_apt apt-get indextargets --format '$(FILENAME) $(CODENAME) $(TRUSTED)' 'Identifier: Packages') ||
		die "apt-get indextargets failed on the private apt root"
	while read -r file suite trusted; do
		[ "$trusted" = yes ] || die "the $suite index is not verified by a trusted key ($file)"
		/usr/lib/apt/apt-helper cat-file "$file" | awk -v s="$suite" -v OFS='\t' '
			BEGIN { RS = ""; FS = "\n" }
			$1 ~ /^Package: linux-(image|headers|source|modules|binary|base|kbuild)-/ {
				split("", f)
				for (i = 1; i <= NF; i++) {
					if ($i ~ /^ /) continue
					k = $i; sub(/:.*/, "", k); v = $i; sub(/^[^:]*: ?/, "", v); f[k] = v
				}
				print s, f["Package"], f["Version"], df(f["SHA256"]), df(f["Filename"]), df(f["Depends"]), df(f["Built-Using"])
			}
			function df(x) { return x == "" ? "-" : x }' ||
			die "cannot read the $suite index ($file)"
		n=$((n + 1))
	done <<<"$targets"
	[ "$n" -gt 0 ] || die "the private apt root has no package index"
}

# coverage_kernels INDEX FLAVOURS MIN: the kernel images (not the
# metapackages that follow them) of upstream MIN
# (X.Y) and newer in FLAVOURS (space-separated), one TSV line each, in run
# order (package version, then flavour, so the flavours of one build,
# which share a source, are neighbours): KVER VERSION FLAVOUR IMAGE SUITES.
# A signed image and its -unsigned twin are one kernel; IMAGE is the twin
# when listed (what sysroot_fetch unpacks), VERSION its newest, SUITES
# (comma-separated) every suite that lists either at that version.
coverage_kernels() {
	local index=$1 flavours=$2 min=$3
	awk -F'\t' -v OFS='\t' -v fl="$flavours" '
		BEGIN { n = split(fl, a, " "); for (i = 1; i <= n; i++) rank[a[i]] = i }
		$2 ~ /^linux-image-[0-9]/ && $2 !~ /-dbg$/ {
			k = $2; sub(/^linux-image-/, "", k); sub(/-unsigned$/, "", k)
			# X.Y.Z[-ABI][+debN[.M]]-FLAVOUR; not the metapackages (linux-image-6.12-amd64)
			if (!match(k, /^[0-9]+\.[0-9]+\.[0-9]+(-[0-9]+)?(\+deb[0-9]+(\.[0-9]+)*)?-/)) next
			f = substr(k, RLENGTH + 1)
			if (!(f in rank)) next
			print k, f, rank[f], $2, $3, $1
		}' "$index" | sort -t$'\t' -k1,1 -k5,5V | awk -F'\t' -v OFS='\t' -v min="$min" '
		# per kernel: the -unsigned twin if listed, its newest version
		function flush(   s, i, n, ss) {
			if (k == "") return
			img = ("u" in pk) ? pk["u"] : pk["s"]
			v = (img == pk["u"]) ? vu : vs
			s = ""
			n = split(suites[v], ss, " ")
			for (i = 1; i <= n; i++) if (index("," s ",", "," ss[i] ",") == 0) s = s (s == "" ? "" : ",") ss[i]
			split(v, up, /[-.]/)
			split(min, mn, ".")
			if (up[1] + 0 > mn[1] + 0 || (up[1] + 0 == mn[1] + 0 && up[2] + 0 >= mn[2] + 0))
				print v, r, k, img, f, s
		}
		$1 != k { flush(); k = $1; f = $2; r = $3; split("", pk); split("", suites); vu = vs = "" }
		{
			if ($4 ~ /-unsigned$/) { pk["u"] = $4; vu = $5 } else { pk["s"] = $4; vs = $5 }
			suites[$5] = suites[$5] " " $6
		}
		END { flush() }' | sort -t$'\t' -k1,1V -k2,2n | awk -F'\t' -v OFS='\t' '{ print $3, $1, $5, $4, $6 }'
}

# coverage_kernel_lines INDEX BUILT FLAVOUR: the channel's metapackage for
# every kernel metapackage of FLAVOUR in each suite, one TSV line each:
# SUITE OURS KVER VERSION FOLLOWS FOLLOWS_VERSION. A suite may carry more
# than one line of kernels (bookworm-security: linux-image-amd64 follows
# 6.1, linux-image-6.12-amd64 follows 6.12): ours mirrors each one's name
# (storage-hotfix-modules-amd64, storage-hotfix-modules-6.12-amd64) and
# depends on the newest built kernel of that suite, flavour and upstream
# series, so it never moves a host to another series. BUILT: lines SUITE
# KVER VERSION FLAVOUR. A line with no built kernel is left out.
coverage_kernel_lines() {
	local index=$1 built=$2 flavour=$3
	awk -F'\t' -v OFS='\t' -v f="$flavour" '
		NR == FNR {
			if ($4 == f) { split($3, v, /[.-]/); k = $1 SUBSEP v[1] "." v[2]
				if (!(k in best) || vgt($3, bver[k])) { best[k] = $2; bver[k] = $3 } }
			next
		}
		$2 ~ ("^linux-image-([0-9]+[.][0-9]+-)?" f "$") && match($6, /linux-image-[0-9]+[.][0-9]+/) {
			m = $1 SUBSEP $2
			if (!(m in mver) || vgt($3, mver[m])) { mver[m] = $3; mser[m] = substr($6, RSTART + 12, RLENGTH - 12) }
		}
		END {
			for (m in mver) {
				split(m, sm, SUBSEP); k = sm[1] SUBSEP mser[m]
				if (!(k in best)) continue
				ours = sm[2]; sub(/^linux-image-/, "storage-hotfix-modules-", ours)
				print sm[1], ours, best[k], bver[k], sm[2], mver[m]
			}
		}
		# vgt A B: version A is newer than B, numeric runs compared as
		# numbers ("~" is not ordered first: one suite does not list
		# 6.12.117-1 and 6.12.117-1~deb12u1 of the same line).
		function vgt(a, b,   x, y, n, i) {
			n = split(a, x, /[^0-9]+/); split(b, y, /[^0-9]+/)
			for (i = 1; i <= n; i++) if (x[i] + 0 != y[i] + 0) return x[i] + 0 > y[i] + 0
			return 0
		}' "$built" "$index" | LC_ALL=C sort
}

# coverage_inputs INDEX KVER VERSION IMAGE SERIES: what a kernel's job reads
# from the archive, sorted, one line each: "PACKAGE VERSION SHA256" for the
# image and its twin, the packages named after KVER (headers, split image
# parts), the headers' -common package, linux-kbuild-SERIES and
# linux-source-SERIES of that version; "PACKAGE VERSION unlisted" for a
# dependency of the image that no index lists (fetched by pool path).
coverage_inputs() {
	local index=$1 kver=$2 ver=$3 img=$4 series=$5
	awk -F'\t' -v k="$kver" -v v="$ver" -v img="$img" -v src="linux-source-$series" -v kb="linux-kbuild-$series" '
		function ends(s, t) { return length(s) >= length(t) && substr(s, length(s) - length(t) + 1) == t }
		function deps(s, into,   n, d, i, p) {
			n = split(s, d, /[,|]/)
			for (i = 1; i <= n; i++) { p = d[i]; gsub(/^ +/, "", p); sub(/ .*/, "", p); into[p] = 1 }
		}
		$3 != v || $2 ~ /-dbg$/ { next }
		NR == FNR { listed[$2] = 1; if ($2 == img) deps($6, imgdep); if ($2 == "linux-headers-" k) deps($6, hdrdep); next }
		ends($2, "-" k) || ends($2, "-" k "-unsigned") || $2 == src || $2 == kb || (($2 in hdrdep) && $2 ~ /-common/) {
			print $2, $3, $4
		}
		END { for (p in imgdep) if (ends(p, "-" k) && !(p in listed)) print p, v, "unlisted" }
	' "$index" "$index" | LC_ALL=C sort -u
}

# coverage_fix_hash TOP: one hash of every fix folder under TOP (the
# folders with a fix.conf): file names and contents.
coverage_fix_hash() {
	local top=$1 conf
	local -a dirs=()
	for conf in "$top"/*/fix.conf; do
		[ ! -f "$conf" ] || dirs+=("$(basename "$(dirname "$conf")")")
	done
	[ ${#dirs[@]} -gt 0 ] || die "no fix folder (*/fix.conf) under $top"
	(cd "$top" && find "${dirs[@]}" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) |
		sha256sum | cut -c1-16
}

# coverage_key INPUTS FIXHASH VERSION: a job's key: its archive inputs,
# the fixes' contents, storage-hotfix's version and the job schema.
coverage_key() {
	printf '%s\n' "$1" "fixes $2" "storage-hotfix $3" "schema $COVERAGE_SCHEMA" | sha256sum | cut -c1-16
}

# coverage_up_to_date JOBFILE KEY MODE: true when JOBFILE holds a result
# for KEY that answers MODE: a full result answers both modes; a plan-only
# one answers a full run too when no fix applies (the full run would stop
# at the plan as well). Errors, of the kernel or of a fix, are never kept.
coverage_up_to_date() {
	local file=$1 key=$2 mode=$3
	[ -f "$file" ] || return 1
	jq -e --arg k "$key" --arg m "$mode" '
		.inputs_key == $k and .status != "error" and ([.fixes[] | select(.verdict == "error")] | length) == 0 and
		(.mode == "full" or $m == "plan-only" or ([.fixes[] | select(.verdict == "applies")] | length) == 0)' \
		"$file" >/dev/null 2>&1
}

# coverage_http URL: the HTTP status the archive answers for URL (000: none).
coverage_http() {
	curl -sS -o /dev/null -I -w '%{http_code}' "$1" 2>/dev/null || true
}

# coverage_download URL DEST: DEST from URL, renamed into place only when
# complete; an existing DEST is kept.
coverage_download() {
	local url=$1 dest=$2 tmp
	[ -f "$dest" ] && return 0
	mkdir -p "$(dirname "$dest")"
	tmp=$(mktemp "$dest.XXXXXX")
	if ! curl -fsS -o "$tmp" "$url"; then
		rm -f "$tmp"
		return 1
	fi
	mv "$tmp" "$dest"
}

# coverage_source IMG VER SERIES UPSTREAM KVER DEST: where the full
# pipeline takes the kernel's source from, the first that is served:
#   index   linux-source-SERIES VER in a signed index (hotfix-build fetches it)
#   pinned  the source scripts/kernels.pinned pins for KVER (same)
#   pool    Debian's linux-source-SERIES VER by pool path: no index lists
#           it, so no checksum vouches for it; the proof does
#   orig    the upstream orig tarball by pool path (Debian's patches are
#           missing; the proof says whether they touched the fix's code)
# Prints "ORIGIN<TAB>FILE<TAB>LABEL" (FILE - for index and pinned; the
# others are downloaded under DEST), "none<TAB>-<TAB>what was tried" when
# nothing is served, "error<TAB>-<TAB>why" when the archive did not answer.
coverage_source() {
	local img=$1 ver=$2 series=$3 upstream=$4 kver=$5 dest=$6 pkg=linux-source-$3 path base code file tried orig
	if [ -n "$(archive_field "$pkg" "$ver" SHA256)" ]; then
		printf 'index\t-\t%s %s (signed index)\n' "$pkg" "$ver"
		return 0
	fi
	tried="$pkg $ver: in no signed index"
	orig=$(pinned_field "$kver" 3)
	if [ -n "$orig" ] && [ "$orig" != - ]; then
		printf 'pinned\t-\t%s (sha256 pinned in scripts/kernels.pinned)\n' "$(basename "${orig%%:*}")"
		return 0
	fi
	if ! base=$(sysroot_pool_base "$img" "$ver") || ! path=$(sysroot_pool_path "$img" "$ver" "$pkg" all); then
		printf 'error\t-\tcannot tell the pool path of %s %s\n' "$pkg" "$ver"
		return 0
	fi
	for file in "$path" "${path%/*}/linux_$upstream.orig.tar.xz"; do
		code=$(coverage_http "$base/$file")
		case $code in
		200) ;;
		404 | 410) tried+="; $file: HTTP $code"; continue ;;
		*) printf 'error\t-\t%s: HTTP %s\n' "$file" "$code"; return 0 ;;
		esac
		coverage_download "$base/$file" "$dest/$(basename "$file")" ||
			{ printf 'error\t-\tdownloading %s failed\n' "$file"; return 0; }
		file=$dest/$(basename "$file")
		case $file in
		*.deb) printf 'pool\t%s\t%s %s by pool path (no index lists it; sha256 %s)\n' "$file" "$pkg" "$ver" "$(sha256_of "$file")" ;;
		*) printf 'orig\t%s\t%s by pool path (upstream only, no Debian patches; sha256 %s)\n' "$file" "$(basename "$file")" "$(sha256_of "$file")" ;;
		esac
		return 0
	done
	printf 'none\t-\t%s\n' "$tried"
}

# coverage_error LOG: the error a pipeline command stopped with (its
# "storage-hotfix: error:" line and the indented ones after it), else its
# last line.
coverage_error() {
	local msg
	msg=$(awk '/^storage-hotfix: error: / { p = 1; sub(/^storage-hotfix: error: /, ""); out = $0; next }
		p && /^    / { sub(/^ +/, ""); out = out "; " $0; next } { p = 0 } END { print out }' "$1")
	[ -n "$msg" ] || msg=$(tail -n 1 "$1")
	printf '%s\n' "$msg"
}

# coverage_fix_result REPORT: a fix's result from hotfix-build's report of
# one fix, as coverage records it: verdict, reason, source state, the
# proof (and the sections and functions that differ), the changed
# functions, the steps' seconds.
coverage_fix_result() {
	jq -c '.fixes[0] | {verdict, reason, source_state: (.source_state // null),
		patch_series: (.patch_series // null),
		proof: (.proof.result // null),
		proof_modules: ([.proof.modules[]? | select(.result == "identical") | .module]),
		proof_differences: ([.proof.modules[]? | select(.result == "different") |
			"\(.module): " + (.detail | map(select(test("^(section|relocations|symbol)"))) | join(" / "))]),
		changed_functions: (.changed_functions // []),
		unexpected_functions: (if (.explain | type) == "object" then .explain.unexpected else null end),
		step_seconds: .seconds}' "$1"
}

# coverage_cache_entries CACHE: the entries a job may create in CACHE
# (downloads, sysroots, build trees, full sources), one path per line.
coverage_cache_entries() {
	local d
	for d in debs sysroot buildtree tree pool coverage/pool; do
		if [ -d "$1/$d" ]; then find "$1/$d" -mindepth 1 -maxdepth 1; fi
	done | LC_ALL=C sort
}

# coverage_owned PATH KVER VERSION: true when cache entry PATH (one of
# coverage_cache_entries) holds this kernel's files: its sysroot or build
# tree, a download of one of its packages (they all carry VERSION in their
# file names) or its upstream orig tarball, a source tree of its upstream
# release. Entries of other kernels, and dot entries (a download or an
# extraction in progress, maybe another process's) are not, unless the
# fourth argument is "partial" (an interrupted job's own leftovers): a job
# drops only what it owns, whoever else shares the cache.
coverage_owned() {
	local p=$1 kver=$2 ver=${3#*:} partial=${4:-} name up
	name=${p##*/}
	up=${ver%%-*}
	case $name in .*) [ "$partial" = partial ] || return 1 ;; esac
	case $p in
	*/sysroot/*) [ "$name" = "$kver" ] ;;
	*/buildtree/*) [ "${name#"$kver"-}" != "$name" ] ;;
	*/debs/* | */pool/*) compgen -G "$p/*_${ver}_*" >/dev/null || compgen -G "$p/*_${up}.orig.tar.*" >/dev/null ;;
	*/tree/*)
		[ -f "$p/Makefile" ] && [ "$(awk '/^VERSION = / { v = $3 } /^PATCHLEVEL = / { p = $3 } /^SUBLEVEL = / { s = $3 }
			END { print v "." p "." s }' "$p/Makefile")" = "$up" ]
		;;
	*) return 1 ;;
	esac
}

# coverage_new_entries BEFORE CACHE KVER VERSION [partial]: the entries of
# CACHE that are not in file BEFORE and that this kernel owns
# (coverage_owned).
coverage_new_entries() {
	local p
	coverage_cache_entries "$2" | LC_ALL=C comm -13 "$1" - | while read -r p; do
		if coverage_owned "$p" "$3" "$4" "${5:-}"; then printf '%s\n' "$p"; fi
	done
}

# coverage_shared PATH: true for what the other flavours of the same
# package version use as well (the source, full or as a package, and the
# headers' common parts): kept until the run leaves that version.
coverage_shared() {
	case $1 in
	*/tree/* | */pool/*) return 0 ;;
	*/debs/*) compgen -G "$1/linux-source-*" >/dev/null || compgen -G "$1/linux-headers-*-common*" >/dev/null ||
		compgen -G "$1/linux-kbuild-*" >/dev/null ;;
	*) return 1 ;;
	esac
}

# coverage_job KERNEL MODE KEY INPUTS STATE SHARED TOP CACHE: run one
# kernel's job (KERNEL: a coverage_kernels line; MODE plan-only or full;
# KEY, INPUTS: coverage_key, coverage_inputs) and write STATE/jobs/KVER.json
# (its log: STATE/logs/KVER.log). The pipeline (TOP/scripts) works under
# STATE/work. What the job added to CACHE (SHF_CACHE) is dropped once the
# result is written, except, when SHARED is a file, what coverage_shared
# names: those paths are appended to SHARED for the caller to drop once
# it leaves this package version.
coverage_job() {
	local kver ver flavour img suites mode=$2 key=$3 inputs=$4 state=$5 shared=$6 top=$7 cache=$8
	IFS=$'\t' read -r kver ver flavour img suites <<<"$1"
	local work=$state/work scratch log t0 t status=ok reason='' root='' out report series upstream
	local base code file p headers='' src_line='' src_origin='' src_file='' src_label='' build_tree=''
	local fixes='[]' unlisted='[]' sigcheck=null disk id res tsrc=''
	local -a srcopt=() created=() keep=()
	t0=$(now_s)
	upstream=${ver%%-*}
	series=$(ver_series "$upstream")
	mkdir -p "$state/jobs" "$state/logs" "$work"
	scratch=$(mktemp -d "$state/.job.XXXXXX")
	log=$scratch/log
	# Who may abort this job, and what it owns (coverage_abort).
	printf '%s\t%s\t%s\n' "$$" "$kver" "$ver" >"$scratch/owner"
	coverage_cache_entries "$cache" >"$scratch/before"
	# The image is listed; is it served?
	base=$(sysroot_pool_base "$img" "$ver" 2>>"$log") || { status=error reason=$(coverage_error "$log"); }
	if [ "$status" = ok ]; then
		file=$(archive_field "$img" "$ver" Filename)
		code=$(coverage_http "$base/$file")
		case $code in
		200) ;;
		404 | 410) status=image-not-served reason="$img $ver: the index lists it, the archive answers HTTP $code for $file" ;;
		*) status=error reason="$img $ver: HTTP $code for $file" ;;
		esac
	fi
	# Parts of the image that no index lists (6.19 .. 7.1): served by pool path?
	if [ "$status" = ok ]; then
		while read -r p _ _; do
			file=$(sysroot_pool_path "$img" "$ver" "$p" 2>>"$log") || { status=error reason=$(coverage_error "$log"); break; }
			code=$(coverage_http "$base/$file")
			[ "$code" = 200 ] && continue
			case $code in 404 | 410) status=modules-not-served ;; *) status=error ;; esac
			reason+="${reason:+; }$p $ver: no signed index lists it; the archive answers HTTP $code for $file"
		done < <(awk '$3 == "unlisted"' <<<"$inputs")
	fi
	if [ "$status" = ok ]; then
		if root=$(SHF_WORK=$work "$top/scripts/fetch-kernel" --pool "$kver" 2>>"$log"); then
			[ ! -f "$root/.unlisted" ] || unlisted=$(jq -Rsc 'split("\n") | map(select(. != "") | split(" ") |
				{package: .[0], version: .[1], path: .[2], sha256: .[3]})' "$root/.unlisted")
			[ ! -d "$root/usr/src/linux-headers-$kver" ] || headers=1
		else
			status=error reason=$(coverage_error "$log")
		fi
	fi
	# Modules by pool path: no index vouches for them, their signatures
	# can (the build key is in the vmlinuz a signed index gave us).
	if [ "$status" = ok ] && grep -q '^linux-modules-' "$root/.unlisted" 2>/dev/null; then
		# shellcheck disable=SC2046 # one folder per word
		if ! sigcheck=$(coverage_check_unlisted "$root" "$kver" $(coverage_build_dirs "$top")); then
			status=error
			reason="the modules fetched by pool path are not all signed by the build key in the kernel's vmlinuz (from a signed index): $sigcheck"
		fi
	fi
	if [ "$status" = ok ]; then
		t=$(now_s)
		if out=$(SHF_WORK=$work "$top/scripts/hotfix-build" plan "$kver" --root "$root" 2>>"$log") &&
			report=${out#report: } && [ -f "$report" ]; then
			fixes=$(jq -c --argjson s "$(elapsed "$t")" '[.fixes[] | {id, module: .module, plan_verdict: .verdict, verdict,
				reason, plan_seconds: $s}]' "$report")
		else
			status=error reason=$(coverage_error "$log")
		fi
		if [ -n "$headers" ] && grep -q "^linux-headers-$kver " "$root/.unlisted" 2>/dev/null; then
			build_tree="linux-headers-$kver $ver by pool path (no index lists it; the proof checks it)"
		elif [ -n "$headers" ]; then
			build_tree="linux-headers-$kver $ver (signed index)"
		else
			build_tree="no headers listed: prepared from the source and config-$kver"
		fi
	fi
	# No headers anywhere and CONFIG_MODVERSIONS: a build tree prepared
	# from source would have no symbol CRCs; say so instead of building.
	local noheaders=''
	if [ "$status" = ok ] && [ "$mode" = full ] && [ -z "$headers" ] &&
		grep -qs '^CONFIG_MODVERSIONS=y' "$root/boot/config-$kver" "$root/usr/lib/modules/$kver/config"; then
		file=$(sysroot_pool_path "$img" "$ver" "linux-headers-$kver" 2>>"$log") || file=linux-headers-$kver
		noheaders="no linux-headers-$kver $ver in any signed index, nor in the pool (HTTP $(coverage_http "$base/$file") for $file); with CONFIG_MODVERSIONS=y a build tree prepared from source has no symbol CRCs"
		build_tree="none: no headers served, and a prepared tree lacks CONFIG_MODVERSIONS' CRCs"
	fi
	# The whole pipeline, for each fix that applies.
	if [ "$status" = ok ] && [ "$mode" = full ]; then
		for id in $(jq -r '.[] | select(.verdict == "applies") | .id' <<<"$fixes"); do
			if [ -n "$noheaders" ]; then
				fixes=$(jq -c --arg id "$id" --arg r "$noheaders" \
					'map(if .id == $id then . + {verdict: "headers-not-served", reason: $r} else . end)' <<<"$fixes")
				continue
			fi
			if [ -z "$src_line" ]; then
				t=$(now_s)
				src_line=$(coverage_source "$img" "$ver" "$series" "$upstream" "$kver" "$cache/coverage/pool" 2>>"$log")
				tsrc=$(elapsed "$t")
				IFS=$'\t' read -r src_origin src_file src_label <<<"$src_line"
				# Pinned to the bytes downloaded (no index vouches for a pool-path
				# file: the sandboxed proof does).
				[ "$src_file" = - ] || srcopt=(--source "$src_file" --source-sha256 "$(sha256_of "$src_file")")
				[ -n "$headers" ] || build_tree="no headers listed: prepared from that source and config-$kver"
			fi
			case $src_origin in
			none) res=$(jq -cn --arg r "no source is served for $ver: $src_label" '{verdict: "source-not-served", reason: $r}') ;;
			error) res=$(jq -cn --arg r "the source could not be looked up: $src_label" '{verdict: "error", reason: $r}') ;;
			*)
				t=$(now_s)
				info "coverage: hotfix-build all $kver --fix $id ${srcopt[*]}" 2>>"$log"
				out=$(SHF_WORK=$work "$top/scripts/hotfix-build" all "$kver" --root "$root" --fix "$id" "${srcopt[@]}" 2>>"$log") || true
				# A refusal still writes the report; a stop (die) does not.
				if [ -n "$out" ] && [ -f "${out#report: }" ]; then
					res=$(coverage_fix_result "${out#report: }")
				else
					res=$(jq -cn --arg r "$(coverage_error "$log")" '{verdict: "error", reason: $r}')
				fi
				res=$(jq -c --argjson s "$(elapsed "$t")" '. + {seconds: $s}' <<<"$res")
				;;
			esac
			fixes=$(jq -c --arg id "$id" --argjson r "$res" 'map(if .id == $id then . + $r else . end)' <<<"$fixes")
		done
	fi
	# What the channel ships of it outlives the job (build-prebuilt --coverage).
	local kept='[]'
	if [ "$status" = ok ] && [ "$mode" = full ] && [ -f "$work/$kver/report.json" ]; then
		if ! kept=$(coverage_keep_prebuilt "$kver" "$ver" "$root" "$work/$kver/report.json" "$state/prebuilt" 2>>"$log"); then
			status=error reason="the proven modules could not be kept: $(coverage_error "$log")" kept='[]'
		fi
	fi
	# What the job added to the cache, measured before it goes.
	mapfile -t created < <(coverage_new_entries "$scratch/before" "$cache" "$kver" "$ver")
	[ ! -d "$work/$kver" ] || created+=("$work/$kver")
	disk=$(coverage_disk_bytes ${created[@]+"${created[@]}"})
	# A kernel-level verdict stands for every fix.
	if [ "$status" != ok ]; then
		fixes=$(jq -cn --arg v "$status" --arg r "$reason" --argjson ids "$(coverage_fix_ids "$top")" \
			'[$ids[] | {id: ., module: null, plan_verdict: null, verdict: $v, reason: $r}]')
	fi
	jq -n --argjson schema "$COVERAGE_SCHEMA" --arg k "$kver" --arg v "$ver" --arg f "$flavour" --arg img "$img" \
		--arg suites "$suites" --arg mode "$mode" --arg key "$key" --arg inputs "$inputs" --arg status "$status" \
		--arg reason "$reason" --argjson unlisted "$unlisted" --arg sl "$src_label" --arg so "$src_origin" \
		--arg bt "$build_tree" --argjson fixes "$fixes" --argjson secs "$(elapsed "$t0")" \
		--arg tsrc "$tsrc" --argjson disk "$disk" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" --argjson sig "$sigcheck" --argjson kept "$kept" \
		--arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg host "$(hostname)" --arg sv "$(cat "$top/VERSION")" '
		{schema: $schema, kernel: $k, version: $v, upstream: ($v | sub("-.*"; "")), flavour: $f, image: $img,
		 suites: ($suites | split(",")), mode: $mode, inputs_key: $key,
		 inputs: ($inputs | split("\n") | map(select(. != "") | split(" ") |
			{package: .[0], version: .[1], sha256: (if .[2] == "unlisted" then null else .[2] end), listed: (.[2] != "unlisted")})),
		 unlisted: $unlisted, unlisted_signatures: $sig, status: $status, reason: (if $reason == "" then null else $reason end),
		 source: (if $sl == "" then null else {origin: $so, label: $sl} end),
		 build_tree: (if $bt == "" then null else $bt end),
		 fixes: $fixes, prebuilt: $kept, seconds: $secs, source_seconds: (if $tsrc == "" then null else ($tsrc | tonumber) end),
		 disk_bytes: $disk, load: $load, date: $date, host: $host, storage_hotfix: $sv}' >"$scratch/job.json"
	mv "$log" "$state/logs/$kver.log"
	mv "$scratch/job.json" "$state/jobs/$kver.json"
	rm -rf "$scratch"
	# Bounded disk: this kernel's files go now, its version's shared ones
	# when the caller leaves that version.
	for p in "${created[@]}"; do
		if [ -n "$shared" ] && coverage_shared "$p"; then keep+=("$p"); else rm -rf "$p"; fi
	done
	[ ${#keep[@]} -eq 0 ] || printf '%s\n' "${keep[@]}" >>"$shared"
}

# coverage_keep_prebuilt KVER VERSION ROOT REPORT DIR: what the channel
# ships of a kernel its job proved, kept after the job's builds go:
# DIR/KVER/report.json (REPORT, each shippable fix's module_path pointing
# at its copy), DIR/KVER/modules/ (those modules, debug info stripped) and
# DIR/KVER/kernel.json (the image VERSION, its module folder as ROOT has
# it). Replaced whole; removed when nothing is shippable. Prints the fix
# ids kept (JSON).
coverage_keep_prebuilt() {
	local kver=$1 ver=$2 root=$3 report=$4 dir=$5 tmp id src ids moddir=/usr/lib/modules
	local -a args=()
	ids=$(report_shippable "$report")
	if [ -z "$ids" ]; then
		rm -rf "${dir:?}/$kver"
		echo '[]'
		return 0
	fi
	[ ! -d "$root/lib/modules/$kver/kernel" ] || moddir=/lib/modules
	mkdir -p "$dir"
	# An earlier, interrupted copy.
	rm -rf "$dir/.$kver."*
	tmp=$(mktemp -d "$dir/.$kver.XXXXXX")
	mkdir "$tmp/modules"
	for id in $ids; do
		src=$(report_fix_field "$report" "$id" .module_path)
		[ -f "$src" ] || { rm -rf "$tmp"; die "$id: no module at $src"; }
		objcopy --strip-debug "$src" "$tmp/modules/$(basename "$src")" || { rm -rf "$tmp"; die "objcopy failed on $src"; }
		args+=("$id" "$dir/$kver/modules/$(basename "$src")")
	done
	jq --args '($ARGS.positional | [range(0; length; 2) as $i | .[$i:$i + 2]]) as $m |
		.fixes |= map(. as $f | ($m | map(select(.[0] == $f.id)) | first) as $x |
			if $x then .module_path = $x[1] else . end)' "${args[@]}" <"$report" >"$tmp/report.json"
	jq -n --arg k "$kver" --arg v "$ver" --arg m "$moddir" '{kernel: $k, version: $v, moddir: $m}' >"$tmp/kernel.json"
	rm -rf "${dir:?}/$kver"
	mv "$tmp" "$dir/$kver"
	printf '%s\n' "$ids" | jq -Rsc 'split("\n") | map(select(. != ""))'
}

# coverage_build_dirs TOP: the fixes' Kbuild folders (FIX_BUILD_DIR), one
# per line.
coverage_build_dirs() {
	local conf
	for conf in "$1"/*/fix.conf; do
		# shellcheck source=/dev/null
		[ ! -f "$conf" ] || (FIX_BUILD_DIR='' && . "$conf" && printf '%s\n' "$FIX_BUILD_DIR")
	done | sort -u
}

# coverage_fix_ids TOP: the fix ids, as a JSON array (fix folders' order).
coverage_fix_ids() {
	local conf
	for conf in "$1"/*/fix.conf; do
		# shellcheck source=/dev/null
		[ ! -f "$conf" ] || (FIX_ID='' && . "$conf" && printf '%s\n' "$FIX_ID")
	done | jq -Rsc 'split("\n") | map(select(. != ""))'
}

# coverage_abort SCRATCH CACHE WORK: an interrupted job of this process
# leaves nothing: what it added to CACHE and owns (listed against
# SCRATCH/before), its work folder WORK, and SCRATCH itself go. Another
# process's job (SCRATCH/owner) is left alone.
coverage_abort() {
	local scratch=$1 cache=$2 work=$3 p pid kver ver
	[ -d "$scratch" ] || return 0
	[ -f "$scratch/owner" ] || return 0
	IFS=$'\t' read -r pid kver ver <"$scratch/owner"
	[ "$pid" = "$$" ] || return 0
	if [ -f "$scratch/before" ]; then
		coverage_new_entries "$scratch/before" "$cache" "$kver" "$ver" partial | while read -r p; do rm -rf "$p"; done
	fi
	rm -rf "$work" "$scratch"
}

# coverage_disk_bytes PATH...: the bytes PATHs take, as an integer (0 for
# none). Not through awk: Debian's mawk prints sums above 2^31 as
# 3.27894e+09, which shell arithmetic refuses.
coverage_disk_bytes() {
	local total
	[ $# -gt 0 ] || { echo 0; return 0; }
	total=$( (du -sbc "$@" 2>/dev/null || true) | tail -n 1 | cut -f1)
	case $total in '' | *[!0-9]*) total=0 ;; esac
	printf '%s\n' "$total"
}

# coverage_drop LIST: remove the paths listed in file LIST, then LIST.
coverage_drop() {
	local p
	[ -f "$1" ] || return 0
	while read -r p; do [ -z "$p" ] || rm -rf "$p"; done <"$1"
	rm -f "$1"
}

# coverage_merge KERNELS JOBS DATE TOP SUITES: docs/coverage.json's content
# (on stdout) from the job files in JOBS for the kernels listed in file
# KERNELS (coverage_kernels lines plus each one's current key); a kernel
# without a job file is "not-run", one whose key changed since is marked
# stale. DATE: when the tables were made (YYYY-MM-DD); SUITES: the
# indexes read (comma-separated).
coverage_merge() {
	local kernels=$1 jobs=$2 date=$3 top=$4 suites=$5 earlier=${6:-/dev/null} kver
	local -a files=()
	while IFS=$'\t' read -r kver _; do
		[ ! -f "$jobs/$kver.json" ] || files+=("$jobs/$kver.json")
	done <"$kernels"
	[ -s "$earlier" ] || earlier=/dev/null
	jq -n --rawfile k "$kernels" --slurpfile j <(cat "${files[@]}" /dev/null) --argjson ids "$(coverage_fix_ids "$top")" \
		--slurpfile e "$earlier" \
		--arg date "$date" --arg sv "$(cat "$top/VERSION")" --argjson schema "$COVERAGE_SCHEMA" --arg suites "$suites" '
		def count(f): map(select(f)) | length;
		def fix: {id, module: .module, plan_verdict, verdict, reason, source_state, patch_series, proof,
			proof_modules, proof_differences, changed_functions, unexpected_functions, seconds};
		($j | map({(.kernel): .}) | add // {}) as $jobs
		# A kernel this machine has no job for keeps the row an earlier
		# merge wrote (another session, another machine): the table is a
		# ledger, each row dated by its own job.
		| ([$e[] | select(.schema == $schema) | .kernels[] | select(.status != "not-run") | {(.kernel): .}] | add // {}) as $earlier
		| [$k | split("\n")[] | select(. != "") | split("\t") |
			{kernel: .[0], version: .[1], upstream: (.[1] | sub("-.*"; "")), series: (.[1] | sub("-.*"; "") | split(".")[0:2] | join(".")),
			 flavour: .[2], image: .[3], suites: (.[4] | split(",")), key: .[5]}] as $list
		| [$list[] | . as $l | $jobs[$l.kernel] as $job |
			$earlier[$l.kernel] as $old |
			if $job != null then
				($l | del(.key)) + ($job | {mode, status, reason, source, build_tree, unlisted,
					unlisted_signatures: (.unlisted_signatures // null), seconds, disk_bytes, load, date, host,
					fixes: [.fixes[] | fix]})
				+ {stale: ($job.inputs_key != $l.key), inputs_key: $job.inputs_key, carried: false}
			elif $old != null then
				# Unknown staleness (null) when the earlier table kept no key.
				($l | del(.key)) + ($old | del(.kernel, .version, .upstream, .series, .flavour, .image, .suites))
				+ {stale: (if ($old.inputs_key // null) == null then null else $old.inputs_key != $l.key end),
				   inputs_key: ($old.inputs_key // null), carried: true}
			else
				($l | del(.key)) + {mode: null, status: "not-run", stale: false, reason: null, source: null, build_tree: null,
					unlisted: [], unlisted_signatures: null, seconds: null, disk_bytes: null, load: null, date: null, host: null,
					inputs_key: null, carried: false,
					fixes: [$ids[] | {id: ., verdict: "not-run"} | fix]}
			end] as $kernels
		| ($kernels | map(.fixes[]) ) as $all
		| {schema: $schema, generated: $date, storage_hotfix: $sv,
		   suites: ($suites | split(",")),
		   summary: {
			images: ($kernels | length),
			flavours: ($kernels | group_by(.flavour) | map({(.[0].flavour): length}) | add // {}),
			series: ($kernels | group_by(.series) | map({(.[0].series): length}) | add // {}),
			full: ($kernels | count(.mode == "full")),
			plan_only: ($kernels | count(.mode == "plan-only")),
			not_run: ($kernels | count(.status == "not-run")),
			stale: ($kernels | count(.stale)),
			carried: ($kernels | count(.carried)),
			carried_unkeyed: ($kernels | count(.carried and .stale == null)),
			image_not_served: ($kernels | count(.status == "image-not-served")),
			modules_not_served: ($kernels | count(.status == "modules-not-served")),
			modules_by_pool_path: ($kernels | count((.unlisted | length) > 0)),
			errors: ($kernels | count(.status == "error")),
			fix_errors: ([$kernels[] | select(.status == "ok") | .fixes[]] | count(.verdict == "error")),
			proven: ($all | count(.verdict == "applies" and ((.changed_functions // []) | length) > 0)),
			refused: ($all | count(.verdict == "refused")),
			source_not_served: ($all | count(.verdict == "source-not-served")),
			headers_not_served: ($all | count(.verdict == "headers-not-served")),
			fixes: ([$ids[] as $id | {($id): ([$kernels[].fixes[] | select(.id == $id)] | {
				affected: count(.plan_verdict == "applies" and .verdict != "fixed-in-source"),
				plan_applies: count(.plan_verdict == "applies"),
				proven: count(.verdict == "applies" and ((.changed_functions // []) | length) > 0),
				pending: count(.verdict == "applies" and ((.changed_functions // []) | length) == 0),
				refused: count(.verdict == "refused"),
				fixed_in_source: count(.verdict == "fixed-in-source"),
				no_backport: count(.verdict == "no-backport"),
				source_not_served: count(.verdict == "source-not-served"),
				headers_not_served: count(.verdict == "headers-not-served"),
				errors: count(.verdict == "error")})}] | add // {})},
		   kernels: $kernels}
		| .summary_line = (.summary as $s |
			"\($s.images) images (" + ($s.flavours | to_entries | map("\(.value) \(.key)") | join(", ")) + "); affected: "
			+ ($s.fixes | to_entries | map("\(.key) \(.value.affected)") | join(", "))
			+ "; proven \($s.proven), refused \($s.refused), not served \($s.image_not_served + $s.modules_not_served + $s.source_not_served + $s.headers_not_served)"
			+ " (image \($s.image_not_served), modules \($s.modules_not_served), source \($s.source_not_served), headers \($s.headers_not_served))"
			+ "; builds pending \([$s.fixes[].pending] | add // 0) (plan only: \($s.plan_only) kernels)"
			+ (if $s.not_run > 0 then "; not run \($s.not_run)" else "" end)
			+ (if $s.stale > 0 then "; stale \($s.stale)" else "" end)
			+ (if $s.carried > 0 then "; carried from an earlier merge \($s.carried)"
				+ (if $s.carried_unkeyed > 0 then " (\($s.carried_unkeyed) without a key: staleness unknown)" else "" end) else "" end)
			+ "; errors \($s.errors + $s.fix_errors)")'
}

# coverage_markdown JSON: docs/coverage.md from docs/coverage.json.
coverage_markdown() {
	jq -r '
		def cell: if .verdict == "applies" then
				(if ((.changed_functions // []) | length) > 0 then "**proven**, changed: " + (.changed_functions | join(", "))
				 elif .proof == "identical" then "applies, proven"
				 else "applies (plan)" end)
			elif .verdict == "refused" then "**refused**: " + (if ((.proof_differences // []) | length) > 0
				then .proof_differences | join("; ")
				elif ((.unexpected_functions // []) | length) > 0 then "changes undeclared functions " + (.unexpected_functions | join(", "))
				else .reason end)
			else .verdict end | gsub("\\|"; "\\|");
		def kcell: .kernel + (if (.unlisted | length) > 0 then
				(if (.unlisted_signatures.verified // 0) > 0 and .unlisted_signatures.verified == .unlisted_signatures.checked
				 then " (pool, signed)" else " (pool)" end) else "" end) + (if .stale then " (stale)" else "" end);
		def norm($k; $u): (. // "") | split($k) | join("KVER") | split($u) | join("X.Y.Z");
		. as $d
		| ($d.kernels[0].fixes // [] | map(.id)) as $ids
		| "# Kernel coverage",
		  "",
		  "Generated by `scripts/coverage` on \($d.generated) (storage-hotfix \($d.storage_hotfix)) from the signed indexes of \($d.suites | join(", ")): every linux-image of 6.1 and newer, amd64, cloud-amd64 and rt-amd64 (a signed image and its -unsigned twin are one kernel). Every field: `docs/coverage.json`.",
		  "",
		  "**Summary:** \($d.summary_line)",
		  "",
		  "A cell is the plan'"'"'s verdict (`applies (plan)`: config and version range match; a plan-only run reads no source) or the whole pipeline'"'"'s: **proven** (the source rebuilt Debian'"'"'s modules identically, the patch applied and changed exactly these functions), **refused** (what differed), `fixed-in-source`, `source-not-served`, `headers-not-served` (CONFIG_MODVERSIONS needs the headers'"'"' symbol CRCs). `(pool)`: some of the kernel'"'"'s packages (config, modules, headers) came by pool path, no signed index lists them; `(pool, signed)`: its modules did, and their signatures verified. s: the job'"'"'s seconds; run: its day (a kernel with no job file where the merge ran keeps the row of the earlier table: `carried` in the JSON).",
		  "",
		  "| kernel | suite | flavour | " + ($ids | join(" | ")) + " | s | run | source | build tree |",
		  "|---|---|---|" + ($ids | map("---") | join("|")) + "|---:|---|---|---|",
		  ($d.kernels[] | "| \(kcell) | \(.suites | join(", ")) | \(.flavour) | "
			+ ([.fixes[] | cell] | join(" | "))
			+ " | \(if .seconds then (.seconds | round) else "-" end) | \((.date // "-")[0:10]) | \(.source.label // "-") | \(.build_tree // "-") |"),
		  "",
		  "## Why, per fix",
		  "",
		  "KVER and X.Y.Z stand for each kernel'"'"'s release and upstream version.",
		  "",
		  ($ids[] as $id | "### \($id)", "",
			([$d.kernels[] | .kernel as $k | .upstream as $u | .fixes[] | select(.id == $id) | "\(.verdict): \(.reason | norm($k; $u))"]
			 | group_by(.) | map("- \(.[0]) (\(length) kernel\(if length > 1 then "s" else "" end))")[]), ""),
		  (if ([$d.kernels[] | select(.status != "ok" and .status != "not-run")] | length) > 0 then
			"## Kernels the pipeline could not read", "",
			($d.kernels[] | select(.status != "ok" and .status != "not-run") | "- \(.kernel): \(.status): \(.reason)"), ""
		   else empty end),
		  (if ([$d.kernels[] | select((.unlisted | length) > 0)] | length) > 0 then
			"## Packages fetched by pool path (no signed index lists them; sha256 as fetched)", "",
			"`(pool, signed)`: every module of the fixes'"'"' folders in them carries a signature of the kernel'"'"'s build key, read from the vmlinuz a signed index gave (linux-binary-KVER); the config (linux-base-KVER) has nothing to check it against.", "",
			($d.kernels[] | select((.unlisted | length) > 0) |
				"- \(.kernel): " + ([.unlisted[] | "\(.package) \(.version) sha256 \(.sha256)"] | join(", "))
				+ (if .unlisted_signatures then "; signatures: \(.unlisted_signatures.verified)/\(.unlisted_signatures.checked) modules verified" else "" end)), ""
		   else empty end)' "$1"
}

# coverage_build_cert VMLINUX OUT: the certificate of the kernel's build
# key ("Build time autogenerated kernel key", which signed its modules)
# from the system keyring compiled into VMLINUX, as PEM in OUT: the DER
# certificate that holds the name, found by trying each SEQUENCE header
# in the 4 KiB before it.
coverage_build_cert() {
	local vmlinux=$1 out=$2 at start off len
	at=$(LC_ALL=C grep -obaF 'Build time autogenerated kernel key' "$vmlinux" | head -n 1 | cut -d: -f1)
	[ -n "$at" ] || return 1
	start=$((at > 4096 ? at - 4096 : 0))
	for off in $(coverage_bytes "$vmlinux" "$start" $((at - start)) |
		{ LC_ALL=C grep -obaP '\x30\x82' || true; } | cut -d: -f1 | sort -rn); do
		off=$((start + off))
		len=$(coverage_bytes "$vmlinux" $((off + 2)) 2 | od -An -tu2 --endian=big | tr -d ' ')
		[ $((off + 4 + len)) -gt "$at" ] || continue
		if coverage_bytes "$vmlinux" "$off" $((len + 4)) | openssl x509 -inform DER -out "$out" 2>/dev/null; then
			return 0
		fi
	done
	return 1
}

# coverage_bytes FILE OFFSET COUNT: COUNT bytes of FILE from OFFSET (dd
# reads only those: tail | head would die of SIGPIPE under pipefail).
coverage_bytes() {
	dd if="$1" iflag=skip_bytes,count_bytes skip="$2" count="$3" bs=64K status=none
}

# coverage_module_signed KO CERT: true when module KO (.ko, .ko.xz or
# .ko.zst) carries an appended signature that CERT's key made over the
# rest of the file (the format the kernel checks at load time).
coverage_module_signed() {
	local ko=$1 cert=$2 tmp size siglen rc=0
	tmp=$(mktemp -d)
	module_plain "$ko" "$tmp/m"
	# ... PKCS#7 | struct module_signature (12 bytes, sig_len last, big
	# endian) | "~Module signature appended~\n" (28 bytes)
	if [ "$(tail -c 28 "$tmp/m")" != "~Module signature appended~" ] || [ "$(stat -c %s "$tmp/m")" -lt 40 ]; then
		rm -rf "$tmp"
		return 1
	fi
	size=$(stat -c %s "$tmp/m")
	siglen=$(coverage_bytes "$tmp/m" $((size - 32)) 4 | od -An -tu4 --endian=big | tr -d ' ')
	coverage_bytes "$tmp/m" 0 $((size - 40 - siglen)) >"$tmp/content"
	coverage_bytes "$tmp/m" $((size - 40 - siglen)) "$siglen" >"$tmp/sig"
	openssl cms -verify -binary -inform DER -in "$tmp/sig" -content "$tmp/content" \
		-certfile "$cert" -nointern -noverify -out /dev/null 2>/dev/null || rc=1
	rm -rf "$tmp"
	return "$rc"
}

# coverage_check_unlisted ROOT KVER DIR...: the modules under DIR...
# (the fixes' build folders) of a sysroot whose modules came by pool path
# (ROOT/.unlisted): each must be signed by the build key compiled into
# the kernel's vmlinuz, which came from a signed index. Prints JSON:
# {key, checked, verified, failed: [module]}; fails when one does not
# verify or nothing could be checked.
coverage_check_unlisted() {
	local root=$1 kver=$2 vmlinuz ko tmp n=0 ok=0 key
	local -a failed=()
	shift 2
	tmp=$(mktemp -d)
	for vmlinuz in "$root/boot/vmlinuz-$kver" "$root/usr/lib/modules/$kver/vmlinuz" ""; do
		[ -z "$vmlinuz" ] || [ ! -f "$vmlinuz" ] || break
	done
	if [ -z "$vmlinuz" ] || ! vmlinux_extract "$vmlinuz" "$tmp/vmlinux" || ! coverage_build_cert "$tmp/vmlinux" "$tmp/cert.pem"; then
		rm -rf "$tmp"
		jq -cn '{key: null, checked: 0, verified: 0, failed: [], why: "no build key found in the vmlinuz"}'
		return 1
	fi
	key=$(openssl x509 -in "$tmp/cert.pem" -noout -subject -fingerprint -sha256 | tr '\n' ' ')
	while IFS= read -r ko; do
		n=$((n + 1))
		if coverage_module_signed "$ko" "$tmp/cert.pem"; then ok=$((ok + 1)); else failed+=("${ko##*/}"); fi
	done < <(for d in "$@"; do find "$root/usr/lib/modules/$kver/kernel/$d" "$root/lib/modules/$kver/kernel/$d" \
		-maxdepth 1 -name '*.ko*' 2>/dev/null || true; done | sort)
	rm -rf "$tmp"
	jq -cn --arg k "${key% }" --argjson n "$n" --argjson ok "$ok" --arg f "${failed[*]}" \
		'{key: $k, checked: $n, verified: $ok, failed: ($f | split(" ") | map(select(. != "")))}'
	[ "$n" -gt 0 ] && [ "$ok" -eq "$n" ]
}
