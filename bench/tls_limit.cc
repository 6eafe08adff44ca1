// mpcstats-tls-limit: what this machine can do at best for the protocol's bulk work, measured
// without the protocol.
//   (i)  prg_seconds: AES-128-CTR expansion of --prg-bytes (default --bytes) with core::AesCtrPrg,
//        in 1 MiB pieces into one reused buffer (as MakePartialSumChunk does per chunk).
//   (ii) tls_seconds: --bytes sent through one TLS 1.3 loopback connection, client and server on
//        two threads of this process, written in 1 MiB application writes (our chunk size). The
//        clock runs from the client's first write, after both handshakes, until the server has
//        read the last byte.
// Prints one JSON line: {"bytes":N,"prg_bytes":P,"prg_seconds":..,"tls_seconds":..,
// "limit_seconds":prg+tls,"tls_gbps":..,"prg_gbps":..,"cipher":"..","stack":".."}.
//
// --stack openssl (default): plain OpenSSL, SSL_write/SSL_read on blocking sockets. The floor.
// --stack channel: our own path, net::Channel over ssl::stream<CountingSocket> (Boost.Asio),
//        each 1 MiB a PartialSum Envelope (protobuf encode, frame, TLS, read, parse). The gap to
//        "openssl" is what framing, protobuf and Asio's SSL engine cost.
// With --cert/--key/--ca the TLS context is net::MakeTlsContext (mutual TLS, the processes'
// exact settings); the CN of --cert must be --id (default: the file name without extension).
// Without them an ephemeral self-signed P-256 certificate is used and peers are not verified.
// Exit status: 0 ok, 1 a failure (one line on stderr), 2 a bad flag.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/core/frame_codec.h"
#include "common/core/messages.h"
#include "common/core/party_protocol.h"
#include "common/core/secure_random.h"
#include "common/net/asio.h"
#include "common/net/channel.h"
#include "common/net/tls_context.h"

namespace mpcstats::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kWriteBytes = size_t{1} << 20;  // one chunk: kDefaultChunkValues x 8 bytes

[[noreturn]] void Fail(const std::string& what) {
  std::string detail;
  if (unsigned long err = ERR_get_error(); err != 0) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof(buf));
    detail = std::string(" (") + buf + ")";
  }
  throw std::runtime_error(what + detail);
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double PrgSeconds(uint64_t bytes) {
  core::AesCtrPrg prg(core::NewRandomKey());
  std::vector<uint64_t> buffer(kWriteBytes / sizeof(uint64_t));
  prg.Fill(buffer);  // fault the buffer in before the clock starts
  const auto start = Clock::now();
  for (uint64_t done = 0; done < bytes;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kWriteBytes, bytes - done)) / sizeof(uint64_t);
    prg.Fill(std::span<uint64_t>(buffer.data(), std::max<size_t>(n, 1)));
    done += std::max<size_t>(n, 1) * sizeof(uint64_t);
  }
  const double seconds = Seconds(Clock::now() - start);
  if (buffer[0] == 0x0123456789abcdefULL) std::fputc(' ', stderr);  // keep the work observable
  return seconds;
}

// ---- TLS contexts ----

struct Contexts {
  std::shared_ptr<net::ssl::context> server;
  std::shared_ptr<net::ssl::context> client;
};

// An ephemeral self-signed P-256 certificate; peers are not verified (nothing is secret here).
Contexts EphemeralContexts() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (key == nullptr) Fail("EVP_EC_gen");
  X509* cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("tls-limit"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  if (X509_sign(cert, key, EVP_sha256()) == 0) Fail("X509_sign");
  Contexts c;
  for (auto* slot : {&c.server, &c.client}) {
    *slot = std::make_shared<net::ssl::context>(net::ssl::context::tls);
    SSL_CTX* native = (*slot)->native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_3_VERSION);
    if (SSL_CTX_use_certificate(native, cert) != 1 || SSL_CTX_use_PrivateKey(native, key) != 1) Fail("load ephemeral key");
    SSL_CTX_set_verify(native, SSL_VERIFY_NONE, nullptr);
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  return c;
}

Contexts ProjectContexts(const net::TlsFiles& files, const std::string& id) {
  auto context = net::MakeTlsContext(files, id);
  if (!context.ok()) Fail(context.status().ToString());
  return {*context, *context};
}

// ---- plain OpenSSL ----

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};

struct TlsResult {
  double seconds = 0;
  std::string cipher;
};

