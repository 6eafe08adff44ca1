// A TCP socket that counts every byte it moves. It sits under ssl::stream as the "next layer",
// so the counts are what actually crossed the wire, TLS records and handshakes included.
#pragma once

#include <cstdint>

#include "common/net/asio.h"

namespace mpcstats::net {

struct ByteCounter {
  uint64_t sent = 0;
  uint64_t received = 0;
};

class CountingSocket {
 public:
  using executor_type = tcp::socket::executor_type;
  using lowest_layer_type = tcp::socket::lowest_layer_type;

  explicit CountingSocket(tcp::socket socket) : socket_(std::move(socket)) {}

  executor_type get_executor() { return socket_.get_executor(); }
  lowest_layer_type& lowest_layer() { return socket_.lowest_layer(); }
  const lowest_layer_type& lowest_layer() const { return socket_.lowest_layer(); }
  tcp::socket& socket() { return socket_; }
  const ByteCounter& counter() const { return counter_; }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(error_code, std::size_t)>(
        [this](auto handler, const MutableBuffers& b) {
          auto executor = asio::get_associated_executor(handler, socket_.get_executor());
          socket_.async_read_some(
              b, asio::bind_executor(executor, [this, h = std::move(handler)](error_code ec, std::size_t n) mutable {
                counter_.received += n;
                std::move(h)(ec, n);
              }));
        },
        token, buffers);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& b) {
          auto executor = asio::get_associated_executor(handler, socket_.get_executor());
          socket_.async_write_some(
              b, asio::bind_executor(executor, [this, h = std::move(handler)](error_code ec, std::size_t n) mutable {
                counter_.sent += n;
                std::move(h)(ec, n);
              }));
        },
        token, buffers);
  }

  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers, error_code& ec) {
    const std::size_t n = socket_.read_some(buffers, ec);
    counter_.received += n;
    return n;
  }

  template <class ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers, error_code& ec) {
    const std::size_t n = socket_.write_some(buffers, ec);
    counter_.sent += n;
    return n;
  }

 private:
  tcp::socket socket_;
  ByteCounter counter_;
};

}  // namespace mpcstats::net
