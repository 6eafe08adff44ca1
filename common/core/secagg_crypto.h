// The primitives of secure aggregation, all from OpenSSL 3: X25519 key agreement, HKDF-SHA256 key
// derivation, AES-256-GCM for shares sent to a peer through the coordinator, ECDSA (the parties'
// P-256 certificate keys) for signing advertised keys. Private key bytes come from the injected
// RandomSource, so a deterministic source gives deterministic keys (ECDSA signatures still draw
// their nonce from OpenSSL, so signature bytes are not reproducible; only their validity is).
//
// Every derived key is bound to the run id and to the ids it is for, each use with its own label:
//   mask PRG key      HKDF(X25519(s_i, s_j^PK), "mask", run, lower id, higher id) -> AES-128-CTR key
//   self-mask key     HKDF(b_i,                 "self-mask", run, i)             -> AES-128-CTR key
//   share AEAD key    HKDF(X25519(c_i, c_j^PK), "share-aead", run, sender, recipient) -> AES-256-GCM
// (the AEAD key is directional, so each key seals exactly one message).
#pragma once

#include <openssl/types.h>

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/secure_random.h"
#include "common/core/status.h"

namespace mpcstats::core {

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const;
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

inline constexpr size_t kX25519KeyBytes = 32;
using X25519Key = std::array<uint8_t, kX25519KeyBytes>;

struct X25519KeyPair {
  X25519Key private_key{};
  X25519Key public_key{};
};

// A fresh key pair: 32 private bytes from `rng`, the public key computed by OpenSSL.
StatusOr<X25519KeyPair> NewX25519KeyPair(RandomSource& rng);
StatusOr<X25519Key> X25519PublicKey(const X25519Key& private_key);
// The shared secret X25519(own, peer). kInvalidShare for a peer key of the wrong length or one
// that yields the all-zero secret (a small-order point).
StatusOr<X25519Key> X25519Agree(const X25519Key& own_private, std::span<const uint8_t> peer_public);

// One own private key for agreements with many peers. OpenSSL derives the public key whenever a
// raw private key is loaded, so loading it once halves the cost of N - 1 agreements.
class X25519Agreement {
 public:
  static StatusOr<X25519Agreement> FromPrivateKey(const X25519Key& own_private);
  // As X25519Agree(own_private, peer_public).
  StatusOr<X25519Key> Agree(std::span<const uint8_t> peer_public) const;

 private:
  explicit X25519Agreement(PkeyPtr own) : own_(std::move(own)) {}
  PkeyPtr own_;
};

// HKDF-SHA256 (RFC 5869) with the fixed salt "mpcstats-secagg-v1".
StatusOr<std::vector<uint8_t>> HkdfSha256(std::span<const uint8_t> ikm, std::span<const uint8_t> info, size_t length);
// HKDF info: label, then each field with a 4-byte big-endian length (no two inputs collide).
std::vector<uint8_t> BindingInfo(std::string_view label, std::initializer_list<std::string_view> fields);

StatusOr<AesKey> DeriveMaskKey(const X25519Key& shared, std::string_view run_id, std::string_view id_a,
                               std::string_view id_b);  // symmetric in (id_a, id_b)
StatusOr<AesKey> DeriveSelfMaskKey(std::span<const uint8_t> seed, std::string_view run_id, std::string_view party_id);
using AeadKey = std::array<uint8_t, 32>;
StatusOr<AeadKey> DeriveShareKey(const X25519Key& shared, std::string_view run_id, std::string_view sender,
                                 std::string_view recipient);

// AES-256-GCM. Sealed form: 12-byte nonce (from rng), ciphertext, 16-byte tag.
inline constexpr size_t kAeadNonceBytes = 12;
inline constexpr size_t kAeadTagBytes = 16;
StatusOr<std::vector<uint8_t>> AeadSeal(const AeadKey& key, std::span<const uint8_t> plaintext,
                                        std::span<const uint8_t> associated_data, RandomSource& rng);
// kInvalidShare when the tag does not verify (tampered ciphertext, nonce, tag or associated data).
StatusOr<std::vector<uint8_t>> AeadOpen(const AeadKey& key, std::span<const uint8_t> sealed,
                                        std::span<const uint8_t> associated_data);

// Certificate keys. PEM text in memory (the caller reads the file).
StatusOr<PkeyPtr> ParsePrivateKeyPem(std::string_view pem);
// ECDSA-SHA256 (or whatever the key type signs with SHA-256), DER signature.
StatusOr<std::vector<uint8_t>> SignSha256(EVP_PKEY* private_key, std::span<const uint8_t> message);
// kSignatureInvalid when the signature does not verify.
Status VerifySha256(EVP_PKEY* public_key, std::span<const uint8_t> message, std::span<const uint8_t> signature);

}  // namespace mpcstats::core
