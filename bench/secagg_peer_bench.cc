// What a secagg party spends per peer, the O(N) part of its work that makes ShareKeys O(N^2) for
// the machine in the N = 200 benchmark: the whole ShareKeys and MaskedInputRequest steps of one
// party among N, and each OpenSSL call they make per peer, so the sum of the parts can be checked
// against the whole.
//   - BM_ShareKeysRequest/N: SecAggParty::OnShareKeysRequest of one party among N (N - 1 peers:
//     certificate, signature, X25519, two HKDF, one AES-GCM seal each, and the Shamir split).
//   - BM_MaskedInputRequest/N: SecAggParty::OnMaskedInputRequest (N - 1 AES-GCM opens, then the
//     N - 1 pairwise PRG keys: X25519 and HKDF each).
//   - BM_VerifyPeerCertificate, BM_VerifyAdvertisedKeys, BM_X25519Agree, BM_DeriveShareKey,
//     BM_AeadSeal, BM_AeadOpen: one call each.
//   - BM_ShamirReconstruct/N: what the coordinator does per included party in Unmasking.
// Counter `peers` = N - 1: time per peer = time / peers.
// Run: build/bench/secagg_peer_bench --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/core/chunking.h"
#include "common/core/secagg.h"
#include "common/core/secagg_coordinator.h"
#include "common/core/secagg_crypto.h"
#include "common/core/secagg_identity.h"
#include "common/core/secagg_party.h"
#include "common/core/secure_random.h"
#include "common/core/shamir.h"
#include "tests/core/test_pki.h"

