#!/usr/bin/env bash
# A throw-away test PKI for the seal and signature tests (OpenSSL 3.x; research-seals.md §5, adapted).
# Usage: bash scripts/make-test-pki.sh [outdir]    (default ./pki)
#
# Writes only into outdir, never touches the network, and finishes in a few seconds. Running it again
# rebuilds everything from scratch under the same file names (the keys are new each time). The output is
# test material: it is never committed and never goes into certs/ (see certs/README.md).
#
# Changes from the §5 recipe:
#  - no `sleep 2`: the revocation is made only once the wall clock has moved past the second in which
#    the last timestamp was issued, so genTime < revocationDate holds with one-second precision;
#  - timestamp tokens are written both as TimeStampResp (.tsr) and as bare tokens (.tst, `-token_out`),
#    since openssl cms cannot add an unsigned attribute; test/fixtures/pki.ts embeds the .tst;
#  - added: ECDSA attached, not-yet-valid and revoked-ECDSA signers, tampered copies, an OCSP response
#    without certificates and one with a flipped signature byte, an SM2 CA made with `openssl ca` so it
#    can issue an SM2 CRL, DER copies of everything, and a PKCS#12 for the ECDSA signer;
#  - OpenSSL 3.0 cannot write an SM2 CMS signature ("illegal zero content"), so the SM2 CMS is built
#    by test/fixtures/pki.ts with pkijs; this script signs its attributes on request (see `sm2-sign`).
#  - the center's own seal for the documents Lantai issues: a center root over SM2, ECDSA and RSA signing keys.
set -euo pipefail
umask 077

if [ "${1:-}" = sm2-sign ]; then
  # sm2-sign <outdir> <in> <out>: SM2/SM3 signature with the GB/T 32918 default ID, DER (r, s).
  openssl pkeyutl -sign -rawin -digest sm3 -pkeyopt distid:1234567812345678 \
    -inkey "$2/keys/sm2seal.key" -in "$3" -out "$4"
  exit 0
fi

out=${1:-pki}
mkdir -p "$out"
cd "$out"
rm -rf root inter sm2root centerroot certs keys crl ocsp tsa cms openssl.cnf
mkdir -p root/db inter/db sm2root/db centerroot/db certs keys crl ocsp tsa cms
: > root/db/index.txt; : > inter/db/index.txt; : > sm2root/db/index.txt; : > centerroot/db/index.txt
echo 01 | tee root/db/crlnumber inter/db/crlnumber sm2root/db/crlnumber centerroot/db/crlnumber tsa/serial > /dev/null
openssl rand -hex 16 > root/db/serial; openssl rand -hex 16 > inter/db/serial; openssl rand -hex 16 > sm2root/db/serial; openssl rand -hex 16 > centerroot/db/serial

ca_sec () {
  printf '[%s]\ndir=%s\ndatabase=$dir/db/index.txt\nserial=$dir/db/serial\ncrlnumber=$dir/db/crlnumber\nnew_certs_dir=$dir/db\ncertificate=certs/%s.pem\nprivate_key=keys/%s.key\ndefault_md=%s\ndefault_days=%s\ndefault_crl_days=%s\npolicy=policy_any\nunique_subject=no\ncopy_extensions=none\n' \
    "$1" "$2" "$2" "$2" "$3" "$4" "$5"
}
{
  ca_sec root_ca root sha256 3650 30
  ca_sec inter_ca inter sha256 825 7
  ca_sec sm2_ca sm2root sm3 825 30
  ca_sec center_ca centerroot sha256 825 30
  cat <<'CNF'
[policy_any]
countryName=optional
organizationName=optional
commonName=supplied
[req]
distinguished_name=dn
prompt=no
string_mask=utf8only
utf8=yes
[dn]
CN=placeholder
[v3_root]
basicConstraints=critical,CA:true
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
[v3_inter]
basicConstraints=critical,CA:true,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always
[v3_seal]
basicConstraints=critical,CA:false
keyUsage=critical,digitalSignature,nonRepudiation
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
crlDistributionPoints=URI:http://127.0.0.1:8080/inter.crl
authorityInfoAccess=OCSP;URI:http://127.0.0.1:8888
[v3_center]
basicConstraints=critical,CA:false
keyUsage=critical,digitalSignature,nonRepudiation
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[v3_ocsp]
basicConstraints=critical,CA:false
keyUsage=critical,digitalSignature
extendedKeyUsage=critical,OCSPSigning
noCheck=ignored
[v3_tsa]
basicConstraints=critical,CA:false
keyUsage=critical,digitalSignature,nonRepudiation
extendedKeyUsage=critical,timeStamping
[tsa]
default_tsa=tsa_cfg
[tsa_cfg]
serial=tsa/serial
crypto_device=builtin
signer_cert=certs/tsa.pem
certs=certs/chain.pem
signer_key=keys/tsa.key
signer_digest=sha256
default_policy=1.2.3.4.1
other_policies=1.2.3.4.5
digests=sha256,sha384,sha512
accuracy=secs:1
ordering=yes
tsa_name=yes
ess_cert_id_chain=no
ess_cert_id_alg=sha256
CNF
} > openssl.cnf
C=(-config openssl.cnf)
q () { "$@" 2> /dev/null || { echo "make-test-pki: failed: $*" >&2; "$@"; }; }

