#!/usr/bin/env bash
# A partner's whole round trip with the `openssl` 3 command line only, for each algorithm: make a demo root CA and a
# partner certificate bound to `g60:partner:songjiang` (SAN URI), sign an envelope with sign.sh, verify it with
# verify.sh, and check that a tampered copy is refused. Run by `make test` (Tests/GatewayCryptoTests).
#
# Usage: roundtrip.sh [WORKDIR]   (default: a temporary folder, removed afterwards). Exit 0 when all pass.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -ge 1 ]; then work=$1; mkdir -p "$work"; else work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; fi

genkey() { # ALG OUT
  case "$1" in
    sm2) openssl genpkey -algorithm SM2 -out "$2" 2>/dev/null ;;
    p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$2" 2>/dev/null ;;
    ed25519) openssl genpkey -algorithm ED25519 -out "$2" 2>/dev/null ;;
  esac
}
sigopts() { # ALG -> the signing options for certificates
  case "$1" in
    sm2) echo "-sm3 -sigopt distid:1234567812345678 -vfyopt distid:1234567812345678" ;;
    p256) echo "-sha256" ;;
    ed25519) echo "" ;;
  esac
}

printf 'id,name\n1,G60 test 示例\n' > "$work/payload.csv"
for alg in sm2 p256 ed25519; do
  d=$work/$alg
  mkdir -p "$d"
  genkey "$alg" "$d/root.key"
  genkey "$alg" "$d/partner.key"
  # shellcheck disable=SC2046
  openssl req -x509 -new -key "$d/root.key" $(sigopts "$alg") -subj "/O=G60 demo/CN=demo root $alg" -days 30 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$d/root.pem" 2>/dev/null
  # shellcheck disable=SC2046
  openssl req -new -key "$d/partner.key" $(sigopts "$alg" | sed 's/-vfyopt.*//') -subj "/O=G60 demo/CN=songjiang" \
    -out "$d/partner.csr" 2>/dev/null
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nsubjectAltName=URI:g60:partner:songjiang\n' > "$d/ext.cnf"
  # shellcheck disable=SC2046
  openssl x509 -req -in "$d/partner.csr" -CA "$d/root.pem" -CAkey "$d/root.key" -CAcreateserial $(sigopts "$alg") \
    -days 30 -extfile "$d/ext.cnf" -out "$d/partner.pem" 2>/dev/null

  "$here/sign.sh" --key "$d/partner.key" --cert "$d/partner.pem" --from songjiang --to g60-hub \
    --kind records.batch --schema songjiang.csv.v1 --content-type "text/csv; charset=utf-8" --records 1 \
    "$work/payload.csv" > "$d/envelope"
  "$here/verify.sh" --root "$d/root.pem" "$d/envelope" "$d/partner.pem" > "$d/verdict"
  echo "$alg: $(cat "$d/verdict")"

  # A tampered copy (one payload byte changed) must be refused.
  sed 's/G60 test/G61 test/' "$d/envelope" > "$d/tampered"
  if "$here/verify.sh" "$d/tampered" "$d/partner.pem" > "$d/tampered.verdict"; then
    echo "$alg: FAILED, a tampered envelope verified" >&2; exit 1
  fi
  echo "$alg: tampered copy $(cut -d: -f1-2 "$d/tampered.verdict")"
done
echo "roundtrip: all algorithms passed"
