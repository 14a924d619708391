#!/usr/bin/env bash
# Verifies a G60 envelope (Contracts/envelope/v1/README.md) with the stock `openssl` 3 command line and coreutils.
#
# Usage: verify.sh [--root ROOT.pem] ENVELOPE SENDER-CERT.pem
# Checks: header shape and order, key-id = the certificate's fingerprint, payload length and digest, signature;
# with --root also that the certificate chains to ROOT.pem (no CRL: the gateway checks revocation).
# Prints `valid: <message-id> from <sender>` (exit 0) or `invalid: <error code>: <why>` (exit 1).
set -euo pipefail

root=""
if [ "${1:-}" = "--root" ]; then root=$2; shift 2; fi
[ $# -eq 2 ] || { echo "usage: verify.sh [--root ROOT.pem] ENVELOPE SENDER-CERT.pem" >&2; exit 2; }
env=$1 cert=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
reject() { echo "invalid: $1: $2"; exit 1; }

# 1. Split: header = the lines before the first empty line; payload = every byte after that empty line.
grep -q -a -m1 '^$' "$env" || reject envelope.truncated "no empty line after the header"
hlen=$(sed -n '/^$/q;p' "$env" | wc -c)
head -c "$hlen" "$env" > "$work/header"
tail -c +$((hlen + 2)) "$env" > "$work/payload"
sed -n '/^signature: /q;p' "$work/header" > "$work/signed"

# 2. Shape: the fixed field order, then the signature line last.
names=$(cut -d: -f1 "$work/header" | tr '\n' ' ')
expected="g60-envelope message-id from to kind schema content-type issued-at sequence record-count payload-digest payload-length signature-algorithm key-id "
[ "$names" = "${expected}signature " ] || [ "$names" = "${expected}in-reply-to signature " ] \
  || reject envelope.malformed "fields are not in the v1 order: $names"
field() { sed -n "s/^$1: //p" "$work/header"; }
[ "$(field g60-envelope)" = 1 ] || reject envelope.versionUnsupported "version $(field g60-envelope)"
alg=$(field signature-algorithm)
field signature | openssl base64 -d -A > "$work/sig"

# 3. The certificate: key id, optional chain.
keyid=sha256:$(openssl x509 -in "$cert" -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)
[ "$(field key-id)" = "$keyid" ] || reject certificate.unknown "key-id $(field key-id) is not $cert ($keyid)"
if [ -n "$root" ]; then
  vfy=()
  openssl x509 -in "$cert" -noout -text | grep -q 'Signature Algorithm: SM2-with-SM3' && vfy=(-vfyopt distid:1234567812345678)
  openssl verify "${vfy[@]}" -CAfile "$root" "$cert" > /dev/null 2>&1 || reject certificate.untrusted "$cert does not chain to $root"
fi
openssl x509 -in "$cert" -noout -pubkey > "$work/pub.pem"

# 4. Payload length and digest.
[ "$(wc -c < "$work/payload" | tr -d ' ')" = "$(field payload-length)" ] \
  || reject payload.lengthMismatch "payload-length $(field payload-length), payload $(wc -c < "$work/payload") bytes"
pd=$(field payload-digest)
case "${pd%%:*}" in sm3|sha256) ;; *) reject envelope.algorithmUnsupported "digest ${pd%%:*}" ;; esac
[ "${pd%%:*}:$(openssl dgst -"${pd%%:*}" -r < "$work/payload" | cut -d' ' -f1)" = "$pd" ] \
  || reject payload.digestMismatch "payload digest differs from $pd"

# 5. The signature over the signed bytes.
case "$alg" in
  sm2-sm3) ok=$(openssl dgst -sm3 -verify "$work/pub.pem" -sigopt distid:1234567812345678 -signature "$work/sig" "$work/signed" 2>&1 || true) ;;
  ecdsa-p256-sha256) ok=$(openssl dgst -sha256 -verify "$work/pub.pem" -signature "$work/sig" "$work/signed" 2>&1 || true) ;;
  ed25519) ok=$(openssl pkeyutl -verify -pubin -inkey "$work/pub.pem" -rawin -in "$work/signed" -sigfile "$work/sig" 2>&1 || true) ;;
  *) reject envelope.algorithmUnsupported "signature algorithm $alg" ;;
esac
case "$ok" in *"Verified OK"*|*"Signature Verified Successfully"*) ;; *) reject signature.invalid "$ok" ;; esac
echo "valid: $(field message-id) from $(field from)"
