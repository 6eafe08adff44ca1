#include "tests/e2e/hostile_client.h"

#include <functional>
#include <stdexcept>
#include <thread>

#include "common/core/frame_codec.h"
#include "common/core/messages.h"
#include "common/net/asio.h"
#include "common/net/tls_context.h"
#include "tests/support/frame_decoder.h"

namespace mpcstats::e2e {

namespace asio = net::asio;
namespace ssl = net::ssl;
using net::error_code;
using net::tcp;
using Clock = std::chrono::steady_clock;

struct HostileClient::Io {
  asio::io_context context;
  std::unique_ptr<tcp::socket> plain = std::make_unique<tcp::socket>(context);
  std::shared_ptr<ssl::context> tls_context;
  std::unique_ptr<ssl::stream<tcp::socket>> tls;
  core::FrameDecoder decoder;

  tcp::socket& socket() { return tls ? tls->next_layer() : *plain; }

  // Runs one asynchronous operation to completion or until `deadline`; on the deadline the socket
  // is closed (which completes the operation) and timed_out is returned.
  std::pair<error_code, size_t> Run(const std::function<void(std::function<void(error_code, size_t)>)>& start,
                                    Clock::time_point deadline) {
    std::optional<std::pair<error_code, size_t>> result;
    start([&result](error_code ec, size_t n) { result.emplace(ec, n); });
    context.restart();
    context.run_until(deadline);
    if (result) return *result;
    error_code ignored;
    socket().close(ignored);
    context.restart();
    while (!result) context.run_one();
    return {asio::error::timed_out, result->second};
  }
};

HostileClient::HostileClient(uint16_t port, std::chrono::milliseconds timeout) : io_(std::make_unique<Io>()) {
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  const auto deadline = Clock::now() + timeout;
  error_code ec;
  while (true) {
    ec = io_->Run([this, &endpoint](auto done) { io_->plain->async_connect(endpoint, [done](error_code e) { done(e, 0); }); },
                  deadline)
             .first;
    if (!ec || Clock::now() >= deadline) break;
    error_code ignored;
    io_->plain->close(ignored);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (ec) throw std::runtime_error("hostile client: cannot connect to port " + std::to_string(port) + ": " + ec.message());
  io_->plain->set_option(tcp::no_delay(true), ec);
}

HostileClient::~HostileClient() {
  error_code ignored;
  io_->socket().close(ignored);
}

void HostileClient::StartTls(const CertSet& certs, const std::string& id, std::chrono::milliseconds timeout) {
  net::TlsFiles files{certs.cert(id).string(), certs.key(id).string(), certs.ca().string()};
  auto context = net::MakeTlsContext(files, id);
  if (!context.ok()) throw std::runtime_error("hostile client: " + context.status().ToString());
  io_->tls_context = *context;
  io_->tls = std::make_unique<ssl::stream<tcp::socket>>(std::move(*io_->plain), *io_->tls_context);
  const error_code ec = io_->Run(
                                [this](auto done) {
                                  io_->tls->async_handshake(ssl::stream_base::client,
                                                            [done](error_code e) { done(e, 0); });
                                },
                                Clock::now() + timeout)
                            .first;
  if (ec) throw std::runtime_error("hostile client: TLS handshake as " + id + " failed: " + ec.message());
}

bool HostileClient::Send(const std::string& bytes, std::chrono::milliseconds timeout) {
  if (closed_) return false;
  auto start = [this, &bytes](auto done) {
    if (io_->tls) {
      asio::async_write(*io_->tls, asio::buffer(bytes), done);
    } else {
      asio::async_write(*io_->plain, asio::buffer(bytes), done);
    }
  };
  return !io_->Run(start, Clock::now() + timeout).first;
}

void HostileClient::ShutdownSend() {
  error_code ignored;
  io_->socket().shutdown(tcp::socket::shutdown_send, ignored);
}

bool HostileClient::ReadSome(Clock::time_point deadline) {
  if (closed_) return false;
  std::array<uint8_t, 4096> buffer{};
  auto start = [this, &buffer](auto done) {
    if (io_->tls) {
      io_->tls->async_read_some(asio::buffer(buffer), done);
    } else {
      io_->plain->async_read_some(asio::buffer(buffer), done);
    }
  };
  const auto [ec, n] = io_->Run(start, deadline);
  io_->decoder.Feed(std::span<const uint8_t>(buffer.data(), n));
  if (ec) closed_ = ec != asio::error::timed_out;
  return !ec;
}

std::optional<wire::Envelope> HostileClient::Receive(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    auto next = io_->decoder.Next();
    if (!next.ok()) return std::nullopt;
    if (next->has_value()) return std::move(**next);
    if (!ReadSome(deadline)) return std::nullopt;
  }
}

bool HostileClient::WaitForClose(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!closed_) {
    const bool more = ReadSome(deadline);
    while (true) {
      auto next = io_->decoder.Next();
      if (!next.ok() || !next->has_value()) break;
      received_.push_back(std::move(**next));
    }
    if (!more && !closed_) return false;  // the deadline passed with the connection still open
  }
  return true;
}

bool HostileClient::ReceivedAbort(const std::string& code) const {
  for (const auto& message : received_) {
    if (!message.has_abort()) continue;
    const auto received = core::CodeFromWire(message.abort().code());
    if (received.ok() && core::CodeName(*received) == code) return true;
  }
  return false;
}

std::string Frame(const wire::Envelope& envelope) {
  std::string frame;
  if (!core::AppendFrame(envelope, core::kDefaultMaxFrameBytes, &frame).ok()) {
    throw std::runtime_error("hostile client: cannot frame the message");
  }
  return frame;
}

std::string LengthPrefix(uint32_t length) {
  std::string prefix(4, '\0');
  prefix[0] = static_cast<char>(length >> 24);
  prefix[1] = static_cast<char>(length >> 16);
  prefix[2] = static_cast<char>(length >> 8);
  prefix[3] = static_cast<char>(length);
  return prefix;
}

wire::Envelope HelloEnvelope(const std::string& run_id, const std::string& sender, uint64_t seq) {
  wire::Envelope envelope;
  envelope.set_run_id(run_id);
  envelope.set_sender(sender);
  envelope.set_seq(seq);
  envelope.mutable_hello()->set_protocol_version(core::kProtocolVersion);
  return envelope;
}

wire::Envelope PartialSumEnvelope(const std::string& run_id, const std::string& sender, uint64_t seq,
                                  size_t values) {
  wire::Envelope envelope;
  envelope.set_run_id(run_id);
  envelope.set_sender(sender);
  envelope.set_seq(seq);
  envelope.mutable_partial_sum()->set_offset(0);
  for (size_t i = 0; i < values; ++i) envelope.mutable_partial_sum()->add_values(i);
  return envelope;
}

}  // namespace mpcstats::e2e
