// An OpenSSL library context in which X.509 certificates with EC public keys parse quickly.
//
// Why: under secure aggregation every party parses every other party's certificate, N(N-1)
// parses a run. OpenSSL 3.0 (Debian 12's) decodes a certificate's public key through its
// OSSL_DECODER machinery, which rebuilds its list of every decoder (40) and key manager (18) of the
// default provider on each call: 110 us of a 130 us d2i_X509, most of a party's CPU at N = 200.
// OpenSSL 3.1 and later cache these lists; 3.0 does not.
//
// How: the context holds one provider that passes every query to a private instance of OpenSSL's
// own default provider, except that it lists only the EC key manager and the EC SubjectPublicKeyInfo
// decoders. Every algorithm is OpenSSL's, unchanged; only the lists the 3.0 decoder walks are
// shorter (d2i_X509 47 us). A certificate with another kind of key does not decode its key here:
// callers parse it again in the default context (secagg_identity.cc does).
#pragma once

#include <openssl/types.h>

namespace mpcstats::core {

// The process's context, made on first use; nullptr if OpenSSL refused to set it up (the caller
// then uses the default context: slower, the same result).
OSSL_LIB_CTX* EcCertificateContext();

// The context to run `key`'s operations in: EcCertificateContext() for a key decoded there, so that
// OpenSSL does not copy it into the default provider first (24 us per key), else nullptr (default).
OSSL_LIB_CTX* ContextOfKey(const EVP_PKEY* key);

}  // namespace mpcstats::core
