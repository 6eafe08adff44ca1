// Round 2 of the party: every peer gets a share of our input and sends us a share of its own.
// Seeded: one fresh AES key per peer, both ways (the shares are the keys' AES-CTR streams).
// Full: the share vectors themselves, chunk by chunk, both ways.
#include <fmt/format.h>

#include <algorithm>

#include "common/core/party/party_states.h"

namespace mpcstats::core::party {

Status ShareRound::CheckFromPeer(const PartyContext& ctx, const std::string& sender) {
  if (std::find(ctx.peers.begin(), ctx.peers.end(), sender) == ctx.peers.end()) {
    return Status(Code::kWrongSender, fmt::format("shares from '{}', who is not a peer", SanitizeForLog(sender, 64)));
  }
  return Status::Ok();
}

PartyState::Next ShareRound::NextIfDone(PartyContext& ctx) {
  if (!ctx.protocol.ReadyForPartialSum()) return nullptr;
  ctx.timer.EndPhase(kPhaseShares);
  // Peer links are done: closed now so their byte counts are final.
  for (const auto& peer : ctx.peers) ctx.CloseLink(peer);
  ctx.next_chunk = 0;
  return std::make_unique<SendPartialSum>();
}

Status ShareRound::OnPeerLost(PartyContext& ctx, const std::string& peer, const Status& cause) {
  // A peer that has everything it needs from us, and we from it, may close first.
  if (peer != kCoordinatorId && ctx.protocol.PeerDone(peer)) return Status::Ok();
  return cause;
}

Status ShareRound::OnDeadline(PartyContext& ctx) {
  std::vector<std::string> missing;
  for (const auto& peer : ctx.peers) {
    if (!ctx.protocol.PeerDone(peer)) missing.push_back(peer);
  }
  return Status(Code::kTimeout, fmt::format("no shares from {} within the deadline", fmt::join(missing, ", ")));
}

StatusOr<PartyState::Next> SeededShareRound::OnLinksReady(PartyContext& ctx) {
  links_ready_ = true;
  ctx.timer.EndPhase(kPhaseConnect);
  auto seeds = ctx.protocol.MakeSeeds(*ctx.rng);
  if (!seeds.ok()) return seeds.status();
  ctx.Info("{}: sending one seed to each of {} peers (protocol seeded)", ctx.self_id, seeds->size());
  for (auto& [peer, seed] : *seeds) {
    wire::Envelope message;
    *message.mutable_seed_share() = std::move(seed);
    ctx.Send(peer, std::move(message));
  }
  return NextIfDone(ctx);
}

StatusOr<PartyState::Next> SeededShareRound::Handle(PartyContext& ctx, const std::string& sender,
                                                    const wire::Envelope& message) {
  if (message.body_case() != wire::Envelope::kSeedShare) return Refuse(sender, message);
  if (Status s = CheckFromPeer(ctx, sender); !s.ok()) return s;
  if (Status s = ctx.protocol.OnSeed(sender, message.seed_share()); !s.ok()) return s;
  return links_ready_ ? NextIfDone(ctx) : nullptr;
}

StatusOr<PartyState::Next> FullShareRound::OnLinksReady(PartyContext& ctx) {
  links_ready_ = true;
  ctx.timer.EndPhase(kPhaseConnect);
  ctx.Info("{}: sending {} share chunk(s) to each of {} peers (protocol full)", ctx.self_id,
           ctx.protocol.num_chunks(), ctx.peers.size());
  ctx.next_chunk = 0;
  return NextIfDone(ctx);
}

StatusOr<PartyState::Next> FullShareRound::Handle(PartyContext& ctx, const std::string& sender,
                                                  const wire::Envelope& message) {
  if (message.body_case() != wire::Envelope::kShares) return Refuse(sender, message);
  if (Status s = CheckFromPeer(ctx, sender); !s.ok()) return s;
  if (Status s = ctx.protocol.OnShareChunk(sender, message.shares()); !s.ok()) return s;
  return links_ready_ ? NextIfDone(ctx) : nullptr;
}

Pending FullShareRound::pending(const PartyContext& ctx) const {
  return links_ready_ && ctx.next_chunk < ctx.protocol.num_chunks() ? Pending::kWhenQueued : Pending::kNothing;
}

// One chunk to every peer at a time: memory stays at N-1 chunks however long the vector.
StatusOr<PartyState::Next> FullShareRound::EmitNext(PartyContext& ctx) {
  auto chunks = ctx.protocol.MakeShareChunk(ctx.next_chunk, *ctx.rng);
  if (!chunks.ok()) return chunks.status();
  ++ctx.next_chunk;
  for (auto& [peer, chunk] : *chunks) {
    wire::Envelope message;
    *message.mutable_shares() = std::move(chunk);
    ctx.Send(peer, std::move(message));
  }
  return NextIfDone(ctx);
}

}  // namespace mpcstats::core::party
