#!/usr/bin/env bash
# Signs a G60 envelope (Contracts/envelope/v1/README.md) with the stock `openssl` 3 command line and coreutils only.
#
# Usage: sign.sh --key KEY.pem --cert CERT.pem --from P --to Q --kind KIND --schema S --content-type T
#                [--records N] [--sequence N] [--message-id UUID] [--issued-at RFC3339] [--in-reply-to UUID]
#                [--digest sm3|sha256] PAYLOAD-FILE  > ENVELOPE
# The signature algorithm follows the certificate's key: SM2 -> sm2-sm3 (distid 1234567812345678),
# P-256 -> ecdsa-p256-sha256, Ed25519 -> ed25519. The payload digest defaults to sm3 with SM2, sha256 otherwise.
set -euo pipefail

die() { echo "sign.sh: $*" >&2; exit 2; }
key="" cert="" from="" to="" kind="" schema="" ctype="" records=0 sequence=1 msgid="" issued="" reply="" digest=""
while [ $# -gt 0 ]; do
  case "$1" in
    --key) key=$2; shift 2 ;;
    --cert) cert=$2; shift 2 ;;
    --from) from=$2; shift 2 ;;
    --to) to=$2; shift 2 ;;
    --kind) kind=$2; shift 2 ;;
    --schema) schema=$2; shift 2 ;;
    --content-type) ctype=$2; shift 2 ;;
    --records) records=$2; shift 2 ;;
    --sequence) sequence=$2; shift 2 ;;
    --message-id) msgid=$2; shift 2 ;;
    --issued-at) issued=$2; shift 2 ;;
    --in-reply-to) reply=$2; shift 2 ;;
    --digest) digest=$2; shift 2 ;;
    -*) die "unknown option $1" ;;
    *) break ;;
  esac
done
[ $# -eq 1 ] || die "expected one PAYLOAD-FILE after the options"
payload=$1
for v in key cert from to kind schema ctype; do [ -n "${!v}" ] || die "--${v/ctype/content-type} is required"; done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. The algorithm, from the certificate's public key.
certtext=$(openssl x509 -in "$cert" -noout -text)
if grep -q 'Public Key Algorithm: ED25519' <<<"$certtext"; then alg=ed25519
elif grep -q 'ASN1 OID: SM2' <<<"$certtext"; then alg=sm2-sm3
elif grep -q 'ASN1 OID: prime256v1' <<<"$certtext"; then alg=ecdsa-p256-sha256
else die "$cert: key is not SM2, P-256 or Ed25519"; fi
[ -n "$digest" ] || { [ "$alg" = sm2-sm3 ] && digest=sm3 || digest=sha256; }

# 2. The derived fields: key id = SHA-256 of the certificate's DER; payload digest and length.
keyid=sha256:$(openssl x509 -in "$cert" -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)
pdigest=$digest:$(openssl dgst -"$digest" -r < "$payload" | cut -d' ' -f1)
plength=$(wc -c < "$payload" | tr -d ' ')
[ -n "$msgid" ] || msgid=$(openssl rand -hex 16 | sed -E 's/^(.{8})(.{4}).(.{3}).(.{3})(.{12})$/\1-\2-4\3-a\4-\5/')
[ -n "$issued" ] || issued=$(date +%Y-%m-%dT%H:%M:%S%:z)

# 3. The signed bytes: each header line `name: value` + LF, in the fixed order, no signature line.
{
  printf 'g60-envelope: 1\n'
  printf 'message-id: %s\n' "$msgid"
  printf 'from: %s\n' "$from"
  printf 'to: %s\n' "$to"
  printf 'kind: %s\n' "$kind"
  printf 'schema: %s\n' "$schema"
  printf 'content-type: %s\n' "$ctype"
  printf 'issued-at: %s\n' "$issued"
  printf 'sequence: %s\n' "$sequence"
  printf 'record-count: %s\n' "$records"
  printf 'payload-digest: %s\n' "$pdigest"
  printf 'payload-length: %s\n' "$plength"
  printf 'signature-algorithm: %s\n' "$alg"
  printf 'key-id: %s\n' "$keyid"
  [ -z "$reply" ] || printf 'in-reply-to: %s\n' "$reply"
} > "$work/signed"

# 4. The signature over exactly those bytes.
case "$alg" in
  sm2-sm3) openssl dgst -sm3 -sign "$key" -sigopt distid:1234567812345678 -out "$work/sig" "$work/signed" ;;
  ecdsa-p256-sha256) openssl dgst -sha256 -sign "$key" -out "$work/sig" "$work/signed" ;;
  ed25519) openssl pkeyutl -sign -inkey "$key" -rawin -in "$work/signed" -out "$work/sig" ;;
esac

# 5. The envelope: signed header, signature line, empty line, raw payload.
cat "$work/signed"
printf 'signature: %s\n\n' "$(openssl base64 -A -in "$work/sig")"
cat "$payload"
