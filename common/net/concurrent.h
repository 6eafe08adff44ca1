// Runs several coroutines at once and waits for all of them (Asio 1.18 has no `&&` operator).
#pragma once

#include <memory>
#include <vector>

#include "common/core/status.h"
#include "common/net/asio.h"
#include "common/net/gate.h"

namespace mpcstats::net {

// Returns OK when every task has succeeded, or the first failure as soon as it happens: the
// others go on in the background (each bounded by its own deadline) while the caller reacts,
// typically by aborting the run. Tasks must own (shared_ptr) what they use.
inline awaitable<core::Status> RunConcurrently(std::vector<awaitable<core::Status>> tasks) {
  struct State {
    explicit State(const asio::any_io_executor& ex) : all_done(ex) {}
    size_t remaining = 0;
    core::Status first_failure;
    Gate all_done;
  };
  auto executor = co_await asio::this_coro::executor;
  auto state = std::make_shared<State>(executor);
  state->remaining = tasks.size();
  if (tasks.empty()) co_return core::Status::Ok();
  for (auto& task : tasks) {
    asio::co_spawn(executor, std::move(task), [state](std::exception_ptr error, core::Status status) {
      if (error) status = core::ExceptionStatus(error).WithContext("network task");
      if (!status.ok() && state->first_failure.ok()) {
        state->first_failure = status;
        state->all_done.Open();
      }
      if (--state->remaining == 0) state->all_done.Open();
    });
  }
  co_await state->all_done.Wait(std::chrono::steady_clock::time_point::max());
  co_return state->first_failure;
}

}  // namespace mpcstats::net
