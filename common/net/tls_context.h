// TLS 1.3 with mutual authentication against the run's private CA. OpenSSL checks the chain;
// we check the identity: the certificate's CN must be the roster id we expect on that link.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/core/status.h"
#include "common/net/asio.h"
#include "common/net/counting_socket.h"

namespace mpcstats::net {

struct TlsFiles {
  std::string cert;
  std::string key;
  std::string ca;
};

// Loads the files and checks them before anything is sent: each readable, the certificate and key
// parse and match, the certificate chains to the CA and is currently valid, and its CN is
// `self_id`. Every failure is Code::kBadInput with one line naming the file and the problem.
// The context verifies peers (both roles) and refuses anything below TLS 1.3.
core::StatusOr<std::shared_ptr<ssl::context>> MakeTlsContext(const TlsFiles& files, std::string_view self_id);

// CN of the peer's certificate on an established connection, if any.
std::optional<std::string> PeerCommonName(SSL* ssl);

// Turns a failed handshake into a reason: kCertUntrusted with OpenSSL's verify reason when the
// peer's certificate was refused, kTlsFailed otherwise (plain TCP, protocol mismatch, reset).
core::Status DescribeHandshakeFailure(SSL* ssl, const error_code& ec);

// Runs the TLS handshake in `type`'s role; closes the socket if it has not finished by `timeout`.
// kTimeout, or what DescribeHandshakeFailure says.
awaitable<core::Status> TlsHandshake(ssl::stream<CountingSocket>& stream, ssl::stream_base::handshake_type type,
                                     std::chrono::steady_clock::duration timeout);

}  // namespace mpcstats::net
