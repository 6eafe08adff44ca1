// The secure-aggregation primitives: X25519 agreement is symmetric and key-specific, HKDF keys are
// bound to their label, run and ids, AES-GCM refuses any tampering, and the certificate and
// signature checks refuse a forged signature, a substituted key, a foreign CA, an expired
// certificate and a CN that is not the roster id.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include <set>

#include "common/core/ec_certificate_context.h"
#include "common/core/secagg_crypto.h"
#include "common/core/secagg_identity.h"
#include "tests/core/test_pki.h"

namespace mpcstats::core {
namespace {

AesKey TestKey(uint8_t tag) {
  AesKey key{};
  key.fill(tag);
  return key;
}

std::span<const uint8_t> Bytes(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

TEST(SecAggCryptoTest, KeyAgreementIsSymmetricAndKeySpecific) {
  AesCtrPrg rng(TestKey(1));
  auto a = NewX25519KeyPair(rng), b = NewX25519KeyPair(rng), c = NewX25519KeyPair(rng);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  auto ab = X25519Agree(a->private_key, b->public_key);
  auto ba = X25519Agree(b->private_key, a->public_key);
  auto ac = X25519Agree(a->private_key, c->public_key);
  ASSERT_TRUE(ab.ok() && ba.ok() && ac.ok());
  EXPECT_EQ(*ab, *ba);
  EXPECT_NE(*ab, *ac);
  // The same rng state gives the same pair (deterministic tests); public key is recomputable.
  AesCtrPrg again(TestKey(1));
  auto a2 = NewX25519KeyPair(again);
  ASSERT_TRUE(a2.ok());
  EXPECT_EQ(a2->public_key, a->public_key);
  EXPECT_EQ(*X25519PublicKey(a->private_key), a->public_key);
  // Malformed and small-order peer keys are refused.
  EXPECT_EQ(X25519Agree(a->private_key, std::vector<uint8_t>(31, 1)).status().code(), Code::kInvalidShare);
  EXPECT_EQ(X25519Agree(a->private_key, std::vector<uint8_t>(32, 0)).status().code(), Code::kInvalidShare);
}

TEST(SecAggCryptoTest, OneLoadedPrivateKeyAgreesWithEveryPeerAsTheOneShotFunction) {
  AesCtrPrg rng(TestKey(3));
  auto a = NewX25519KeyPair(rng);
  ASSERT_TRUE(a.ok());
  auto agreement = X25519Agreement::FromPrivateKey(a->private_key);
  ASSERT_TRUE(agreement.ok());
  std::set<X25519Key> secrets;
  for (int peer = 0; peer < 5; ++peer) {
    auto b = NewX25519KeyPair(rng);
    ASSERT_TRUE(b.ok());
    auto reused = agreement->Agree(b->public_key);
    ASSERT_TRUE(reused.ok());
    EXPECT_EQ(*reused, *X25519Agree(a->private_key, b->public_key));
    EXPECT_EQ(*reused, *X25519Agree(b->private_key, a->public_key));
    secrets.insert(*reused);
  }
  EXPECT_EQ(secrets.size(), 5u);
  EXPECT_EQ(agreement->Agree(std::vector<uint8_t>(31, 1)).status().code(), Code::kInvalidShare);
  EXPECT_EQ(agreement->Agree(std::vector<uint8_t>(32, 0)).status().code(), Code::kInvalidShare);
}

TEST(SecAggCryptoTest, DerivedKeysAreBoundToLabelRunAndIds) {
  AesCtrPrg rng(TestKey(2));
  auto a = NewX25519KeyPair(rng), b = NewX25519KeyPair(rng);
  const X25519Key shared = *X25519Agree(a->private_key, b->public_key);
  const AesKey mask = *DeriveMaskKey(shared, "run1", "party1", "party2");
  EXPECT_EQ(mask, *DeriveMaskKey(shared, "run1", "party2", "party1"));  // both ends derive the same
  EXPECT_NE(mask, *DeriveMaskKey(shared, "run2", "party1", "party2"));
  EXPECT_NE(mask, *DeriveMaskKey(shared, "run1", "party1", "party3"));
  const AeadKey forward = *DeriveShareKey(shared, "run1", "party1", "party2");
  EXPECT_NE(forward, *DeriveShareKey(shared, "run1", "party2", "party1"));  // directional
  EXPECT_NE(forward, *DeriveShareKey(shared, "run2", "party1", "party2"));
  EXPECT_FALSE(std::equal(mask.begin(), mask.end(), forward.begin()));  // distinct labels
  EXPECT_NE(*DeriveSelfMaskKey(shared, "run1", "party1"), *DeriveSelfMaskKey(shared, "run1", "party2"));
  // Length-prefixed fields: ("ab", "c") and ("a", "bc") differ.
  EXPECT_NE(BindingInfo("x", {"ab", "c"}), BindingInfo("x", {"a", "bc"}));
  // HKDF-SHA256 itself: RFC 5869 test case 1 cannot be used (fixed salt), so check the length
  // and that another info changes the output.
  auto k1 = HkdfSha256(shared, BindingInfo("a", {}), 42);
  auto k2 = HkdfSha256(shared, BindingInfo("b", {}), 42);
  ASSERT_TRUE(k1.ok() && k2.ok());
  EXPECT_EQ(k1->size(), 42u);
  EXPECT_NE(*k1, *k2);
}

TEST(SecAggCryptoTest, AeadRefusesEveryTampering) {
  AesCtrPrg rng(TestKey(3));
  AeadKey key{};
  FillRandomBytes(rng, key);
  std::vector<uint8_t> plaintext(96);
  FillRandomBytes(rng, plaintext);
  const auto ad = BindingInfo("shares", {"run", "party1", "party2"});
  auto sealed = AeadSeal(key, plaintext, ad, rng);
  ASSERT_TRUE(sealed.ok());
  ASSERT_EQ(sealed->size(), kAeadNonceBytes + plaintext.size() + kAeadTagBytes);
  auto opened = AeadOpen(key, *sealed, ad);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, plaintext);
  for (size_t i = 0; i < sealed->size(); i += 7) {  // nonce, body and tag bytes
    auto tampered = *sealed;
    tampered[i] ^= 0x01;
    EXPECT_EQ(AeadOpen(key, tampered, ad).status().code(), Code::kInvalidShare) << "byte " << i;
  }
  EXPECT_EQ(AeadOpen(key, *sealed, BindingInfo("shares", {"run", "party3", "party2"})).status().code(), Code::kInvalidShare);
  AeadKey other = key;
  other[0] ^= 1;
  EXPECT_EQ(AeadOpen(other, *sealed, ad).status().code(), Code::kInvalidShare);
  EXPECT_EQ(AeadOpen(key, std::span<const uint8_t>(sealed->data(), 20), ad).status().code(), Code::kInvalidShare);
}

class SecAggIdentityTest : public ::testing::Test {
 protected:
  SecAggIdentityTest() {
    auto verifier = CaCertificateVerifier::FromPem(pki_.ca_pem());
    EXPECT_TRUE(verifier.ok()) << verifier.status().ToString();
    verifier_ = std::move(*verifier);
  }
  PartyCredentials Credentials(const testing::PemPair& pem) {
    auto credentials = ParsePartyCredentials(pem.certificate, pem.private_key);
    EXPECT_TRUE(credentials.ok()) << credentials.status().ToString();
    return std::move(*credentials);
  }

