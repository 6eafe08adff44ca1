#!/usr/bin/env bash
# Private CA and one EC P-256 certificate per identity (coordinator, party1..partyN) for mutual TLS.
set -euo pipefail
PROG=gen-certs.sh
source "$(dirname "$0")/lib/common.sh"

usage() {
  cat <<USAGE
Usage: $PROG --out DIR --parties N [--days D] [--hosts "h1,h2"]

Writes into DIR a fresh private CA (ca.crt, ca.key) and coordinator.{crt,key},
party1.{crt,key} .. partyN.{crt,key}: EC P-256 keys (mode 600), CN = identity,
subjectAltName DNS:localhost, IP:127.0.0.1, DNS:<identity> plus every --hosts
entry (IP addresses as IP:, names as DNS:), key usage digitalSignature,
extended key usage serverAuth and clientAuth. Existing files are replaced.
Every certificate is checked with 'openssl verify -CAfile ca.crt'.

  --out DIR      output directory (created)
  --parties N    number of parties, >= 1
  --days D       validity in days (default 365)
  --hosts LIST   comma-separated extra host names or IPs for every certificate
USAGE
}

out="" parties="" days=365 hosts=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) need_value "$1" $#; out="$2"; shift 2 ;;
    --parties) need_value "$1" $#; check_uint "$1" "$2" 1; parties=$((10#$2)); shift 2 ;;
    --days) need_value "$1" $#; check_uint "$1" "$2" 1; days=$((10#$2)); shift 2 ;;
    --hosts) need_value "$1" $#; hosts="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die_usage "unknown argument '$1'" ;;
  esac
done
[[ -n "$out" ]] || die_usage "--out is required"
[[ -n "$parties" ]] || die_usage "--parties is required"

ensure_deps
mkdir -p "$out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Extra SAN entries from --hosts.
extra_san=()
IFS=',' read -r -a host_list <<<"$hosts"
for h in "${host_list[@]}"; do
  h="${h//[[:space:]]/}"
  [[ -n "$h" ]] || continue
  [[ "$h" =~ ^[A-Za-z0-9.:*-]+$ ]] || die_usage "--hosts entry '$h' is not a host name or IP address"
  if [[ "$h" =~ ^[0-9.]+$ || "$h" == *:* ]]; then extra_san+=("IP:$h"); else extra_san+=("DNS:$h"); fi
done

# san_for ID: the subjectAltName value of ID's certificate, without duplicates.
san_for() {
  local san="DNS:localhost,IP:127.0.0.1,DNS:$1" e
  for e in "${extra_san[@]}"; do [[ ",$san," == *",$e,"* ]] || san+=",$e"; done
  echo "$san"
}

cat >"$tmp/ext.cnf" <<CNF
[ca]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[leaf]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth, clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
subjectAltName = \${ENV::MPC_SAN}
CNF

new_key() { (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null); }
serial() { echo "0x$(openssl rand -hex 16)"; }

new_key "$out/ca.key"
MPC_SAN="DNS:unused" openssl req -x509 -new -key "$out/ca.key" -subj "/CN=mpcstats private CA" \
  -days "$days" -sha256 -set_serial "$(serial)" -config "$tmp/ext.cnf" -extensions ca -out "$out/ca.crt" 2>/dev/null \
  || die "could not create the CA certificate"

ids=(coordinator)
for ((i = 1; i <= parties; i++)); do ids+=("party$i"); done
for id in "${ids[@]}"; do
  new_key "$out/$id.key"
  openssl req -new -key "$out/$id.key" -subj "/CN=$id" 2>/dev/null |
    MPC_SAN="$(san_for "$id")" openssl x509 -req -CA "$out/ca.crt" -CAkey "$out/ca.key" \
      -set_serial "$(serial)" -days "$days" -sha256 -extfile "$tmp/ext.cnf" -extensions leaf -out "$out/$id.crt" 2>/dev/null \
    || die "could not create the certificate of $id"
done
chmod 600 "$out"/*.key
chmod 644 "$out"/*.crt

# One openssl verify call for all certificates; it prints "<file>: OK" per certificate.
certs=()
for id in "${ids[@]}"; do certs+=("$out/$id.crt"); done
verify_out="$(openssl verify -CAfile "$out/ca.crt" "${certs[@]}" 2>&1)" || die "verification failed: $verify_out"
[[ "$(grep -c ': OK$' <<<"$verify_out")" -eq "${#ids[@]}" ]] || die "verification failed: $verify_out"
info "wrote CA and ${#ids[@]} certificates to $out (verified)"