# 1. Root RSA-3072 + intermediate P-384, back-dated so historical check dates lie inside CA validity.
q openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out keys/root.key
q openssl req "${C[@]}" -new -key keys/root.key -subj "/C=CN/O=Test Archive PKI/CN=Test Root CA" -out root/root.csr
q openssl ca "${C[@]}" -batch -selfsign -name root_ca -keyfile keys/root.key -in root/root.csr -extensions v3_root \
  -startdate 20190101000000Z -enddate 20400101000000Z -notext -out certs/root.pem
q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out keys/inter.key
q openssl req "${C[@]}" -new -key keys/inter.key -subj "/C=CN/O=Test Archive PKI/CN=Test Seal CA" -out inter/inter.csr
q openssl ca "${C[@]}" -batch -name root_ca -in inter/inter.csr -extensions v3_inter \
  -startdate 20190101000000Z -enddate 20360101000000Z -notext -out certs/inter.pem
cat certs/inter.pem certs/root.pem > certs/chain.pem

# 2. End entities: issue name subject rsa|ec extensions [startdate enddate]
issue () {
  if [ "$3" = rsa ]; then q openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "keys/$1.key"
  else q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "keys/$1.key"; fi
  q openssl req "${C[@]}" -new -key "keys/$1.key" -subj "$2" -out "inter/$1.csr"
  q openssl ca "${C[@]}" -batch -utf8 -name inter_ca -in "inter/$1.csr" -extensions "$4" ${5:+-startdate $5 -enddate $6} -notext -out "certs/$1.pem"
}
issue seal      "/C=CN/O=示例建设有限公司/CN=Project Seal"          rsa v3_seal
issue sealec    "/C=CN/O=Example Design Institute/CN=Design Seal" ec  v3_seal
issue expired   "/C=CN/O=Example Supervisor Co/CN=Expired Seal"   rsa v3_seal 20200101000000Z 20210101000000Z
issue notyet    "/C=CN/O=Example Supervisor Co/CN=Future Seal"    ec  v3_seal 20340101000000Z 20350101000000Z
issue revoked   "/C=CN/O=Example Builder Co/CN=Revoked Seal"      rsa v3_seal 20240101000000Z 20300101000000Z
issue revokedec "/C=CN/O=Example Builder Co/CN=Revoked EC Seal"   ec  v3_seal 20240101000000Z 20300101000000Z
issue ocsp      "/C=CN/O=Test Archive PKI/CN=Test OCSP Responder" ec  v3_ocsp
issue tsa       "/C=CN/O=Test Archive PKI/CN=Test TSA"            rsa v3_tsa

# 3. CAdES signatures, all made before the revocation below.
printf 'construction archive test document\n' > cms/doc.txt
printf 'construction archive test document\nx' > cms/doc-tampered.txt
sign () { local n=$1 o=$2; shift 2
  q openssl cms -sign -binary -cades -md sha256 -in cms/doc.txt -signer "certs/$n.pem" -inkey "keys/$n.key" \
    -certfile certs/inter.pem -outform DER -out "cms/$o" "$@"; }
