// The client side of a link: connect, retrying with backoff until a deadline (start order does not
// matter), TLS handshake, check the server's identity, exchange Hello/HelloAck.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "common/core/roster.h"
#include "common/core/status.h"
#include "common/net/channel.h"

namespace mpcstats::net {

struct ConnectOptions {
  std::string self_id;
  std::string peer_id;  // the CN the server's certificate must carry
  core::Endpoint endpoint;
  std::string run_id;  // empty towards the coordinator (the run id comes in Start)
  std::chrono::steady_clock::time_point deadline;  // stop retrying after this
  Duration handshake_timeout = std::chrono::seconds(10);
  uint32_t max_frame_bytes = core::kDefaultMaxFrameBytes;
  // Checked between attempts: true stops retrying (the run was aborted meanwhile).
  std::function<bool()> cancelled;
};

// Returns the open channel, or: kPeerMissing (nobody accepted before the deadline), kCertUntrusted
// or kTlsFailed (handshake), kIdentityMismatch (wrong server CN), kAborted (server refused our
// Hello and said why), kTimeout (no HelloAck in time).
awaitable<core::StatusOr<std::shared_ptr<Channel>>> ConnectToPeer(ssl::context& tls, ConnectOptions options);

}  // namespace mpcstats::net
