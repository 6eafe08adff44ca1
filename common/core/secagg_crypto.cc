#include "common/core/secagg_crypto.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>

#include <algorithm>
#include <climits>

#include "common/core/ec_certificate_context.h"

namespace mpcstats::core {
namespace {

constexpr std::string_view kHkdfSalt = "mpcstats-secagg-v1";

Status CryptoError(std::string_view what) { return Status(Code::kInternal, "OpenSSL " + std::string(what) + " failed"); }

struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};

StatusOr<PkeyPtr> X25519Private(const X25519Key& private_key) {
  PkeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, private_key.data(), private_key.size()));
  if (!key) return CryptoError("EVP_PKEY_new_raw_private_key(X25519)");
  return key;
}

bool FitsInt(size_t n) { return n <= static_cast<size_t>(INT_MAX); }

}  // namespace

void PkeyDeleter::operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }

StatusOr<X25519Key> X25519PublicKey(const X25519Key& private_key) {
  auto key = X25519Private(private_key);
  if (!key.ok()) return key.status();
  X25519Key out{};
  size_t length = out.size();
  if (EVP_PKEY_get_raw_public_key(key->get(), out.data(), &length) != 1 || length != out.size()) {
    return CryptoError("EVP_PKEY_get_raw_public_key");
  }
  return out;
}

StatusOr<X25519KeyPair> NewX25519KeyPair(RandomSource& rng) {
  X25519KeyPair pair;
  FillRandomBytes(rng, pair.private_key);  // X25519 clamps the scalar itself
  auto pub = X25519PublicKey(pair.private_key);
  if (!pub.ok()) return pub.status();
  pair.public_key = *pub;
  return pair;
}

StatusOr<X25519Key> X25519Agree(const X25519Key& own_private, std::span<const uint8_t> peer_public) {
  auto agreement = X25519Agreement::FromPrivateKey(own_private);
  if (!agreement.ok()) return agreement.status();
  return agreement->Agree(peer_public);
}

StatusOr<X25519Agreement> X25519Agreement::FromPrivateKey(const X25519Key& own_private) {
  auto own = X25519Private(own_private);
  if (!own.ok()) return own.status();
  return X25519Agreement(std::move(own).value());
}

StatusOr<X25519Key> X25519Agreement::Agree(std::span<const uint8_t> peer_public) const {
  if (peer_public.size() != kX25519KeyBytes) {
    return Status(Code::kInvalidShare, "X25519 public key of " + std::to_string(peer_public.size()) + " bytes");
  }
  PkeyPtr peer(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer_public.data(), peer_public.size()));
  if (!peer) return CryptoError("EVP_PKEY_new_raw_public_key(X25519)");
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> ctx(EVP_PKEY_CTX_new(own_.get(), nullptr));
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1) return CryptoError("EVP_PKEY_derive_init");
  // OpenSSL refuses a peer key whose shared secret is all zeros (a small-order point).
  if (EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) != 1) {
    ERR_clear_error();
    return Status(Code::kInvalidShare, "X25519 peer public key refused");
  }
  X25519Key shared{};
  size_t length = shared.size();
  if (EVP_PKEY_derive(ctx.get(), shared.data(), &length) != 1 || length != shared.size()) {
    ERR_clear_error();
    return Status(Code::kInvalidShare, "X25519 key agreement failed (small-order peer key?)");
  }
  uint8_t any = 0;
  for (const uint8_t b : shared) any |= b;
  if (any == 0) return Status(Code::kInvalidShare, "X25519 shared secret is zero");
  return shared;
}

std::vector<uint8_t> BindingInfo(std::string_view label, std::initializer_list<std::string_view> fields) {
  std::vector<uint8_t> info(label.begin(), label.end());
  for (const auto field : fields) {
    const uint32_t n = static_cast<uint32_t>(field.size());
    for (int shift = 24; shift >= 0; shift -= 8) info.push_back(static_cast<uint8_t>(n >> shift));
    info.insert(info.end(), field.begin(), field.end());
  }
  return info;
}

StatusOr<std::vector<uint8_t>> HkdfSha256(std::span<const uint8_t> ikm, std::span<const uint8_t> info, size_t length) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  if (kdf == nullptr) return CryptoError("EVP_KDF_fetch(HKDF)");
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (ctx == nullptr) return CryptoError("EVP_KDF_CTX_new");
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(ikm.data()), ikm.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char*>(kHkdfSalt.data()), kHkdfSalt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<uint8_t*>(info.data()), info.size()),
      OSSL_PARAM_construct_end(),
  };
  std::vector<uint8_t> out(length);
  const int rc = EVP_KDF_derive(ctx, out.data(), out.size(), params);
  EVP_KDF_CTX_free(ctx);
  if (rc != 1) return CryptoError("EVP_KDF_derive(HKDF)");
  return out;
}

namespace {

template <size_t N>
StatusOr<std::array<uint8_t, N>> DeriveFixed(std::span<const uint8_t> ikm, const std::vector<uint8_t>& info) {
  auto bytes = HkdfSha256(ikm, info, N);
  if (!bytes.ok()) return bytes.status();
  std::array<uint8_t, N> out{};
  std::copy(bytes->begin(), bytes->end(), out.begin());
  OPENSSL_cleanse(bytes->data(), bytes->size());
  return out;
}

}  // namespace

StatusOr<AesKey> DeriveMaskKey(const X25519Key& shared, std::string_view run_id, std::string_view id_a,
                               std::string_view id_b) {
  if (id_b < id_a) std::swap(id_a, id_b);
  return DeriveFixed<16>(shared, BindingInfo("mpcstats secagg mask", {run_id, id_a, id_b}));
}

