// The party's side of the protocol, as a state machine without I/O: the network layer feeds it
// messages and sends what it returns. The seed's four steps:
//   1. OnStart: check the run's parameters against our roster and input.
//   2. Shares out:  "full":   MakeShareChunk for chunk 0, 1, ...: one uniformly random chunk per
//                             peer; our own share of that range is the input minus them.
//                   "seeded": MakeSeeds: one fresh AES key per peer; the peer's share of our
//                             input is the AES-CTR stream under it, ours is input minus streams.
//   3. Shares in:   OnShareChunk / OnSeed from every peer, in order, each checked.
//   4. MakePartialSumChunk for chunk 0, 1, ...: the only values that go to the coordinator.
// Vectors travel in chunks, so frames stay bounded whatever the vector length. Memory: the input
// vector (shares are added in place) plus, for "full", the N-1 chunks in flight (one per peer,
// each a few copies deep in protobuf and TLS buffers), for "seeded", one chunk.
// Misuse (steps out of order) returns an error; nothing is produced twice.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/core/chunking.h"
#include "common/core/roster.h"
#include "common/core/secure_random.h"
#include "common/core/sharing.h"
#include "common/core/status.h"
#include "proto/mpcstats.pb.h"

namespace mpcstats::core {

// kSecAgg: secure aggregation through the coordinator (common/core/secagg.h); PartyProtocol only
// checks its Start and builds the input, the rounds are SecAggParty's.
enum class ProtocolKind { kFull, kSeeded, kSecAgg };
// The names of --protocol and run.json; on the wire it is wire::Protocol (messages.h maps the two).
std::string_view ProtocolName(ProtocolKind kind);
StatusOr<ProtocolKind> ParseProtocolName(std::string_view name);

// Builds the party's input vector (payload followed by the check vector) once Start has said
// what the run computes, in the run of the given id (a private query's budget charge records
// it); an error (e.g. a query the party's policy refuses) stops the run.
using InputSource = std::function<StatusOr<std::vector<uint64_t>>(const wire::Start&, const std::string& run_id)>;

class PartyProtocol {
 public:
  PartyProtocol(const Roster& roster, std::string self_id, InputSource input);
  // A fixed input vector, whatever Start asks (tests).
  PartyProtocol(const Roster& roster, std::string self_id, std::vector<uint64_t> input);
  ~PartyProtocol();
  PartyProtocol(PartyProtocol&&) noexcept;
  PartyProtocol& operator=(PartyProtocol&&) noexcept;

  Status OnStart(const wire::Start& start, const std::string& run_id = {});
  ProtocolKind protocol() const { return protocol_; }
  // secagg: the threshold T from Start (checked: num_parties/2 < T <= num_parties).
  size_t threshold() const { return threshold_; }
  uint32_t chunk_values() const { return chunk_values_; }
  // The input vector (payload and check vector) once Start is accepted; secagg masks it whole.
  const std::vector<uint64_t>& input() const { return partial_; }
  size_t num_chunks() const { return NumChunks(length_, chunk_values_); }
  const std::vector<std::string>& peer_ids() const { return peer_ids_; }

  // "full" only; chunks in order 0, 1, ...
  StatusOr<std::map<std::string, wire::ShareVector>> MakeShareChunk(size_t index, RandomSource& rng);
  Status OnShareChunk(const std::string& from, const wire::ShareVector& chunk);

  // "seeded" only.
  StatusOr<std::map<std::string, wire::SeedShare>> MakeSeeds(RandomSource& rng);
  Status OnSeed(const std::string& from, const wire::SeedShare& seed);

  // True once `peer`'s whole share (seeded: its key) has come in.
  bool PeerDone(const std::string& peer) const;
  // True once every share has gone out and every peer's share has come in.
  bool ReadyForPartialSum() const;
  // Chunks in order 0, 1, ...; after the last one the protocol is done.
  StatusOr<wire::PartialSum> MakePartialSumChunk(size_t index);

 private:
  enum class Phase { kWaitingStart, kSharing, kSumming, kDone };
  Status CheckPeer(const std::string& from) const;

  std::string self_id_;
  std::string roster_digest_;
  size_t num_parties_;
  bool mesh_endpoints_;  // every party has a host and port (the mesh protocols need them)
  std::vector<std::string> peer_ids_;
  InputSource input_source_;
  std::vector<uint64_t> partial_;  // starts as the input; shares are subtracted/added in place
  uint64_t length_ = 0;
  ProtocolKind protocol_ = ProtocolKind::kFull;
  uint32_t chunk_values_ = kDefaultChunkValues;
  size_t threshold_ = 0;
  Phase phase_ = Phase::kWaitingStart;
  size_t next_share_chunk_ = 0;                 // full: next chunk to send
  std::map<std::string, uint64_t> received_;   // full: values received per peer; seeded: 1 per seed
  bool seeds_made_ = false;
  std::vector<std::unique_ptr<AesCtrPrg>> subtract_streams_;  // seeded: peers' shares of our input
  std::vector<std::unique_ptr<AesCtrPrg>> add_streams_;       // seeded: our shares of peers' inputs
  std::vector<uint64_t> stream_buffer_;  // seeded: one chunk of keystream, reused
  size_t next_partial_chunk_ = 0;
};

}  // namespace mpcstats::core
