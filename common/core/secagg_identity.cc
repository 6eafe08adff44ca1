#include "common/core/secagg_identity.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <climits>
#include <memory>
#include <optional>

#include "common/core/ec_certificate_context.h"

namespace mpcstats::core {
namespace {

struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

StatusOr<X509Ptr> ParsePem(std::string_view pem) {
  if (pem.size() > static_cast<size_t>(INT_MAX)) return Status(Code::kBadInput, "certificate PEM too large");
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  if (!bio) return Status(Code::kInternal, "OpenSSL BIO_new_mem_buf failed");
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    ERR_clear_error();
    return Status(Code::kBadInput, "not a PEM certificate");
  }
  return cert;
}

// Parses into a certificate of library context `context` (nullptr: the default one).
StatusOr<X509Ptr> ParseDer(std::span<const uint8_t> der, OSSL_LIB_CTX* context) {
  if (der.size() > static_cast<size_t>(LONG_MAX)) return Status(Code::kCertUntrusted, "certificate too large");
  X509* raw = X509_new_ex(context, nullptr);
  if (raw == nullptr) return Status(Code::kInternal, "OpenSSL X509_new_ex failed");
  const unsigned char* p = der.data();
  // Reuses `raw`, so the certificate keeps its context; on failure OpenSSL frees it and nulls it.
  X509Ptr cert(d2i_X509(&raw, &p, static_cast<long>(der.size())) != nullptr ? raw : nullptr);
  if (!cert || p != der.data() + der.size()) {  // trailing bytes are refused too
    ERR_clear_error();
    return Status(Code::kCertUntrusted, "certificate is not one DER X.509 certificate");
  }
  return cert;
}

// A peer's certificate, parsed in the fast EC context (ec_certificate_context.h); one whose key is
// of another kind is parsed again in the default context, which decodes every kind.
StatusOr<X509Ptr> ParsePeerDer(std::span<const uint8_t> der) {
  auto cert = ParseDer(der, EcCertificateContext());
  if (!cert.ok() || X509_get0_pubkey(cert->get()) != nullptr) return cert;
  ERR_clear_error();
  return ParseDer(der, nullptr);
}

// The subject's single CN, or nullopt (absent, repeated, or not plain text).
std::optional<std::string> CommonName(X509* cert) {
  X509_NAME* name = X509_get_subject_name(cert);
  if (name == nullptr) return std::nullopt;
  const int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0 || X509_NAME_get_index_by_NID(name, NID_commonName, index) >= 0) return std::nullopt;
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  if (data == nullptr) return std::nullopt;
  std::string cn(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)), static_cast<size_t>(ASN1_STRING_length(data)));
  if (cn.find('\0') != std::string::npos) return std::nullopt;
  return cn;
}

}  // namespace

std::vector<uint8_t> SignedKeysMessage(std::string_view run_id, std::string_view party_id,
                                       std::span<const uint8_t> mask_public_key,
                                       std::span<const uint8_t> encryption_public_key) {
  const std::string_view mask(reinterpret_cast<const char*>(mask_public_key.data()), mask_public_key.size());
  const std::string_view enc(reinterpret_cast<const char*>(encryption_public_key.data()), encryption_public_key.size());
  return BindingInfo("mpcstats secagg AdvertiseKeys v1", {run_id, party_id, mask, enc});
}

StatusOr<std::unique_ptr<CaCertificateVerifier>> CaCertificateVerifier::FromPem(std::string_view ca_pem) {
  auto ca = ParsePem(ca_pem);
  if (!ca.ok()) return Status(Code::kBadInput, "CA: " + ca.status().message());
  X509_STORE* store = X509_STORE_new();
  if (store == nullptr) return Status(Code::kInternal, "OpenSSL X509_STORE_new failed");
  if (X509_STORE_add_cert(store, ca->get()) != 1) {  // the store takes its own reference
    X509_STORE_free(store);
    ERR_clear_error();
    return Status(Code::kBadInput, "CA certificate refused by the X509 store");
  }
  return std::unique_ptr<CaCertificateVerifier>(new CaCertificateVerifier(store));
}

CaCertificateVerifier::~CaCertificateVerifier() { X509_STORE_free(static_cast<X509_STORE*>(store_)); }

StatusOr<PkeyPtr> CaCertificateVerifier::Verify(std::span<const uint8_t> certificate_der,
                                                std::string_view expected_id) const {
  const std::string who(expected_id);
  auto cert = ParsePeerDer(certificate_der);
  if (!cert.ok()) return Status(cert.status().code(), who + ": " + cert.status().message());
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(), &X509_STORE_CTX_free);
  if (!ctx || X509_STORE_CTX_init(ctx.get(), static_cast<X509_STORE*>(store_), cert->get(), nullptr) != 1 ||
      X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_CLIENT) != 1) {
    ERR_clear_error();
    return Status(Code::kInternal, "OpenSSL X509_STORE_CTX setup failed");
  }
  if (X509_verify_cert(ctx.get()) != 1) {
    const int error = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    return Status(Code::kCertUntrusted, who + ": certificate does not verify against the CA: " +
                                            X509_verify_cert_error_string(error));
  }
  const auto cn = CommonName(cert->get());
  if (!cn || *cn != expected_id) {
    return Status(Code::kIdentityMismatch, who + ": certificate CN is not '" + who + "'");
  }
  PkeyPtr key(X509_get_pubkey(cert->get()));
  if (!key) {
    ERR_clear_error();
    return Status(Code::kCertUntrusted, who + ": certificate public key unreadable");
  }
  return key;
}

StatusOr<PartyCredentials> ParsePartyCredentials(std::string_view certificate_pem, std::string_view private_key_pem) {
  auto cert = ParsePem(certificate_pem);
  if (!cert.ok()) return cert.status();
  auto key = ParsePrivateKeyPem(private_key_pem);
  if (!key.ok()) return key.status();
  if (X509_check_private_key(cert->get(), key->get()) != 1) {
    ERR_clear_error();
    return Status(Code::kBadInput, "private key does not match the certificate");
  }
  PartyCredentials credentials;
  const int length = i2d_X509(cert->get(), nullptr);
  if (length <= 0) return Status(Code::kInternal, "OpenSSL i2d_X509 failed");
  credentials.certificate_der.resize(static_cast<size_t>(length));
  unsigned char* out = credentials.certificate_der.data();
  if (i2d_X509(cert->get(), &out) != length) return Status(Code::kInternal, "OpenSSL i2d_X509 failed");
  credentials.private_key = std::move(*key);
  return credentials;
}

}  // namespace mpcstats::core