TlsResult OpenSslTransfer(const Contexts& contexts, uint64_t bytes) {
  Fd listener(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (listener.fd < 0 || ::bind(listener.fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listener.fd, 1) != 0 || ::getsockname(listener.fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    Fail("cannot listen on 127.0.0.1");
  }

  std::barrier ready(2);
  std::atomic<int64_t> start_ns{0};
  Clock::time_point end;
  std::string server_error;
  std::thread server([&] {
    try {
      Fd conn(::accept(listener.fd, nullptr, nullptr));
      if (conn.fd < 0) Fail("accept");
      std::unique_ptr<SSL, SslFree> ssl(SSL_new(contexts.server->native_handle()));
      SSL_set_fd(ssl.get(), conn.fd);
      if (SSL_accept(ssl.get()) != 1) Fail("server handshake");
      ready.arrive_and_wait();
      std::vector<uint8_t> buffer(kWriteBytes);
      uint64_t received = 0;
      while (received < bytes) {
        const int n = SSL_read(ssl.get(), buffer.data(), static_cast<int>(buffer.size()));
        if (n <= 0) Fail("SSL_read after " + std::to_string(received) + " bytes");
        received += static_cast<uint64_t>(n);
      }
      end = Clock::now();
      SSL_write(ssl.get(), "k", 1);  // lets the client close only after we are done
    } catch (const std::exception& e) {
      server_error = e.what();
      ready.arrive_and_drop();
    }
  });

  TlsResult result;
  try {
    Fd conn(::socket(AF_INET, SOCK_STREAM, 0));
    if (conn.fd < 0 || ::connect(conn.fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) Fail("connect");
    std::unique_ptr<SSL, SslFree> ssl(SSL_new(contexts.client->native_handle()));
    SSL_set_fd(ssl.get(), conn.fd);
    if (SSL_connect(ssl.get()) != 1) Fail("client handshake");
    result.cipher = SSL_get_cipher_name(ssl.get());
    std::vector<uint8_t> chunk(kWriteBytes);
    core::AesCtrPrg(core::NewRandomKey()).FillBytes(chunk);  // incompressible, like shares
    ready.arrive_and_wait();
    const auto start = Clock::now();
    start_ns = start.time_since_epoch().count();
    for (uint64_t sent = 0; sent < bytes;) {
      const int n = static_cast<int>(std::min<uint64_t>(chunk.size(), bytes - sent));
      const int w = SSL_write(ssl.get(), chunk.data(), n);
      if (w <= 0) Fail("SSL_write after " + std::to_string(sent) + " bytes");
      sent += static_cast<uint64_t>(w);
    }
    char ack;
    SSL_read(ssl.get(), &ack, 1);
  } catch (...) {
    ::shutdown(listener.fd, SHUT_RDWR);
    server.join();
    throw;
  }
  server.join();
  if (!server_error.empty()) Fail("server: " + server_error);
  result.seconds = Seconds(end - Clock::time_point(Clock::duration(start_ns.load())));
  return result;
}

// ---- our Channel over Asio ----

TlsResult ChannelTransfer(const Contexts& contexts, uint64_t bytes) {
  using net::asio::awaitable;
  const uint64_t total_values = (bytes + 7) / 8;
  net::asio::io_context server_io, client_io;
  net::tcp::acceptor acceptor(server_io, net::tcp::endpoint(net::asio::ip::make_address("127.0.0.1"), 0));
  const auto endpoint = acceptor.local_endpoint();
  const auto timeout = std::chrono::seconds(120);

  std::atomic<int64_t> start_ns{0};
  Clock::time_point end;
  std::string server_error, client_error;
  TlsResult result;

  auto serve = [&]() -> awaitable<void> {
    auto socket = co_await acceptor.async_accept(net::use_awaitable);
    auto stream = std::make_unique<net::TlsStream>(net::CountingSocket(std::move(socket)), *contexts.server);
    if (auto s = co_await net::TlsHandshake(*stream, net::ssl::stream_base::server, timeout); !s.ok()) {
      server_error = s.ToString();
      co_return;
    }
    auto channel = std::make_shared<net::Channel>(std::move(stream), "client", core::kDefaultMaxFrameBytes);
    uint64_t received = 0;
    while (received < total_values) {
      auto message = co_await channel->Receive(timeout);
      if (!message.ok()) {
        server_error = message.status().ToString();
        co_return;
      }
      received += static_cast<uint64_t>(message->partial_sum().values_size());
    }
    end = Clock::now();
    channel->Close();
  };
  auto send = [&]() -> awaitable<void> {
    net::tcp::socket socket(client_io);
    co_await socket.async_connect(endpoint, net::use_awaitable);
    auto stream = std::make_unique<net::TlsStream>(net::CountingSocket(std::move(socket)), *contexts.client);
    if (auto s = co_await net::TlsHandshake(*stream, net::ssl::stream_base::client, timeout); !s.ok()) {
      client_error = s.ToString();
      co_return;
    }
    result.cipher = SSL_get_cipher_name(stream->native_handle());
    auto channel = std::make_shared<net::Channel>(std::move(stream), "server", core::kDefaultMaxFrameBytes);
    std::vector<uint64_t> values(core::kDefaultChunkValues);
    core::AesCtrPrg(core::NewRandomKey()).Fill(values);
    start_ns = Clock::now().time_since_epoch().count();
    for (uint64_t offset = 0; offset < total_values; offset += values.size()) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(values.size(), total_values - offset));
      wire::Envelope message = core::MakeEnvelope("tls-limit", "party1");
      wire::PartialSum* sum = message.mutable_partial_sum();
      sum->set_offset(offset);
      sum->mutable_values()->Add(values.begin(), values.begin() + static_cast<ptrdiff_t>(n));
      if (auto s = co_await channel->Send(std::move(message), timeout); !s.ok()) {
        client_error = s.ToString();
        co_return;
      }
    }
    // Stay until the server has read everything (it closes the link then).
    auto bye = co_await channel->Receive(timeout);
    (void)bye;
  };
  auto rethrow = [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  };
  net::asio::co_spawn(server_io, serve(), rethrow);
  net::asio::co_spawn(client_io, send(), rethrow);
  std::exception_ptr client_exception;
  std::thread server([&] {
    try {
      server_io.run();
    } catch (const std::exception& e) {
      server_error = e.what();
    }
  });
  try {
    client_io.run();
  } catch (const std::exception& e) {
    client_error = e.what();
  }
  server.join();
  if (!server_error.empty()) Fail("server: " + server_error);
  if (!client_error.empty()) Fail("client: " + client_error);
  result.seconds = Seconds(end - Clock::time_point(Clock::duration(start_ns.load())));
  return result;
}

int Main(int argc, char** argv) {
  uint64_t bytes = 0, prg_bytes = 0;
  std::string stack = "openssl", id;
  net::TlsFiles files;
  CLI::App app{"mpcstats-tls-limit: best-case time for the protocol's bulk work on this machine (AES-CTR + one TLS link)"};
  app.add_option("--bytes", bytes, "bytes to send through TLS (and to expand, unless --prg-bytes)")
      ->required()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  app.add_option("--prg-bytes", prg_bytes, "bytes to expand with AES-CTR (default: --bytes)")
      ->check(CLI::Range(uint64_t{0}, uint64_t{1} << 40));
  app.add_option("--stack", stack, "openssl (plain SSL_write/SSL_read) or channel (our net::Channel)")
      ->check(CLI::IsMember({"openssl", "channel"}));
  auto* cert = app.add_option("--cert", files.cert, "certificate (PEM) for both ends");
  auto* key = app.add_option("--key", files.key, "its private key (PEM)");
  auto* ca = app.add_option("--ca", files.ca, "the CA certificate (PEM)");
  app.add_option("--id", id, "the CN of --cert (default: its file name without extension)");
  cert->needs(key)->needs(ca);
  key->needs(cert);
  ca->needs(cert);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "mpcstats-tls-limit: USAGE: " << e.what() << "\n";
    return 2;
  }
  if (app.count("--prg-bytes") == 0) prg_bytes = bytes;
  if (!files.cert.empty() && id.empty()) id = std::filesystem::path(files.cert).stem().string();

  try {
    const Contexts contexts = files.cert.empty() ? EphemeralContexts() : ProjectContexts(files, id);
    const double prg_seconds = prg_bytes == 0 ? 0.0 : PrgSeconds(prg_bytes);
    const TlsResult tls = stack == "openssl" ? OpenSslTransfer(contexts, bytes) : ChannelTransfer(contexts, bytes);
    nlohmann::ordered_json out;
    out["bytes"] = bytes;
    out["prg_bytes"] = prg_bytes;
    out["prg_seconds"] = prg_seconds;
    out["tls_seconds"] = tls.seconds;
    out["limit_seconds"] = prg_seconds + tls.seconds;
    out["prg_gbps"] = prg_seconds > 0 ? static_cast<double>(prg_bytes) / prg_seconds / 1e9 : 0.0;
    out["tls_gbps"] = tls.seconds > 0 ? static_cast<double>(bytes) / tls.seconds / 1e9 : 0.0;
    out["cipher"] = tls.cipher;
    out["stack"] = stack;
    out["mutual_tls"] = !files.cert.empty();
    std::cout << out.dump() << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "mpcstats-tls-limit: error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace
}  // namespace mpcstats::bench

int main(int argc, char** argv) { return mpcstats::bench::Main(argc, argv); }
