// Secure aggregation ("--protocol secagg", issue 10): Bonawitz et al. (CCS 2017), round and
// message names as in fcp/secagg. Parties dial only the coordinator, which relays; the coordinator
// learns only the sum over the included parties, survives parties that drop, and every included
// party gets the result. Pure round logic, no I/O: SecAggParty (secagg_party.h) and
// SecAggCoordinator (secagg_coordinator.h) take and return wire messages; the engine moves them.
//
// Sets: U1 = advertised keys, U2 = completed ShareKeys, U3 = whole masked input arrived
// ("included"), U4 = answered Unmasking. Each round needs |U_k| >= T, else NOT_ENOUGH_PARTIES
// naming who is missing; a party that has not answered when the engine closes a round (every
// party answered, or --timeout) has dropped at that round.
//
//  round           party -> coordinator             coordinator -> party        checks
//  AdvertiseKeys   AdvertiseKeys: mask and          ShareKeysRequest: the list  party: every cert chains
//                  encryption X25519 public keys,   of U1, the same for all     to the CA, CN = the id it is
//                  ECDSA signature over (run, id,                               listed under, signature
//                  both keys), certificate                                      valid, own entry unchanged,
//                                                                               |U1| >= T
//  ShareKeys       ShareKeysResponse: per peer j    MaskedInputRequest to each  coordinator: one sealed
//                  in U1, AES-256-GCM sealed        r in U2: the sealed shares  entry per peer of U1;
//                  Shamir shares (T of N, x = roster addressed to r             party: shares open (AEAD,
//                  index + 1) of its mask private                               bound to run, sender,
//                  key s_i and self-mask seed b_i                               recipient), |U2| >= T
//  MaskedInput     MaskedInput chunks (in order):   UnmaskingRequest to U3:     coordinator: in order,
//                  y_i = x_i + PRG(b_i) +- PRG(s_ij) the dropped list U2 \ U3   right length, U3 only
//                  over j in U2 (secagg_masking.h)                              before Unmasking began
//  Unmasking       UnmaskingResponse: per j in U2,  SecAggResult to U3          party: refuses a list that
//                  the share of b_j (j in U3) or of                             names itself, repeats or
//                  s_j (j dropped), never both                                  is not in U2, a second
//                                                                               request; coordinator:
//                                                                               kind per peer, |U4| >= T,
//                                                                               reconstructed s_j matches
//                                                                               its public key, check
//                                                                               vector = indicator of U3
//
// The input vector is payload followed by the N-entry check vector e_i (1 at the party's roster
// index), so the unmasked check vector must be exactly the indicator of the included parties.
// A party whose masked input arrived only in part when the round closes cannot be removed from the
// running sum (the coordinator keeps one vector, not one per party): the run aborts (PEER_MISSING).
// The engines' secagg_* rounds (common/core/party/, common/core/coordinator/) drive these: the
// threshold travels in Start (--threshold), rounds close on the deadline, results go to run.json.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/status.h"

namespace mpcstats::core {

struct SecAggConfig {
  std::string run_id;
  std::vector<std::string> party_ids;  // roster order: index k is Shamir point k + 1
  size_t threshold = 0;                // T
  uint64_t vector_length = 0;          // payload plus the N-entry check vector
  uint32_t chunk_values = 0;           // MaskedInput chunk size (kDefaultChunkValues)
};

// floor(2n/3) + 1: tolerates just under a third of the parties dropping.
size_t DefaultThreshold(size_t num_parties);
// kUsage unless n/2 < T <= n, ids are distinct and non-empty, vector_length >= N (room for the
// check vector) and chunk_values >= 1.
Status ValidateSecAggConfig(const SecAggConfig& config);

// Bounds on what the rounds accept (checked on parse; frames are bounded below these anyway).
inline constexpr size_t kMaxCertificateBytes = 16 * 1024;
inline constexpr size_t kMaxSignatureBytes = 256;
inline constexpr size_t kMaxResultJsonBytes = 64 * 1024 * 1024;

enum class SecAggRound { kAdvertiseKeys, kShareKeys, kMaskedInput, kUnmasking, kDone };
// "advertise_keys", "share_keys", "masked_input", "unmasking", "done": run.json's dropped_parties.
std::string_view SecAggRoundName(SecAggRound round);

// The parties of `ids` (roster order) not in `present`, joined by ", " for a message.
std::string JoinMissing(const std::vector<std::string>& ids, const std::vector<bool>& present);

}  // namespace mpcstats::core
