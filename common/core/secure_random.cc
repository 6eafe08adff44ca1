#include "common/core/secure_random.h"

#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace mpcstats::core {
namespace {

[[noreturn]] void DieCrypto(const char* what) {
  std::fprintf(stderr, "fatal: OpenSSL %s failed; refusing to continue without secure randomness\n", what);
  std::abort();
}

}  // namespace

void FillFromCsprng(std::span<uint8_t> out) {
  while (!out.empty()) {
    const size_t chunk = std::min<size_t>(out.size(), std::numeric_limits<int>::max());
    if (RAND_bytes(out.data(), static_cast<int>(chunk)) != 1) DieCrypto("RAND_bytes");
    out = out.subspan(chunk);
  }
}

AesKey NewRandomKey() {
  AesKey key;
  FillFromCsprng(key);
  return key;
}

struct AesCtrPrg::Impl {
  EVP_CIPHER_CTX* ctx = nullptr;
};

AesCtrPrg::AesCtrPrg(const AesKey& key, uint64_t first_block) : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_CIPHER_CTX_new();
  if (impl_->ctx == nullptr) DieCrypto("EVP_CIPHER_CTX_new");
  // The counter block starts at `first_block` (0 for a whole stream); each key is used for one
  // stream only, so counters never repeat under a key.
  uint8_t iv[16] = {};
  for (int i = 0; i < 8; ++i) iv[15 - i] = static_cast<uint8_t>(first_block >> (8 * i));
  if (EVP_EncryptInit_ex(impl_->ctx, EVP_aes_128_ctr(), nullptr, key.data(), iv) != 1) {
    DieCrypto("EVP_EncryptInit_ex(aes-128-ctr)");
  }
}

AesCtrPrg::~AesCtrPrg() { EVP_CIPHER_CTX_free(impl_->ctx); }

void AesCtrPrg::FillBytes(std::span<uint8_t> out) {
  if (out.empty()) return;  // memset/EVP must not see the null data() of an empty span
  // CTR keystream = encryption of zeros; encrypting in place avoids a second buffer.
  std::memset(out.data(), 0, out.size());
  while (!out.empty()) {
    const size_t chunk = std::min<size_t>(out.size(), 1u << 30);
    int written = 0;
    if (EVP_EncryptUpdate(impl_->ctx, out.data(), &written, out.data(), static_cast<int>(chunk)) != 1 ||
        static_cast<size_t>(written) != chunk) {
      DieCrypto("EVP_EncryptUpdate");
    }
    out = out.subspan(chunk);
  }
}

void AesCtrPrg::Fill(std::span<uint64_t> out) {
  FillBytes(std::span<uint8_t>(reinterpret_cast<uint8_t*>(out.data()), out.size_bytes()));
}

void FillRandomBytes(RandomSource& rng, std::span<uint8_t> out) {
  uint64_t block[32];
  while (!out.empty()) {
    const size_t bytes = std::min(out.size(), sizeof(block));
    const size_t words = (bytes + 7) / 8;
    rng.Fill(std::span<uint64_t>(block, words));
    for (size_t i = 0; i < bytes; ++i) out[i] = static_cast<uint8_t>(block[i / 8] >> (8 * (i % 8)));
    out = out.subspan(bytes);
  }
  OPENSSL_cleanse(block, sizeof(block));
}

void RandomSource::FillBytes(std::span<uint8_t> out) { FillRandomBytes(*this, out); }

SecureRandom::SecureRandom() : prg_(NewRandomKey()) {}

}  // namespace mpcstats::core
