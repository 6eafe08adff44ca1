// Randomness for shares and seeds. Everything here comes from OpenSSL: RAND_bytes for keys, and
// AES-128-CTR keystreams for bulk output. Never std::mt19937 or rand().
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>

namespace mpcstats::core {

// Source of every random value a run uses: ring elements for shares, bytes for AES keys and run
// ids. Injected into the protocol engines so tests can be deterministic and observe it.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual void Fill(std::span<uint64_t> out) = 0;
  // Uniform bytes (keys, run ids). The default draws ring elements and keeps their bytes.
  virtual void FillBytes(std::span<uint8_t> out);
};

using AesKey = std::array<uint8_t, 16>;

// Fills `out` from OpenSSL's CSPRNG (RAND_bytes). Aborts the process if OpenSSL cannot deliver:
// continuing with weak randomness would leak secrets.
void FillFromCsprng(std::span<uint8_t> out);
AesKey NewRandomKey();

// AES-128-CTR keystream expanded from a 128-bit key, starting at counter 0. Deterministic for a
// key, so two parties holding the same key expand the same stream (the seeded protocol).
// Not thread-safe; one instance per stream.
class AesCtrPrg final : public RandomSource {
 public:
  // Starts at 16-byte block `first_block` of the stream (the counter is the big-endian IV), so
  // threads can expand disjoint parts of one stream.
  explicit AesCtrPrg(const AesKey& key, uint64_t first_block = 0);
  ~AesCtrPrg() override;
  AesCtrPrg(const AesCtrPrg&) = delete;
  AesCtrPrg& operator=(const AesCtrPrg&) = delete;

  void Fill(std::span<uint64_t> out) override;
  void FillBytes(std::span<uint8_t> out) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The default source of shares: an AES-CTR stream under a fresh key from RAND_bytes.
class SecureRandom final : public RandomSource {
 public:
  SecureRandom();
  void Fill(std::span<uint64_t> out) override { prg_.Fill(out); }
  // Keys and run ids straight from RAND_bytes.
  void FillBytes(std::span<uint8_t> out) override { FillFromCsprng(out); }

 private:
  AesCtrPrg prg_;
};

// Fills `out` with bytes from `rng` (whole 64-bit draws, little-endian; the tail of the last draw
// is discarded), so byte-valued secrets (X25519 keys, seeds, nonces) come from the injected source.
void FillRandomBytes(RandomSource& rng, std::span<uint8_t> out);

}  // namespace mpcstats::core
