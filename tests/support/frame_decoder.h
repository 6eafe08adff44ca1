// Test-only: splits a byte stream into envelopes with exactly the two calls net::Channel makes per
// frame (DecodeFrameLength on the 4-byte header, then ParseEnvelope on the body), so tests and
// the frame fuzz target drive the programs' decoding path over arbitrary cuts of a stream.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "common/core/frame_codec.h"
#include "common/core/status.h"
#include "proto/mpcstats.pb.h"

namespace mpcstats::core {

class FrameDecoder {
 public:
  explicit FrameDecoder(uint32_t max_frame_bytes = kDefaultMaxFrameBytes) : max_frame_bytes_(max_frame_bytes) {}
  // Appends bytes. After an error, the decoder stays failed.
  void Feed(std::span<const uint8_t> bytes);
  // The next complete message, nullopt if more bytes are needed, or the error.
  StatusOr<std::optional<wire::Envelope>> Next();
  // Bytes fed but not yet consumed (a truncated frame at EOF leaves this non-zero).
  size_t buffered() const { return buffer_.size() - offset_; }

 private:
  uint32_t max_frame_bytes_;
  std::string buffer_;
  size_t offset_ = 0;
  Status error_;
};

}  // namespace mpcstats::core
