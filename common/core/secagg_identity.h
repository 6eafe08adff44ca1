// Who a party's advertised keys belong to. In AdvertiseKeys each party sends its certificate and an
// ECDSA signature, under the certificate's key, over SignedKeysMessage(run id, its id, both X25519
// public keys). Every party checks every entry of the coordinator's relayed list: the certificate
// chains to the run's CA, its CN is the roster id it is listed under, and the signature verifies.
// So a coordinator that substitutes keys (to read shares, or to split the parties) is caught.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/secagg_crypto.h"
#include "common/core/status.h"

namespace mpcstats::core {

// The exact bytes a party signs: a domain label, then run id, party id and both public keys, each
// with a 4-byte big-endian length.
std::vector<uint8_t> SignedKeysMessage(std::string_view run_id, std::string_view party_id,
                                       std::span<const uint8_t> mask_public_key,
                                       std::span<const uint8_t> encryption_public_key);

// Checks a peer's certificate (DER) for roster id `expected_id` and returns its public key.
// kCertUntrusted (unparsable, not from the CA, expired, ...) or kIdentityMismatch (CN differs),
// the message naming `expected_id`.
class PeerCertificateVerifier {
 public:
  virtual ~PeerCertificateVerifier() = default;
  virtual StatusOr<PkeyPtr> Verify(std::span<const uint8_t> certificate_der, std::string_view expected_id) const = 0;
};

// The production verifier: X509_verify_cert against one CA (the run's ca.crt), TLS-client purpose,
// then the subject CN.
class CaCertificateVerifier final : public PeerCertificateVerifier {
 public:
  // kBadInput unless `ca_pem` holds a PEM certificate.
  static StatusOr<std::unique_ptr<CaCertificateVerifier>> FromPem(std::string_view ca_pem);
  ~CaCertificateVerifier() override;
  StatusOr<PkeyPtr> Verify(std::span<const uint8_t> certificate_der, std::string_view expected_id) const override;

 private:
  explicit CaCertificateVerifier(void* store) : store_(store) {}
  void* store_;  // X509_STORE*, kept opaque so this header needs no x509.h
};

// A party's own certificate and its private key (the certificate's public key must match).
struct PartyCredentials {
  std::vector<uint8_t> certificate_der;
  PkeyPtr private_key;
};
// From PEM text (the caller reads --cert and --key). kBadInput when either does not parse or the
// key is not the certificate's.
StatusOr<PartyCredentials> ParsePartyCredentials(std::string_view certificate_pem, std::string_view private_key_pem);

}  // namespace mpcstats::core
