// Two Links joined in memory, on one executor: what one end sends the other receives, in order,
// with sequence numbers stamped as on a Channel. For running engines and pumps in one process.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <utility>

#include "common/net/link.h"

namespace mpcstats::net {

class MemoryLink final : public Link {
 public:
  // The two ends: `a` is the link to `b_id` held by `a_id`, and the other way round.
  static std::pair<std::shared_ptr<MemoryLink>, std::shared_ptr<MemoryLink>> MakePair(
      const asio::any_io_executor& executor, const std::string& a_id, const std::string& b_id);

  MemoryLink(const asio::any_io_executor& executor, std::string peer_id);
  const std::string& peer_id() const override { return peer_id_; }
  LinkStats stats() const override { return stats_; }
  awaitable<core::Status> Send(wire::Envelope message, Duration timeout) override;
  awaitable<core::StatusOr<wire::Envelope>> Receive(Duration idle, Duration frame) override;
  void Close() override;

 private:
  void Deliver(wire::Envelope message);
  void PeerClosed();

  std::string peer_id_;
  std::weak_ptr<MemoryLink> other_;
  std::deque<wire::Envelope> inbox_;
  asio::steady_timer arrival_;
  bool closed_ = false;       // by us
  bool peer_closed_ = false;  // by the other end
  uint64_t next_seq_ = 0;
  LinkStats stats_;
};

}  // namespace mpcstats::net
