// A hostile peer for end-to-end tests: it connects to a real mpcstats process on loopback, over
// plain TCP or mutual TLS 1.3 with a certificate of the test's CA, and sends exactly the bytes a
// test chooses (truncated frames, oversized length prefixes, garbage bodies, forged envelopes).
//
// Contract: blocking, one owner, not thread-safe. Every operation is bounded by a deadline; when
// it passes, the connection is closed and the operation reports failure (a test never hangs on a
// process that stopped talking). Setup failures (connect, TLS handshake) throw std::runtime_error.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "proto/mpcstats.pb.h"
#include "tests/e2e/cluster.h"

namespace mpcstats::e2e {

class HostileClient {
 public:
  // TCP connection to 127.0.0.1:port, retried until `timeout` passes.
  explicit HostileClient(uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(3));
  ~HostileClient();
  HostileClient(const HostileClient&) = delete;
  HostileClient& operator=(const HostileClient&) = delete;

  // Client side of mutual TLS 1.3 as `id` (its certificate and key from `certs`, trusting the
  // same CA). Under TLS 1.3 the server may still refuse us after this returns.
  void StartTls(const CertSet& certs, const std::string& id,
                std::chrono::milliseconds timeout = std::chrono::seconds(3));

  // Writes raw bytes (through TLS once started). False if the connection is gone.
  bool Send(const std::string& bytes, std::chrono::milliseconds timeout = std::chrono::seconds(3));
  // Half-close: a TCP FIN from our side (no TLS close_notify), the peer reads EOF.
  void ShutdownSend();

  // The next frame from the peer; nullopt if the connection ended, the deadline passed or the
  // bytes do not decode.
  std::optional<wire::Envelope> Receive(std::chrono::milliseconds timeout);
  // Reads (and decodes, see received()) until the peer closes the connection: true, or false if
  // it is still open when `timeout` passes.
  bool WaitForClose(std::chrono::milliseconds timeout);
  // Frames decoded by WaitForClose.
  const std::vector<wire::Envelope>& received() const { return received_; }
  // True if one of received() is an Abort carrying `code`.
  bool ReceivedAbort(const std::string& code) const;

 private:
  struct Io;
  // Reads what is available into the decoder; false once the connection ended or timed out.
  bool ReadSome(std::chrono::steady_clock::time_point deadline);

  std::unique_ptr<Io> io_;
  std::vector<wire::Envelope> received_;
  bool closed_ = false;
};

// A frame as the processes write it: 4-byte big-endian length, then the serialized envelope.
std::string Frame(const wire::Envelope& envelope);
// A bare 4-byte big-endian length prefix.
std::string LengthPrefix(uint32_t length);
// A Hello from `sender` with the given run id and sequence number.
wire::Envelope HelloEnvelope(const std::string& run_id, const std::string& sender, uint64_t seq);
// A one-chunk PartialSum (offset 0) from `sender`.
wire::Envelope PartialSumEnvelope(const std::string& run_id, const std::string& sender, uint64_t seq,
                                  size_t values);

}  // namespace mpcstats::e2e
