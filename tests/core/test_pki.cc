#include "tests/core/test_pki.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <stdexcept>

namespace mpcstats::testing {
namespace {

void Require(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test PKI: ") + what);
}

EVP_PKEY* NewP256Key() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  Require(key != nullptr, "EVP_EC_gen");
  return key;
}

void AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  Require(ext != nullptr, "X509V3_EXT_conf_nid");
  Require(X509_add_ext(cert, ext, -1) == 1, "X509_add_ext");
  X509_EXTENSION_free(ext);
}

X509* NewCert(const std::string& cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key, bool ca, bool expired) {
  static long serial = 1;
  X509* cert = X509_new();
  Require(cert != nullptr, "X509_new");
  Require(X509_set_version(cert, 2) == 1, "X509_set_version");
  Require(ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++) == 1, "serial");
  Require(X509_gmtime_adj(X509_getm_notBefore(cert), expired ? -2 * 86400 : -60) != nullptr, "notBefore");
  Require(X509_gmtime_adj(X509_getm_notAfter(cert), expired ? -86400 : 86400) != nullptr, "notAfter");
  Require(X509_set_pubkey(cert, key) == 1, "X509_set_pubkey");
  X509_NAME* name = X509_get_subject_name(cert);
  Require(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                                     -1, 0) == 1,
          "CN");
  X509* signer = issuer != nullptr ? issuer : cert;
  Require(X509_set_issuer_name(cert, X509_get_subject_name(signer)) == 1, "issuer");
  if (ca) {
    AddExtension(cert, signer, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
    AddExtension(cert, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    AddExtension(cert, signer, NID_basic_constraints, "critical,CA:FALSE");
    AddExtension(cert, signer, NID_key_usage, "critical,digitalSignature");
    AddExtension(cert, signer, NID_ext_key_usage, "serverAuth,clientAuth");
  }
  Require(X509_sign(cert, issuer_key != nullptr ? issuer_key : key, EVP_sha256()) > 0, "X509_sign");
  return cert;
}

std::string CertPem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  Require(bio != nullptr && PEM_write_bio_X509(bio, cert) == 1, "PEM_write_bio_X509");
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(bio);
  return out;
}

std::string KeyPem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  Require(bio != nullptr && PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
          "PEM_write_bio_PrivateKey");
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(bio);
  return out;
}

}  // namespace

TestPki::TestPki(const std::string& ca_name) {
  EVP_PKEY* key = NewP256Key();
  X509* cert = NewCert(ca_name, key, nullptr, nullptr, /*ca=*/true, /*expired=*/false);
  ca_key_ = key;
  ca_cert_ = cert;
  ca_pem_ = CertPem(cert);
}

TestPki::~TestPki() {
  X509_free(static_cast<X509*>(ca_cert_));
  EVP_PKEY_free(static_cast<EVP_PKEY*>(ca_key_));
}

PemPair TestPki::Issue(const std::string& common_name, bool expired, LeafKey kind) const {
  EVP_PKEY* key = kind == LeafKey::kP256 ? NewP256Key() : EVP_RSA_gen(2048);
  Require(key != nullptr, "leaf key generation");
  X509* cert = NewCert(common_name, key, static_cast<X509*>(ca_cert_), static_cast<EVP_PKEY*>(ca_key_), false, expired);
  PemPair out{CertPem(cert), KeyPem(key)};
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

}  // namespace mpcstats::testing
