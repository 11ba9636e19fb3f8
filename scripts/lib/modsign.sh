# shellcheck shell=bash
# The channel's module-signing key and the kernel's module signature
# format (what the kernel's scripts/sign-file writes), with openssl: a
# detached PKCS#7 (CMS) signature over the module, no certificates, no
# signed attributes, then struct module_signature and the magic string.

# modsign_keys DIR: print "KEY CERT", the module-signing key pair. The
# operator's own when SHF_SIGN_KEY and SHF_SIGN_CERT (PEM key, DER or PEM
# certificate) are both set; else DIR/module-signing.{key,der}, made on
# first use (RSA 4096, 100 years, codeSigning) with the key 0600 in a 0700
# DIR. DIR is outside the repository (the caller's choice).
modsign_keys() {
	local dir=$1 key cert tmp
	if [ -n "${SHF_SIGN_KEY:-}" ] || [ -n "${SHF_SIGN_CERT:-}" ]; then
		if [ ! -f "${SHF_SIGN_KEY:-}" ] || [ ! -f "${SHF_SIGN_CERT:-}" ]; then
			die "SHF_SIGN_KEY and SHF_SIGN_CERT must both name files (key: '${SHF_SIGN_KEY:-}', certificate: '${SHF_SIGN_CERT:-}')"
		fi
		printf '%s %s\n' "$SHF_SIGN_KEY" "$SHF_SIGN_CERT"
		return 0
	fi
	key=$dir/module-signing.key cert=$dir/module-signing.der
	if [ ! -f "$key" ] || [ ! -f "$cert" ]; then
		command -v openssl >/dev/null || die "openssl is missing" "apt-get install openssl"
		mkdir -p "$dir"
		chmod 0700 "$dir"
		tmp=$(mktemp -d "$dir/.new.XXXXXX")
		info "making the channel's module-signing key in $dir (first use)"
		(umask 077 && openssl req -new -x509 -newkey rsa:4096 -nodes -sha256 -days 36500 -batch \
			-subj "/O=storage-hotfix/CN=storage-hotfix channel module signing key $(date -u +%Y-%m-%d)/" \
			-addext basicConstraints=critical,CA:FALSE -addext keyUsage=digitalSignature \
			-addext extendedKeyUsage=codeSigning -addext subjectKeyIdentifier=hash \
			-keyout "$tmp/module-signing.key" -outform DER -out "$tmp/module-signing.der") >"$tmp/log" 2>&1 ||
			{ cat "$tmp/log" >&2; rm -rf "$tmp"; die "openssl could not make the module-signing key"; }
		mv "$tmp/module-signing.key" "$key"
		mv "$tmp/module-signing.der" "$cert"
		rm -rf "$tmp"
	fi
	printf '%s %s\n' "$key" "$cert"
}

# modsign_cert_der CERT OUT: CERT (DER or PEM) as DER in OUT.
modsign_cert_der() {
	openssl x509 -in "$1" -outform DER -out "$2" 2>/dev/null ||
		openssl x509 -inform DER -in "$1" -outform DER -out "$2" ||
		die "$1 is not an X.509 certificate"
}

# modsign_subject CERT: the certificate's subject CN.
modsign_subject() {
	local der
	der=$(mktemp)
	modsign_cert_der "$1" "$der"
	openssl x509 -inform DER -in "$der" -noout -subject -nameopt multiline | sed -n 's/^ *commonName *= //p'
	rm -f "$der"
}

# modsign_sign KEY CERT IN OUT: OUT is IN with the kernel's module
# signature appended (sha256). IN must carry no signature yet.
modsign_sign() {
	local key=$1 cert=$2 in=$3 out=$4 sig len
	if tail -c 28 "$in" | grep -q '~Module signature appended~'; then
		die "$in is signed already"
	fi
	sig=$(mktemp)
	openssl cms -sign -in "$in" -signer "$cert" -inkey "$key" -md sha256 -binary -noattr -nocerts \
		-nosmimecap -outform DER -out "$sig" 2>"$sig.err" ||
		{ cat "$sig.err" >&2; rm -f "$sig" "$sig.err"; die "openssl could not sign $in"; }
	len=$(stat -c %s "$sig")
	{
		cat "$in" "$sig"
		# struct module_signature: algo, hash, id_type (2: PKCS#7),
		# signer_len, key_id_len, 3 bytes pad, then sig_len big-endian.
		printf '\000\000\002\000\000\000\000\000'
		printf '%b' "$(printf '\\%03o' $((len >> 24 & 255)) $((len >> 16 & 255)) $((len >> 8 & 255)) $((len & 255)))"
		printf '~Module signature appended~\n'
	} >"$out.tmp"
	rm -f "$sig" "$sig.err"
	mv "$out.tmp" "$out"
}

# modsign_strip IN OUT: OUT is IN without its appended module signature
# (the module as it was before modsign_sign or the kernel's sign-file).
modsign_strip() {
	local in=$1 out=$2 size len
	[ "$(tail -c 28 "$in")" = '~Module signature appended~' ] || die "$in carries no module signature"
	size=$(stat -c %s "$in")
	len=$(tail -c 32 "$in" | head -c 4 | od -An -tu1 | awk '{ print (($1 * 256 + $2) * 256 + $3) * 256 + $4 }')
	[ $((28 + 12 + len)) -lt "$size" ] || die "$in: a module signature longer than the file"
	head -c $((size - 28 - 12 - len)) "$in" >"$out.tmp"
	mv "$out.tmp" "$out"
}

# modsign_check CERT FILE: the signature appended to FILE verifies against
# CERT (the check the kernel makes, done with openssl): 0, or 1 with why.
modsign_check() {
	local cert=$1 file=$2 size len tmp rc=0
	size=$(stat -c %s "$file")
	[ "$(tail -c 28 "$file")" = '~Module signature appended~' ] || { echo "$file: no module signature" >&2; return 1; }
	len=$(tail -c 32 "$file" | head -c 4 | od -An -tu1 | awk '{ print (($1 * 256 + $2) * 256 + $3) * 256 + $4 }')
	tmp=$(mktemp -d)
	head -c $((size - 28 - 12 - len)) "$file" >"$tmp/body"
	tail -c $((28 + 12 + len)) "$file" | head -c "$len" >"$tmp/sig"
	modsign_cert_der "$cert" "$tmp/cert.der"
	openssl x509 -inform DER -in "$tmp/cert.der" -out "$tmp/cert.pem"
	openssl cms -verify -binary -inform DER -in "$tmp/sig" -content "$tmp/body" -certfile "$tmp/cert.pem" \
		-nointern -noverify -purpose any -out /dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; rc=1; }
	rm -rf "$tmp"
	return $rc
}
