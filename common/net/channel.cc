#include "common/net/channel.h"

#include <fmt/format.h>

#include <poll.h>

#include <array>
#include <vector>

namespace mpcstats::net {

using core::Code;
using core::Status;

// Arms a timer for one operation; when it fires first, the socket is closed so the operation
// fails. Disarmed on scope exit. Holds a weak reference: a late callback after the channel is
// gone does nothing.
class Channel::Watchdog {
 public:
  Watchdog(Channel& channel, asio::steady_timer& timer, Duration timeout) : timer_(timer) {
    timer_.expires_after(timeout);
    std::weak_ptr<Channel> weak = channel.weak_from_this();
    timer_.async_wait([weak, fired = fired_, active = active_](const error_code& ec) {
      if (ec || !*active) return;  // cancelled, or queued just as the operation finished
      *fired = true;
      if (auto channel = weak.lock()) channel->Close();
    });
  }
  ~Watchdog() {
    *active_ = false;
    timer_.cancel();
  }
  bool fired() const { return *fired_; }

 private:
  asio::steady_timer& timer_;
  std::shared_ptr<bool> fired_ = std::make_shared<bool>(false);
  std::shared_ptr<bool> active_ = std::make_shared<bool>(true);
};

Channel::Channel(std::unique_ptr<TlsStream> stream, std::string peer_id, uint32_t max_frame_bytes)
    : stream_(std::move(stream)),
      peer_id_(std::move(peer_id)),
      max_frame_bytes_(max_frame_bytes),
      read_timer_(stream_->get_executor()),
      write_timer_(stream_->get_executor()) {
  error_code ec;
  const auto endpoint = stream_->lowest_layer().remote_endpoint(ec);
  remote_address_ = ec ? "unknown" : fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port());
}

Channel::~Channel() { Close(); }

LinkStats Channel::stats() const {
  const ByteCounter& counter = stream_->next_layer().counter();
  return LinkStats{counter.sent, counter.received, payload_sent_, payload_received_};
}

void Channel::Close() {
  error_code ignored;
  stream_->lowest_layer().shutdown(tcp::socket::shutdown_both, ignored);
  stream_->lowest_layer().close(ignored);
}

bool Channel::PeerHungUp() {
  auto& socket = stream_->lowest_layer();
  if (!socket.is_open()) return true;
  pollfd fd{.fd = socket.native_handle(), .events = POLLRDHUP, .revents = 0};
  return ::poll(&fd, 1, 0) > 0 && (fd.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

Status Channel::DescribeError(const error_code& ec, bool timed_out, std::string_view what, Duration timeout) const {
  if (timed_out) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count();
    return Status(Code::kTimeout, fmt::format("{}: {} did not complete within {} ms", peer_id_, what, ms));
  }
  return Status(Code::kPeerMissing, fmt::format("{}: connection lost while {} ({})", peer_id_, what, ec.message()));
}

template <class Buffers>
awaitable<Status> Channel::WriteFrame(const Buffers& buffers, size_t frame_bytes, wire::Envelope::BodyCase body,
                                      Duration timeout) {
  Watchdog watchdog(*this, write_timer_, timeout);
  error_code ec;
  co_await asio::async_write(*stream_, buffers, asio::redirect_error(use_awaitable, ec));
  writing_ = false;
  if (ec) co_return DescribeError(ec, watchdog.fired(), fmt::format("sending {}", core::BodyName(body)), timeout);
  payload_sent_ += frame_bytes - core::kFrameHeaderBytes;
  co_return Status::Ok();
}

awaitable<Status> Channel::Send(wire::Envelope message, Duration timeout) {
  auto self = shared_from_this();
  if (writing_) co_return Status(Code::kInternal, fmt::format("{}: a send is already in progress", peer_id_));
  writing_ = true;
  message.set_seq(next_send_seq_++);
  std::string& frame = send_buffer_;
  frame.clear();
  if (Status s = core::AppendFrame(message, max_frame_bytes_, &frame); !s.ok()) {
    writing_ = false;
    co_return s;
  }
  co_return co_await WriteFrame(asio::buffer(frame), frame.size(), message.body_case(), timeout);
}

awaitable<Status> Channel::SendShared(std::shared_ptr<const core::SharedEnvelope> message, Duration timeout) {
  auto self = shared_from_this();
  if (writing_) co_return Status(Code::kInternal, fmt::format("{}: a send is already in progress", peer_id_));
  writing_ = true;
  std::string& prefix = send_buffer_;
  prefix.clear();
  if (Status s = core::AppendSharedFramePrefix(*message, next_send_seq_++, max_frame_bytes_, &prefix); !s.ok()) {
    writing_ = false;
    co_return s;
  }
  const std::array<asio::const_buffer, 2> frame = {asio::buffer(prefix), asio::buffer(message->bytes)};
  co_return co_await WriteFrame(frame, prefix.size() + message->bytes.size(), message->body_case, timeout);
}

awaitable<core::StatusOr<wire::Envelope>> Channel::Receive(Duration timeout) {
  co_return co_await Receive(timeout, timeout);
}

awaitable<core::StatusOr<wire::Envelope>> Channel::Receive(Duration idle, Duration frame) {
  auto self = shared_from_this();
  std::array<uint8_t, core::kFrameHeaderBytes> header{};
  error_code ec;
  {
    Watchdog idle_watchdog(*this, read_timer_, idle);
    co_await asio::async_read(*stream_, asio::buffer(header), asio::redirect_error(use_awaitable, ec));
    if (ec) co_return DescribeError(ec, idle_watchdog.fired(), "waiting for a message", idle);
  }
  // With one timeout for both (the one-argument Receive), the frame gets what is left of it.
  const Duration timeout = frame;
  Watchdog watchdog(*this, read_timer_, timeout);

  // The bound is checked before the body buffer exists: the peer's length field drives no allocation.
  auto length = core::DecodeFrameLength(header, max_frame_bytes_);
  if (!length.ok()) co_return length.status().WithContext(peer_id_);
  std::vector<uint8_t>& body = receive_buffer_;
  body.resize(*length);
  co_await asio::async_read(*stream_, asio::buffer(body), asio::redirect_error(use_awaitable, ec));
  if (ec) co_return DescribeError(ec, watchdog.fired(), "reading a frame body", timeout);

  auto message = core::ParseEnvelope(body);
  if (!message.ok()) co_return message.status().WithContext(peer_id_);
  if (Status s = receive_seq_.Accept(message->seq()); !s.ok()) co_return s.WithContext(peer_id_);
  payload_received_ += body.size();
  co_return message;
}

}  // namespace mpcstats::net
