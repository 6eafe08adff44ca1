#include "common/core/ec_certificate_context.h"

#include <openssl/core_dispatch.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include <string_view>
#include <vector>

namespace mpcstats::core {
namespace {

// OpenSSL's default provider, loaded into a context of its own so that its algorithms are not
// also listed (in full) in the fast context.
OSSL_PROVIDER* g_default = nullptr;
OSSL_PROVIDER* g_ec_certificates = nullptr;  // the forwarding provider, loaded in the fast context
std::vector<OSSL_ALGORITHM> g_key_managers;
std::vector<OSSL_ALGORITHM> g_decoders;

bool NamesEc(const OSSL_ALGORITHM& algorithm) {
  // algorithm_names is "EC:id-ecPublicKey" or similar: a colon-separated list of aliases.
  std::string_view names = algorithm.algorithm_names;
  while (!names.empty()) {
    const size_t colon = names.find(':');
    if (names.substr(0, colon) == "EC") return true;
    if (colon == std::string_view::npos) break;
    names.remove_prefix(colon + 1);
  }
  return false;
}

bool DecodesEcSpki(const OSSL_ALGORITHM& algorithm) {
  const std::string_view properties = algorithm.property_definition != nullptr ? algorithm.property_definition : "";
  return NamesEc(algorithm) && properties.find("input=der") != std::string_view::npos &&
         properties.find("structure=SubjectPublicKeyInfo") != std::string_view::npos;
}

// The default provider's algorithms of one operation that `keep` accepts, terminated by the
// all-null entry OpenSSL expects.
std::vector<OSSL_ALGORITHM> Kept(int operation, bool (*keep)(const OSSL_ALGORITHM&)) {
  std::vector<OSSL_ALGORITHM> kept;
  int no_cache = 0;
  for (const OSSL_ALGORITHM* a = OSSL_PROVIDER_query_operation(g_default, operation, &no_cache);
       a != nullptr && a->algorithm_names != nullptr; ++a) {
    if (keep(*a)) kept.push_back(*a);
  }
  kept.push_back(OSSL_ALGORITHM{nullptr, nullptr, nullptr, nullptr});
  return kept;
}

const OSSL_ALGORITHM* QueryOperation(void* /*provctx*/, int operation, int* no_cache) {
  *no_cache = 0;
  if (operation == OSSL_OP_KEYMGMT) return g_key_managers.data();
  if (operation == OSSL_OP_DECODER) return g_decoders.data();
  return OSSL_PROVIDER_query_operation(g_default, operation, no_cache);
}

const OSSL_DISPATCH kDispatch[] = {
    {OSSL_FUNC_PROVIDER_QUERY_OPERATION, reinterpret_cast<void (*)()>(QueryOperation)},
    {0, nullptr},
};

// The algorithms run with the default provider's own context, as if fetched from it.
int InitProvider(const OSSL_CORE_HANDLE* /*handle*/, const OSSL_DISPATCH* /*in*/, const OSSL_DISPATCH** out,
                 void** provctx) {
  *provctx = OSSL_PROVIDER_get0_provider_ctx(g_default);
  *out = kDispatch;
  return 1;
}

OSSL_LIB_CTX* MakeContext() {
  OSSL_LIB_CTX* private_context = OSSL_LIB_CTX_new();
  if (private_context == nullptr) return nullptr;
  g_default = OSSL_PROVIDER_load(private_context, "default");
  if (g_default == nullptr) return nullptr;  // the contexts live as long as the process
  g_key_managers = Kept(OSSL_OP_KEYMGMT, NamesEc);
  g_decoders = Kept(OSSL_OP_DECODER, DecodesEcSpki);
  if (g_key_managers.size() < 2 || g_decoders.size() < 2) return nullptr;
  OSSL_LIB_CTX* context = OSSL_LIB_CTX_new();
  if (context == nullptr || OSSL_PROVIDER_add_builtin(context, "mpcstats-ec-certificates", InitProvider) != 1) {
    return nullptr;
  }
  g_ec_certificates = OSSL_PROVIDER_load(context, "mpcstats-ec-certificates");
  return g_ec_certificates != nullptr ? context : nullptr;
}

}  // namespace

OSSL_LIB_CTX* EcCertificateContext() {
  static OSSL_LIB_CTX* const context = [] {
    OSSL_LIB_CTX* made = MakeContext();
    if (made == nullptr) ERR_clear_error();
    return made;
  }();  // thread-safe static init
  return context;
}

OSSL_LIB_CTX* ContextOfKey(const EVP_PKEY* key) {
  OSSL_LIB_CTX* fast = EcCertificateContext();
  return fast != nullptr && EVP_PKEY_get0_provider(key) == g_ec_certificates ? fast : nullptr;
}

}  // namespace mpcstats::core
