// A one-shot event one coroutine can wait for with a deadline (Asio 1.18 has no channels).
#pragma once

#include <chrono>

#include "common/net/asio.h"

namespace mpcstats::net {

class Gate {
 public:
  explicit Gate(const asio::any_io_executor& executor) : timer_(executor) {}

  void Open() {
    open_ = true;
    timer_.cancel();
  }
  bool is_open() const { return open_; }

  // True if opened before `deadline`.
  awaitable<bool> Wait(std::chrono::steady_clock::time_point deadline) {
    while (!open_ && std::chrono::steady_clock::now() < deadline) {
      timer_.expires_at(deadline);
      error_code ec;
      co_await timer_.async_wait(asio::redirect_error(use_awaitable, ec));
    }
    co_return open_;
  }

 private:
  asio::steady_timer timer_;
  bool open_ = false;
};

}  // namespace mpcstats::net