namespace mpcstats::core {
namespace {

std::span<const uint8_t> Bytes(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

void Check(const Status& status) {
  if (!status.ok()) throw std::runtime_error(status.ToString());
}
template <class T>
T Take(StatusOr<T> value) {
  Check(value.status());
  return std::move(value).value();
}

// N parties that have all advertised keys, the relayed list, and party 1's answers to it.
class Federation {
 public:
  explicit Federation(size_t n) {
    config_.run_id = "run-peer-bench";
    for (size_t i = 0; i < n; ++i) config_.party_ids.push_back("party" + std::to_string(i + 1));
    config_.threshold = DefaultThreshold(n);
    config_.vector_length = 8 + n;
    config_.chunk_values = kDefaultChunkValues;
    verifier_ = Take(CaCertificateVerifier::FromPem(pki_.ca_pem()));
    auto coordinator = Take(SecAggCoordinator::Create(config_));
    for (size_t i = 0; i < n; ++i) {
      pems_.push_back(pki_.Issue(config_.party_ids[i]));
      parties_.push_back(NewParty(i));
      Check(coordinator->OnAdvertiseKeys(config_.party_ids[i], Take(parties_[i].party->MakeAdvertiseKeys())));
    }
    share_keys_request_ = Take(coordinator->CloseAdvertiseKeys());
    for (size_t i = 0; i < n; ++i) {
      Check(coordinator->OnShareKeysResponse(config_.party_ids[i], Take(parties_[i].party->OnShareKeysRequest(share_keys_request_))));
    }
    masked_input_request_ = Take(coordinator->CloseShareKeys()).at(config_.party_ids[0]);
  }

  size_t n() const { return config_.party_ids.size(); }
  const CaCertificateVerifier& verifier() const { return *verifier_; }
  const SecAggConfig& config() const { return config_; }
  const wire::ShareKeysRequest& share_keys_request() const { return share_keys_request_; }
  const wire::MaskedInputRequest& masked_input_request() const { return masked_input_request_; }

  // Party `i` again from the start, after AdvertiseKeys: its randomness is a function of `i`, so
  // it advertises the keys the list carries and the shares sealed for it open.
  struct FreshParty {
    std::unique_ptr<AesCtrPrg> rng;
    std::unique_ptr<SecAggParty> party;
  };
  FreshParty Readvertise(size_t i) {
    FreshParty fresh = NewParty(i);
    (void)Take(fresh.party->MakeAdvertiseKeys());
    return fresh;
  }

 private:
  FreshParty NewParty(size_t i) {
    AesKey seed{};
    seed.fill(static_cast<uint8_t>(i + 1));
    FreshParty fresh{std::make_unique<AesCtrPrg>(seed), nullptr};
    auto credentials = Take(ParsePartyCredentials(pems_[i].certificate, pems_[i].private_key));
    fresh.party = Take(SecAggParty::Create(config_, config_.party_ids[i], std::move(credentials), *verifier_, *fresh.rng));
    return fresh;
  }

  testing::TestPki pki_;
  SecAggConfig config_;
  std::unique_ptr<CaCertificateVerifier> verifier_;
  std::vector<testing::PemPair> pems_;
  std::vector<FreshParty> parties_;
  wire::ShareKeysRequest share_keys_request_;
  wire::MaskedInputRequest masked_input_request_;
};

Federation& FederationOf(size_t n) {
  static std::map<size_t, std::unique_ptr<Federation>> federations;
  auto& slot = federations[n];
  if (!slot) slot = std::make_unique<Federation>(n);
  return *slot;
}

void PerPeer(benchmark::State& state, size_t n) { state.counters["peers"] = static_cast<double>(n - 1); }

void BM_ShareKeysRequest(benchmark::State& state) {
  auto& federation = FederationOf(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    state.PauseTiming();
    auto fresh = federation.Readvertise(0);
    state.ResumeTiming();
    benchmark::DoNotOptimize(Take(fresh.party->OnShareKeysRequest(federation.share_keys_request())));
  }
  PerPeer(state, federation.n());
}
BENCHMARK(BM_ShareKeysRequest)->Arg(50)->Arg(200)->Unit(benchmark::kMillisecond);

void BM_MaskedInputRequest(benchmark::State& state) {
  auto& federation = FederationOf(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    state.PauseTiming();
    // Party 1 again, through the round before.
    auto fresh = federation.Readvertise(0);
    (void)Take(fresh.party->OnShareKeysRequest(federation.share_keys_request()));
    state.ResumeTiming();
    Check(fresh.party->OnMaskedInputRequest(federation.masked_input_request()));
  }
  PerPeer(state, federation.n());
}
BENCHMARK(BM_MaskedInputRequest)->Arg(50)->Arg(200)->Unit(benchmark::kMillisecond);

const wire::AdvertiseKeys& PeerKeys() { return FederationOf(50).share_keys_request().parties(1).keys(); }

void BM_VerifyPeerCertificate(benchmark::State& state) {
  const auto& keys = PeerKeys();
  for (auto _ : state) benchmark::DoNotOptimize(Take(FederationOf(50).verifier().Verify(Bytes(keys.certificate()), "party2")));
}
BENCHMARK(BM_VerifyPeerCertificate)->Unit(benchmark::kMicrosecond);

void BM_VerifyAdvertisedKeys(benchmark::State& state) {
  const auto& keys = PeerKeys();
  auto& federation = FederationOf(50);
  const auto key = Take(federation.verifier().Verify(Bytes(keys.certificate()), "party2"));
  X25519Key mask{}, encryption{};
  std::copy_n(keys.mask_public_key().begin(), mask.size(), mask.begin());
  std::copy_n(keys.encryption_public_key().begin(), encryption.size(), encryption.begin());
  for (auto _ : state) {
    Check(VerifySha256(key.get(), SignedKeysMessage(federation.config().run_id, "party2", mask, encryption),
                       Bytes(keys.signature())));
  }
}
BENCHMARK(BM_VerifyAdvertisedKeys)->Unit(benchmark::kMicrosecond);

void BM_X25519Agree(benchmark::State& state) {
  SecureRandom rng;
  const auto own = Take(NewX25519KeyPair(rng));
  const auto agreement = Take(X25519Agreement::FromPrivateKey(own.private_key));
  const auto peer = Take(NewX25519KeyPair(rng));
  for (auto _ : state) benchmark::DoNotOptimize(Take(agreement.Agree(peer.public_key)));
}
BENCHMARK(BM_X25519Agree)->Unit(benchmark::kMicrosecond);

void BM_DeriveShareKey(benchmark::State& state) {
  X25519Key shared{};
  shared.fill(7);
  for (auto _ : state) benchmark::DoNotOptimize(Take(DeriveShareKey(shared, "run-peer-bench", "party1", "party2")));
}
BENCHMARK(BM_DeriveShareKey)->Unit(benchmark::kMicrosecond);

// One peer's sealed shares: the key, the two Shamir shares and the associated data.
struct AeadInputs {
  AeadInputs() { key.fill(3); }
  SecureRandom rng;
  AeadKey key{};
  std::vector<uint8_t> plaintext = std::vector<uint8_t>(2 * kShamirShareBytes, 5);
  std::vector<uint8_t> aad = std::vector<uint8_t>(40, 6);
};

void BM_AeadSeal(benchmark::State& state) {
  AeadInputs in;
  for (auto _ : state) benchmark::DoNotOptimize(Take(AeadSeal(in.key, in.plaintext, in.aad, in.rng)));
}
BENCHMARK(BM_AeadSeal)->Unit(benchmark::kMicrosecond);

void BM_AeadOpen(benchmark::State& state) {
  AeadInputs in;
  const auto sealed = Take(AeadSeal(in.key, in.plaintext, in.aad, in.rng));
  for (auto _ : state) benchmark::DoNotOptimize(Take(AeadOpen(in.key, sealed, in.aad)));
}
BENCHMARK(BM_AeadOpen)->Unit(benchmark::kMicrosecond);

// The coordinator's Unmasking, once per included party: T shares of N = 200 back into a secret.
void BM_ShamirReconstruct(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0)), t = DefaultThreshold(n);
  SecureRandom rng;
  ShamirSecret secret{};
  FillRandomBytes(rng, secret);
  const auto shares = Take(ShamirSplit(secret, t, n, rng));
  for (auto _ : state) benchmark::DoNotOptimize(Take(ShamirReconstruct(shares, t)));
}
BENCHMARK(BM_ShamirReconstruct)->Arg(200)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace mpcstats::core