StatusOr<AesKey> DeriveSelfMaskKey(std::span<const uint8_t> seed, std::string_view run_id, std::string_view party_id) {
  return DeriveFixed<16>(seed, BindingInfo("mpcstats secagg self-mask", {run_id, party_id}));
}

StatusOr<AeadKey> DeriveShareKey(const X25519Key& shared, std::string_view run_id, std::string_view sender,
                                 std::string_view recipient) {
  return DeriveFixed<32>(shared, BindingInfo("mpcstats secagg share-aead", {run_id, sender, recipient}));
}

StatusOr<std::vector<uint8_t>> AeadSeal(const AeadKey& key, std::span<const uint8_t> plaintext,
                                        std::span<const uint8_t> associated_data, RandomSource& rng) {
  if (!FitsInt(plaintext.size()) || !FitsInt(associated_data.size())) return CryptoError("AEAD input too large");
  std::vector<uint8_t> out(kAeadNonceBytes + plaintext.size() + kAeadTagBytes);
  FillRandomBytes(rng, std::span<uint8_t>(out.data(), kAeadNonceBytes));
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter> ctx(EVP_CIPHER_CTX_new());
  int length = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), out.data()) != 1) {
    return CryptoError("EVP_EncryptInit_ex(aes-256-gcm)");
  }
  if (EVP_EncryptUpdate(ctx.get(), nullptr, &length, associated_data.data(), static_cast<int>(associated_data.size())) != 1) {
    return CryptoError("EVP_EncryptUpdate(aad)");
  }
  uint8_t* body = out.data() + kAeadNonceBytes;
  if (EVP_EncryptUpdate(ctx.get(), body, &length, plaintext.data(), static_cast<int>(plaintext.size())) != 1 ||
      static_cast<size_t>(length) != plaintext.size()) {
    return CryptoError("EVP_EncryptUpdate");
  }
  int tail = 0;
  if (EVP_EncryptFinal_ex(ctx.get(), body + length, &tail) != 1 || tail != 0) return CryptoError("EVP_EncryptFinal_ex");
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kAeadTagBytes, body + plaintext.size()) != 1) {
    return CryptoError("EVP_CTRL_GCM_GET_TAG");
  }
  return out;
}

StatusOr<std::vector<uint8_t>> AeadOpen(const AeadKey& key, std::span<const uint8_t> sealed,
                                        std::span<const uint8_t> associated_data) {
  if (sealed.size() < kAeadNonceBytes + kAeadTagBytes) return Status(Code::kInvalidShare, "sealed share too short");
  if (!FitsInt(sealed.size()) || !FitsInt(associated_data.size())) return Status(Code::kInvalidShare, "sealed share too long");
  const size_t body_size = sealed.size() - kAeadNonceBytes - kAeadTagBytes;
  std::vector<uint8_t> plaintext(body_size);
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter> ctx(EVP_CIPHER_CTX_new());
  int length = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), sealed.data()) != 1) {
    return CryptoError("EVP_DecryptInit_ex(aes-256-gcm)");
  }
  if (EVP_DecryptUpdate(ctx.get(), nullptr, &length, associated_data.data(), static_cast<int>(associated_data.size())) != 1) {
    return CryptoError("EVP_DecryptUpdate(aad)");
  }
  if (EVP_DecryptUpdate(ctx.get(), plaintext.data(), &length, sealed.data() + kAeadNonceBytes,
                        static_cast<int>(body_size)) != 1 ||
      static_cast<size_t>(length) != body_size) {
    return CryptoError("EVP_DecryptUpdate");
  }
  // The tag is only read by OpenSSL; the API takes a non-const pointer.
  uint8_t tag[kAeadTagBytes];
  std::copy_n(sealed.data() + kAeadNonceBytes + body_size, kAeadTagBytes, tag);
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kAeadTagBytes, tag) != 1) {
    return CryptoError("EVP_CTRL_GCM_SET_TAG");
  }
  int tail = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), plaintext.data() + body_size, &tail) != 1) {
    ERR_clear_error();
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    return Status(Code::kInvalidShare, "sealed share does not authenticate (tampered or not for this recipient)");
  }
  return plaintext;
}

StatusOr<PkeyPtr> ParsePrivateKeyPem(std::string_view pem) {
  if (!FitsInt(pem.size())) return Status(Code::kBadInput, "private key PEM too large");
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  if (!bio) return CryptoError("BIO_new_mem_buf");
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    ERR_clear_error();
    return Status(Code::kBadInput, "not a PEM private key");
  }
  return key;
}

StatusOr<std::vector<uint8_t>> SignSha256(EVP_PKEY* private_key, std::span<const uint8_t> message) {
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, private_key) != 1) {
    return CryptoError("EVP_DigestSignInit");
  }
  size_t length = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &length, message.data(), message.size()) != 1) {
    return CryptoError("EVP_DigestSign(size)");
  }
  std::vector<uint8_t> signature(length);
  if (EVP_DigestSign(ctx.get(), signature.data(), &length, message.data(), message.size()) != 1) {
    return CryptoError("EVP_DigestSign");
  }
  signature.resize(length);  // DER ECDSA signatures vary in length
  return signature;
}

Status VerifySha256(EVP_PKEY* public_key, std::span<const uint8_t> message, std::span<const uint8_t> signature) {
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), nullptr, "SHA256", ContextOfKey(public_key), nullptr, public_key,
                                      nullptr) != 1) {
    return CryptoError("EVP_DigestVerifyInit_ex");
  }
  // 1 = valid; 0 = wrong signature; < 0 = malformed signature. Both refusals are the peer's fault.
  if (EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(), message.size()) != 1) {
    ERR_clear_error();
    return Status(Code::kSignatureInvalid, "signature does not verify");
  }
  return Status::Ok();
}

}  // namespace mpcstats::core