sign seal      seal-detached.p7s
sign seal      seal-attached.p7s -nodetach
sign seal      seal-pss.p7s -keyopt rsa_padding_mode:pss -keyopt rsa_pss_saltlen:32
sign sealec    sealec-detached.p7s
sign sealec    sealec-attached.p7s -nodetach
sign expired   expired-detached.p7s
sign notyet    notyet-detached.p7s
sign revoked   revoked-detached.p7s
sign revokedec revokedec-detached.p7s

# The signature value is the last primitive OCTET STRING of a CMS without unsigned attributes.
sigvalue () { # sigvalue file -> "offset length" of the signature value's contents
  local l off hl len
  l=$(openssl asn1parse -inform DER -in "$1" | grep 'prim: OCTET STRING' | tail -1)
  off=$(sed -E 's/^ *([0-9]+):.*/\1/' <<< "$l"); hl=$(sed -E 's/.*hl= *([0-9]+).*/\1/' <<< "$l"); len=$(sed -E 's/.* l= *([0-9]+).*/\1/' <<< "$l")
  echo "$((off + hl)) $len"
}
flip () { # flip file offset: invert one byte in place
  local b
  b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
  printf "$(printf '\\%03o' $((b ^ 255)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
cp cms/seal-detached.p7s cms/seal-detached-flipped.p7s
read -r off len <<< "$(sigvalue cms/seal-detached.p7s)"
flip cms/seal-detached-flipped.p7s $((off + len / 2))

# 4. RFC 3161 signature timestamps over the SignerInfo signature value (CAdES id-aa-signatureTimeStampToken).
for n in seal revoked revokedec expired; do
  read -r off len <<< "$(sigvalue "cms/$n-detached.p7s")"
  dd if="cms/$n-detached.p7s" of="tsa/$n-sigvalue.bin" bs=1 skip="$off" count="$len" status=none
  q openssl ts -query -data "tsa/$n-sigvalue.bin" -sha256 -cert -out "tsa/$n-sig.tsq"
  q openssl ts -reply "${C[@]}" -queryfile "tsa/$n-sig.tsq" -out "tsa/$n-sig.tsr"
  q openssl ts -reply "${C[@]}" -queryfile "tsa/$n-sig.tsq" -token_out -out "tsa/$n-sig.tst"
  q openssl ts -verify -data "tsa/$n-sigvalue.bin" -in "tsa/$n-sig.tsr" -CAfile certs/root.pem -untrusted certs/chain.pem > /dev/null
done
stamped=$(date -u +%s)

# 5. SM2/SM3 chain. OpenSSL 3.0's default SM2 ID is EMPTY: pass the GB/T 32918 default ID everywhere.
ID=distid:1234567812345678
q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2 -out keys/sm2root.key
q openssl req "${C[@]}" -new -key keys/sm2root.key -sm3 -sigopt $ID -subj "/C=CN/O=测试 SM2 PKI/CN=Test SM2 Root" -out sm2root/sm2root.csr
q openssl ca "${C[@]}" -batch -utf8 -selfsign -name sm2_ca -keyfile keys/sm2root.key -in sm2root/sm2root.csr -extensions v3_root \
  -sigopt $ID -vfyopt $ID -startdate 20190101000000Z -enddate 20400101000000Z -notext -out certs/sm2root.pem
q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2 -out keys/sm2seal.key
q openssl req "${C[@]}" -new -key keys/sm2seal.key -sm3 -sigopt $ID -subj "/C=CN/O=示例建设有限公司/CN=SM2 Seal" -out sm2root/sm2seal.csr
q openssl ca "${C[@]}" -batch -utf8 -name sm2_ca -in sm2root/sm2seal.csr -extensions v3_seal -sigopt $ID -vfyopt $ID \
  -startdate 20240101000000Z -enddate 20340101000000Z -notext -out certs/sm2seal.pem
q openssl verify -CAfile certs/sm2root.pem -vfyopt $ID certs/sm2seal.pem > /dev/null
q openssl ca "${C[@]}" -name sm2_ca -gencrl -sigopt $ID -out crl/sm2root.crl.pem
q openssl pkeyutl -sign -rawin -digest sm3 -pkeyopt $ID -inkey keys/sm2seal.key -in cms/doc.txt -out cms/doc.sm2sig
q openssl pkeyutl -sign -rawin -digest sm3 -inkey keys/sm2seal.key -in cms/doc.txt -out cms/doc.sm2sig-emptyid # must be rejected

# 6. PKCS#12 for PDF signers.
q openssl pkcs12 -export -inkey keys/seal.key -in certs/seal.pem -certfile certs/chain.pem -passout pass:test -out keys/seal.p12
q openssl pkcs12 -export -inkey keys/sealec.key -in certs/sealec.pem -certfile certs/chain.pem -passout pass:test -out keys/sealec.p12

# 7. Revocation: `openssl ca -revoke` stamps revocationDate = now, so wait until the second in which the
# timestamps were issued is over (RFC 5280 times have one-second precision).
while [ "$(date -u +%s)" -le "$stamped" ]; do sleep 0.1; done
for n in revoked revokedec; do q openssl ca "${C[@]}" -name inter_ca -revoke "certs/$n.pem" -crl_reason keyCompromise; done
for ca in inter root; do q openssl ca "${C[@]}" -name "${ca}_ca" -gencrl -out "crl/$ca.crl.pem"; done

# 8. Offline OCSP (index file + -respout): good, revoked, and a response with a flipped signature byte.
for n in seal revoked; do
  q openssl ocsp -sha256 -issuer certs/inter.pem -cert "certs/$n.pem" -no_nonce -reqout "ocsp/$n.req"
  q openssl ocsp -index inter/db/index.txt -CA certs/inter.pem -rsigner certs/ocsp.pem -rkey keys/ocsp.key \
    -reqin "ocsp/$n.req" -respout "ocsp/$n.ocsp" -ndays 7 > /dev/null
done
q openssl ocsp -index inter/db/index.txt -CA certs/inter.pem -rsigner certs/ocsp.pem -rkey keys/ocsp.key -resp_no_certs \
  -reqin ocsp/revoked.req -respout ocsp/revoked-nocerts.ocsp -ndays 7 > /dev/null
# Without certificates the signature BIT STRING ends the response: flip its last byte.
cp ocsp/revoked-nocerts.ocsp ocsp/revoked-badsig.ocsp
flip ocsp/revoked-badsig.ocsp $(($(wc -c < ocsp/revoked-badsig.ocsp) - 1))

# 9. The center's own seal, for the documents Lantai issues (src/documents/): one root (ECDSA P-384, its
# CRL is the revocation data a verifier needs) over three signing keys, so each algorithm can be configured:
# SM2 (its request self-signed with the GB/T 32918 ID), ECDSA P-256 and RSA-2048.
q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out keys/centerroot.key
q openssl req "${C[@]}" -new -key keys/centerroot.key -subj "/C=CN/O=示例城建档案馆/CN=Test Archive Center Root" -out centerroot/centerroot.csr
q openssl ca "${C[@]}" -batch -utf8 -selfsign -name center_ca -keyfile keys/centerroot.key -in centerroot/centerroot.csr -extensions v3_root \
  -startdate 20190101000000Z -enddate 20400101000000Z -notext -out certs/centerroot.pem
q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2 -out keys/centersm2.key
q openssl req "${C[@]}" -new -key keys/centersm2.key -sm3 -sigopt $ID -subj "/C=CN/O=示例城建档案馆/CN=Archive Center Seal SM2" -out centerroot/centersm2.csr
q openssl ca "${C[@]}" -batch -utf8 -name center_ca -in centerroot/centersm2.csr -vfyopt $ID -extensions v3_center \
  -startdate 20240101000000Z -enddate 20340101000000Z -notext -out certs/centersm2.pem
q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out keys/centerec.key
q openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out keys/centerrsa.key
for n in centerec centerrsa; do
  q openssl req "${C[@]}" -new -key "keys/$n.key" -subj "/C=CN/O=示例城建档案馆/CN=Archive Center Seal ${n#center}" -out "centerroot/$n.csr"
  q openssl ca "${C[@]}" -batch -utf8 -name center_ca -in "centerroot/$n.csr" -extensions v3_center \
    -startdate 20240101000000Z -enddate 20340101000000Z -notext -out "certs/$n.pem"
done
q openssl ca "${C[@]}" -name center_ca -gencrl -out crl/centerroot.crl.pem

# 10. DER copies for pkijs.
for f in certs/*.pem; do case $f in certs/chain.pem) ;; *) q openssl x509 -in "$f" -outform DER -out "${f%.pem}.der";; esac; done
for f in crl/*.crl.pem; do q openssl crl -in "$f" -outform DER -out "${f%.pem}"; done