  testing::TestPki pki_;
  std::unique_ptr<CaCertificateVerifier> verifier_;
};

TEST_F(SecAggIdentityTest, SignatureOverAdvertisedKeysVerifies) {
  const auto alice = Credentials(pki_.Issue("party1"));
  const X25519Key mask{1}, enc{2};
  const auto message = SignedKeysMessage("run1", "party1", mask, enc);
  auto signature = SignSha256(alice.private_key.get(), message);
  ASSERT_TRUE(signature.ok());
  auto key = verifier_->Verify(alice.certificate_der, "party1");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_TRUE(VerifySha256(key->get(), message, *signature).ok());

  // A substituted public key (the coordinator swaps in its own), another run, another id.
  const X25519Key swapped{9};
  EXPECT_EQ(VerifySha256(key->get(), SignedKeysMessage("run1", "party1", swapped, enc), *signature).code(),
            Code::kSignatureInvalid);
  EXPECT_EQ(VerifySha256(key->get(), SignedKeysMessage("run1", "party1", mask, swapped), *signature).code(),
            Code::kSignatureInvalid);
  EXPECT_EQ(VerifySha256(key->get(), SignedKeysMessage("run2", "party1", mask, enc), *signature).code(),
            Code::kSignatureInvalid);
  // A forged signature: flipped bits, garbage, or a valid signature by another party's key.
  auto forged = *signature;
  forged[forged.size() / 2] ^= 0x10;
  EXPECT_EQ(VerifySha256(key->get(), message, forged).code(), Code::kSignatureInvalid);
  EXPECT_EQ(VerifySha256(key->get(), message, std::vector<uint8_t>(70, 0x30)).code(), Code::kSignatureInvalid);
  const auto mallory = Credentials(pki_.Issue("party2"));
  auto by_mallory = SignSha256(mallory.private_key.get(), message);
  ASSERT_TRUE(by_mallory.ok());
  EXPECT_EQ(VerifySha256(key->get(), message, *by_mallory).code(), Code::kSignatureInvalid);
}

TEST_F(SecAggIdentityTest, CertificateChecksNameTheParty) {
  const auto good = Credentials(pki_.Issue("party1"));
  EXPECT_TRUE(verifier_->Verify(good.certificate_der, "party1").ok());
  // The CN is another roster id: listed under party3, the certificate says party1.
  auto wrong_cn = verifier_->Verify(good.certificate_der, "party3");
  EXPECT_EQ(wrong_cn.status().code(), Code::kIdentityMismatch);
  EXPECT_NE(wrong_cn.status().message().find("party3"), std::string::npos);
  // A certificate from another CA with the right CN.
  testing::TestPki rogue("rogue CA");
  const auto foreign = Credentials(rogue.Issue("party1"));
  auto untrusted = verifier_->Verify(foreign.certificate_der, "party1");
  EXPECT_EQ(untrusted.status().code(), Code::kCertUntrusted);
  EXPECT_NE(untrusted.status().message().find("party1"), std::string::npos);
  // Expired.
  const auto expired = Credentials(pki_.Issue("party1", /*expired=*/true));
  EXPECT_EQ(verifier_->Verify(expired.certificate_der, "party1").status().code(), Code::kCertUntrusted);
  // Not DER, or DER with trailing bytes.
  EXPECT_EQ(verifier_->Verify(Bytes("not a certificate"), "party1").status().code(), Code::kCertUntrusted);
  auto trailing = good.certificate_der;
  trailing.push_back(0);
  EXPECT_EQ(verifier_->Verify(trailing, "party1").status().code(), Code::kCertUntrusted);
}

TEST_F(SecAggIdentityTest, EcKeysParseInTheFastContextAndOtherKindsInTheDefaultOne) {
  ASSERT_NE(EcCertificateContext(), nullptr) << "this OpenSSL refused the fast EC certificate context";
  const X25519Key mask{1}, enc{2};
  const auto message = SignedKeysMessage("run1", "party1", mask, enc);
  // P-256 (what gen-certs.sh issues): the verified key is the certificate's own and checks signatures.
  const auto ec = Credentials(pki_.Issue("party1"));
  auto ec_key = verifier_->Verify(ec.certificate_der, "party1");
  ASSERT_TRUE(ec_key.ok()) << ec_key.status().ToString();
  EXPECT_EQ(EVP_PKEY_get_base_id(ec_key->get()), EVP_PKEY_EC);
  ASSERT_NE(EVP_PKEY_get0_provider(ec_key->get()), nullptr);
  EXPECT_STREQ(OSSL_PROVIDER_get0_name(EVP_PKEY_get0_provider(ec_key->get())), "mpcstats-ec-certificates");
  EXPECT_EQ(ContextOfKey(ec_key->get()), EcCertificateContext());
  EXPECT_EQ(EVP_PKEY_eq(ec_key->get(), ec.private_key.get()), 1);
  auto ec_signature = SignSha256(ec.private_key.get(), message);
  ASSERT_TRUE(ec_signature.ok());
  EXPECT_TRUE(VerifySha256(ec_key->get(), message, *ec_signature).ok());
  // RSA from the same CA: the EC context cannot decode its key, the default one does; same checks.
  const auto rsa = Credentials(pki_.Issue("party2", false, testing::LeafKey::kRsa2048));
  auto rsa_key = verifier_->Verify(rsa.certificate_der, "party2");
  ASSERT_TRUE(rsa_key.ok()) << rsa_key.status().ToString();
  EXPECT_EQ(EVP_PKEY_get_base_id(rsa_key->get()), EVP_PKEY_RSA);
  EXPECT_STREQ(OSSL_PROVIDER_get0_name(EVP_PKEY_get0_provider(rsa_key->get())), "default");
  EXPECT_EQ(ContextOfKey(rsa_key->get()), nullptr);
  EXPECT_EQ(EVP_PKEY_eq(rsa_key->get(), rsa.private_key.get()), 1);
  auto rsa_signature = SignSha256(rsa.private_key.get(), message);
  ASSERT_TRUE(rsa_signature.ok());
  EXPECT_TRUE(VerifySha256(rsa_key->get(), message, *rsa_signature).ok());
  EXPECT_EQ(VerifySha256(rsa_key->get(), message, *ec_signature).code(), Code::kSignatureInvalid);
  EXPECT_EQ(verifier_->Verify(rsa.certificate_der, "party1").status().code(), Code::kIdentityMismatch);
  // Both kinds from a foreign CA, and an expired EC one, are still refused.
  testing::TestPki rogue("rogue CA");
  EXPECT_EQ(verifier_->Verify(Credentials(rogue.Issue("party1")).certificate_der, "party1").status().code(),
            Code::kCertUntrusted);
  EXPECT_EQ(verifier_->Verify(Credentials(rogue.Issue("party2", false, testing::LeafKey::kRsa2048)).certificate_der,
                              "party2")
                .status()
                .code(),
            Code::kCertUntrusted);
  EXPECT_EQ(verifier_->Verify(Credentials(pki_.Issue("party1", true)).certificate_der, "party1").status().code(),
            Code::kCertUntrusted);
}

TEST_F(SecAggIdentityTest, CredentialsMustMatch) {
  const auto a = pki_.Issue("party1");
  const auto b = pki_.Issue("party2");
  EXPECT_EQ(ParsePartyCredentials(a.certificate, b.private_key).status().code(), Code::kBadInput);
  EXPECT_EQ(ParsePartyCredentials("junk", a.private_key).status().code(), Code::kBadInput);
  EXPECT_EQ(CaCertificateVerifier::FromPem("junk").status().code(), Code::kBadInput);
}

}  // namespace
}  // namespace mpcstats::core
