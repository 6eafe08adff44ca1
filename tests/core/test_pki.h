// An in-memory PKI for core tests, built with OpenSSL as scripts/gen-certs.sh does on disk: a CA
// and EC P-256 leaf certificates with CN = identity, so signature and certificate checks can be
// exercised without files or a shell.
#pragma once

#include <string>

namespace mpcstats::testing {

struct PemPair {
  std::string certificate;
  std::string private_key;
};

// The kind of key a leaf certificate carries; scripts/gen-certs.sh makes P-256 ones.
enum class LeafKey { kP256, kRsa2048 };

class TestPki {
 public:
  explicit TestPki(const std::string& ca_name = "mpcstats test CA");
  ~TestPki();
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  const std::string& ca_pem() const { return ca_pem_; }
  // A leaf certificate (CN = `common_name`, valid now for a day, or expired when `expired`).
  PemPair Issue(const std::string& common_name, bool expired = false, LeafKey kind = LeafKey::kP256) const;

 private:
  void* ca_key_;   // EVP_PKEY*
  void* ca_cert_;  // X509*
  std::string ca_pem_;
};

}  // namespace mpcstats::testing
