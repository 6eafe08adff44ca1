// Small helpers shared by the JSON inputs a user writes (roster, query): reading a bounded file,
// parsing with a one-line error, and echoing user text safely inside a message.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/core/status.h"

namespace mpcstats::core {

// 'text' through SanitizeForLog (messages.h), cut at 40 characters: the one sanitizer, as the text
// may come from the network (a query in Start) as well as from a local file.
std::string QuoteForMessage(std::string_view text);

// Parses JSON; on failure kBadInput "<what>: invalid JSON: parse error at line L, column C: ...".
StatusOr<nlohmann::json> ParseJsonText(std::string_view text, std::string_view what);

// Reads a whole file of at most max_bytes; kBadInput naming the file if it is missing,
// unreadable, a directory or larger.
StatusOr<std::string> ReadSmallFile(const std::string& path, size_t max_bytes, std::string_view what);

}  // namespace mpcstats::core
