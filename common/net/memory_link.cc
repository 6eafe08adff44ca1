#include "common/net/memory_link.h"

#include <fmt/format.h>

namespace mpcstats::net {

using core::Code;
using core::Status;

std::pair<std::shared_ptr<MemoryLink>, std::shared_ptr<MemoryLink>> MemoryLink::MakePair(
    const asio::any_io_executor& executor, const std::string& a_id, const std::string& b_id) {
  auto a = std::make_shared<MemoryLink>(executor, b_id);
  auto b = std::make_shared<MemoryLink>(executor, a_id);
  a->other_ = b;
  b->other_ = a;
  return {a, b};
}

MemoryLink::MemoryLink(const asio::any_io_executor& executor, std::string peer_id)
    : peer_id_(std::move(peer_id)), arrival_(executor) {}

awaitable<Status> MemoryLink::Send(wire::Envelope message, Duration) {
  auto other = other_.lock();
  if (closed_ || peer_closed_ || !other) {
    co_return Status(Code::kPeerMissing, fmt::format("{}: connection lost while sending", peer_id_));
  }
  message.set_seq(next_seq_++);
  const uint64_t bytes = message.ByteSizeLong();
  stats_.payload_sent += bytes;
  stats_.wire_sent += bytes;
  other->Deliver(std::move(message));
  co_return Status::Ok();
}

void MemoryLink::Deliver(wire::Envelope message) {
  const uint64_t bytes = message.ByteSizeLong();
  stats_.payload_received += bytes;
  stats_.wire_received += bytes;
  inbox_.push_back(std::move(message));
  arrival_.cancel();
}

awaitable<core::StatusOr<wire::Envelope>> MemoryLink::Receive(Duration idle, Duration) {
  const auto deadline = std::chrono::steady_clock::now() + idle;
  while (inbox_.empty() && !closed_ && !peer_closed_) {
    if (std::chrono::steady_clock::now() >= deadline) {
      co_return Status(Code::kTimeout, fmt::format("{}: waiting for a message did not complete", peer_id_));
    }
    arrival_.expires_at(deadline);
    error_code ec;
    co_await arrival_.async_wait(asio::redirect_error(use_awaitable, ec));
  }
  if (closed_ || inbox_.empty()) {
    co_return Status(Code::kPeerMissing, fmt::format("{}: connection lost while waiting for a message", peer_id_));
  }
  wire::Envelope message = std::move(inbox_.front());
  inbox_.pop_front();
  co_return message;
}

void MemoryLink::PeerClosed() {
  peer_closed_ = true;
  arrival_.cancel();
}

void MemoryLink::Close() {
  if (closed_) return;
  closed_ = true;
  arrival_.cancel();
  if (auto other = other_.lock()) other->PeerClosed();
}

}  // namespace mpcstats::net
