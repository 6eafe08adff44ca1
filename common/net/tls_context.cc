#include "common/net/tls_context.h"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <fstream>

namespace mpcstats::net {
namespace {

using core::Code;
using core::Status;

std::string LastOpenSslError() {
  const unsigned long err = ERR_get_error();
  ERR_clear_error();
  if (err == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(err, buf, sizeof(buf));
  return buf;
}

Status BadFile(const std::string& path, std::string_view what) {
  return Status(Code::kBadInput, fmt::format("{}: {}", path, what));
}

struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

Status CheckReadable(const std::string& path, std::string_view role) {
  if (path.empty()) return Status(Code::kBadInput, fmt::format("no {} file given", role));
  std::ifstream in(path);
  if (!in) return BadFile(path, fmt::format("cannot read {} file", role));
  return Status::Ok();
}

core::StatusOr<X509Ptr> ReadCertificate(const std::string& path) {
  std::unique_ptr<FILE, FileCloser> file(std::fopen(path.c_str(), "r"));
  if (!file) return BadFile(path, "cannot read certificate file");
  X509Ptr cert(PEM_read_X509(file.get(), nullptr, nullptr, nullptr));
  if (!cert) return BadFile(path, "not a PEM certificate");
  return cert;
}

std::optional<std::string> CommonName(X509* cert) {
  X509_NAME* name = X509_get_subject_name(cert);
  if (name == nullptr) return std::nullopt;
  const int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return std::nullopt;
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  const int length = ASN1_STRING_to_UTF8(&utf8, data);
  if (length < 0) return std::nullopt;
  std::string cn(reinterpret_cast<char*>(utf8), static_cast<size_t>(length));
  OPENSSL_free(utf8);
  return cn;
}

// The certificate must chain to the CA and be valid now: a process with a bad certificate
// should fail at start with a clear message, not in every peer's handshake.
Status VerifyAgainstCa(X509* cert, const TlsFiles& files) {
  X509_STORE* store = X509_STORE_new();
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  Status status;
  if (store == nullptr || ctx == nullptr) {
    status = Status(Code::kInternal, "out of memory");
  } else if (X509_STORE_load_file(store, files.ca.c_str()) != 1) {
    status = BadFile(files.ca, "not a PEM CA certificate");
  } else if (X509_STORE_CTX_init(ctx, store, cert, nullptr) != 1) {
    status = Status(Code::kInternal, "X509_STORE_CTX_init failed");
  } else if (X509_verify_cert(ctx) != 1) {
    status = BadFile(files.cert, fmt::format("certificate does not verify against {}: {}", files.ca,
                                             X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx))));
  }
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  ERR_clear_error();
  return status;
}

}  // namespace

core::StatusOr<std::shared_ptr<ssl::context>> MakeTlsContext(const TlsFiles& files, std::string_view self_id) {
  for (const auto& [path, role] : {std::pair{files.cert, "certificate"}, {files.key, "key"}, {files.ca, "CA"}}) {
    if (Status s = CheckReadable(path, role); !s.ok()) return s;
  }
  auto cert = ReadCertificate(files.cert);
  if (!cert.ok()) return cert.status();
  const auto cn = CommonName(cert->get());
  if (!cn) return BadFile(files.cert, "certificate has no common name");
  if (*cn != self_id) {
    return BadFile(files.cert, fmt::format("certificate is for '{}', not for '{}'", *cn, self_id));
  }
  if (Status s = VerifyAgainstCa(cert->get(), files); !s.ok()) return s;

  auto context = std::make_shared<ssl::context>(ssl::context::tls);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_3_VERSION);
  // AES-128-GCM first: as strong as we need (the shares' PRG is AES-128) and ~10% faster here.
  SSL_CTX_set_ciphersuites(native, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256");
  if (SSL_CTX_use_certificate_chain_file(native, files.cert.c_str()) != 1) {
    return BadFile(files.cert, "cannot load certificate: " + LastOpenSslError());
  }
  if (SSL_CTX_use_PrivateKey_file(native, files.key.c_str(), SSL_FILETYPE_PEM) != 1) {
    return BadFile(files.key, "cannot load private key: " + LastOpenSslError());
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    return BadFile(files.key, fmt::format("private key does not match certificate {}", files.cert));
  }
  if (SSL_CTX_load_verify_file(native, files.ca.c_str()) != 1) {
    return BadFile(files.ca, "cannot load CA certificate: " + LastOpenSslError());
  }
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  // Peers are long-lived processes of one run: no session resumption to reason about.
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(native, 0);
  return context;
}

std::optional<std::string> PeerCommonName(SSL* ssl) {
  X509* peer = SSL_get1_peer_certificate(ssl);
  if (peer == nullptr) return std::nullopt;
  X509Ptr owned(peer);
  return CommonName(peer);
}

core::Status DescribeHandshakeFailure(SSL* ssl, const error_code& ec) {
  const long verify = SSL_get_verify_result(ssl);
  ERR_clear_error();
  if (verify != X509_V_OK) {
    return Status(Code::kCertUntrusted,
                  fmt::format("peer certificate refused: {}", X509_verify_cert_error_string(verify)));
  }
  const std::string reason = ec.message();
  if (reason.find("certificate") != std::string::npos || reason.find("alert") != std::string::npos) {
    return Status(Code::kCertUntrusted, fmt::format("TLS handshake refused: {}", reason));
  }
  return Status(Code::kTlsFailed, fmt::format("TLS handshake failed: {}", reason));
}

awaitable<core::Status> TlsHandshake(ssl::stream<CountingSocket>& stream, ssl::stream_base::handshake_type type,
                                     std::chrono::steady_clock::duration timeout) {
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor, timeout);
  // Shared, not captured by reference: a handler already queued when the handshake finishes
  // must neither touch this frame nor close a stream that is now in use.
  struct TimerState {
    bool finished = false;
    bool timed_out = false;
  };
  auto state = std::make_shared<TimerState>();
  timer.async_wait([&stream, state](const error_code& ec) {
    if (ec || state->finished) return;
    state->timed_out = true;
    error_code ignored;
    stream.lowest_layer().close(ignored);
  });
  error_code ec;
  co_await stream.async_handshake(type, asio::redirect_error(use_awaitable, ec));
  state->finished = true;
  timer.cancel();
  if (state->timed_out) co_return core::Status(core::Code::kTimeout, "TLS handshake did not complete in time");
  if (ec) co_return DescribeHandshakeFailure(stream.native_handle(), ec);
  co_return core::Status::Ok();
}

}  // namespace mpcstats::net
