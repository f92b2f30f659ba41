#include "carddata/carddata.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <atomic>
#include <cstring>

#include "base/check.h"
#include "base/hex.h"

namespace corridor::carddata {
namespace {

// Fetched once per process: fetching by name takes a lock and a lookup that a call on the
// authorization path must not pay.
EVP_MAC* HmacAlgorithm() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  CORRIDOR_CHECK(mac != nullptr);  // the default provider has HMAC: a broken OpenSSL install
  return mac;
}

EVP_CIPHER* GcmAlgorithm() {
  static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  CORRIDOR_CHECK(cipher != nullptr);  // as above
  return cipher;
}

std::atomic<uint64_t> next_protector_id{1};

bool ParseKey(std::string_view hex, std::array<uint8_t, 32>* key) {
  if (hex.size() != 64) return false;
  std::array<uint8_t, 32> bytes{};
  for (size_t i = 0; i < 32; ++i) {
    const int high = HexDigit(hex[2 * i]);
    const int low = HexDigit(hex[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    bytes[i] = static_cast<uint8_t>(high << 4 | low);
  }
  *key = bytes;
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return true;
}

unsigned char* Bytes(std::string* s, size_t offset) {
  return reinterpret_cast<unsigned char*>(s->data() + offset);
}

const unsigned char* Bytes(std::string_view s, size_t offset) {
  return reinterpret_cast<const unsigned char*>(s.data() + offset);
}

}  // namespace

Status ParseKeys(std::string_view hash_key_hex, std::string_view seal_key_hex, Keys* out) {
  Keys keys;
  if (!ParseKey(hash_key_hex, &keys.hash_key)) {
    return Status::Error("card hash key: must be 64 hex digits (32 bytes)");
  }
  if (!ParseKey(seal_key_hex, &keys.seal_key)) {
    return Status::Error("card seal key: must be 64 hex digits (32 bytes)");
  }
  *out = keys;
  OPENSSL_cleanse(&keys, sizeof(keys));
  return Status::Ok();
}

bool IsPan(std::string_view pan) {
  if (pan.size() < kMinPanDigits || pan.size() > kMaxPanDigits) return false;
  for (char c : pan) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// One thread's OpenSSL contexts, keyed for the Protector whose id is `owner`. Keying them
// (HMAC's inner and outer pads, the AES key schedule) is the costly part; afterwards each call
// only re-initialises them with a new nonce (or none, for HMAC).
struct Protector::ThreadContexts {
  uint64_t owner = 0;
  EVP_MAC_CTX* mac = nullptr;
  EVP_CIPHER_CTX* seal = nullptr;
  EVP_CIPHER_CTX* open = nullptr;
  // Nonces drawn in bulk: a RAND_bytes call costs about 3 µs whatever its size (OpenSSL 3.0's
  // DRBG), which alone would be most of Protect's cost; one call of 4,080 bytes serves 340
  // nonces. The bytes are the DRBG's, just taken early; a nonce is public anyway. A process
  // that forks must not seal in both parent and child (the pool would be shared): the hub
  // forks only to exec.
  static constexpr size_t kNoncePoolBytes = 340 * kNonceBytes;
  unsigned char nonce_pool[kNoncePoolBytes];
  size_t nonce_pool_used = kNoncePoolBytes;

  void TakeNonce(unsigned char* nonce) {
    if (nonce_pool_used == kNoncePoolBytes) {
      // RAND_bytes fails only when the OS gives no entropy: nothing can be sealed safely then.
      CORRIDOR_CHECK(RAND_bytes(nonce_pool, kNoncePoolBytes) == 1);
      nonce_pool_used = 0;
    }
    std::memcpy(nonce, nonce_pool + nonce_pool_used, kNonceBytes);
    nonce_pool_used += kNonceBytes;
  }

  ThreadContexts() {
    mac = EVP_MAC_CTX_new(HmacAlgorithm());
    seal = EVP_CIPHER_CTX_new();
    open = EVP_CIPHER_CTX_new();
    CORRIDOR_CHECK(mac != nullptr && seal != nullptr && open != nullptr);  // out of memory
  }
  ~ThreadContexts() {
    EVP_MAC_CTX_free(mac);
    EVP_CIPHER_CTX_free(seal);
    EVP_CIPHER_CTX_free(open);
  }
  ThreadContexts(const ThreadContexts&) = delete;
  ThreadContexts& operator=(const ThreadContexts&) = delete;
};

Protector::Protector(const Keys& keys) : keys_(keys), id_(next_protector_id.fetch_add(1)) {
  HmacAlgorithm();
  GcmAlgorithm();
}

Protector::~Protector() { OPENSSL_cleanse(&keys_, sizeof(keys_)); }

Protector::ThreadContexts& Protector::Contexts() const {
  thread_local ThreadContexts contexts;
  if (contexts.owner != id_) {
    // A thread serving another Protector (tests, a key change) re-keys: ids are never reused,
    // so contexts keyed for a destroyed Protector are never taken for this one.
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_construct_end()};
    CORRIDOR_CHECK(
        EVP_MAC_init(contexts.mac, keys_.hash_key.data(), keys_.hash_key.size(), params) == 1);
    CORRIDOR_CHECK(EVP_EncryptInit_ex2(contexts.seal, GcmAlgorithm(), keys_.seal_key.data(),
                                       nullptr, nullptr) == 1);
    CORRIDOR_CHECK(EVP_DecryptInit_ex2(contexts.open, GcmAlgorithm(), keys_.seal_key.data(),
                                       nullptr, nullptr) == 1);
    contexts.owner = id_;
  }
  return contexts;
}

std::string Protector::Hash(std::string_view pan) const {
  ThreadContexts& contexts = Contexts();
  unsigned char digest[32];
  size_t length = 0;
  // A null key re-initialises HMAC with the key already set (its pads are kept).
  CORRIDOR_CHECK(EVP_MAC_init(contexts.mac, nullptr, 0, nullptr) == 1);
  CORRIDOR_CHECK(EVP_MAC_update(contexts.mac, Bytes(pan, 0), pan.size()) == 1);
  CORRIDOR_CHECK(EVP_MAC_final(contexts.mac, digest, &length, sizeof(digest)) == 1);
  CORRIDOR_CHECK(length == 32);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(32, '0');
  for (size_t i = 0; i < 16; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 15];
  }
  return out;
}

void Protector::Seal(std::string_view pan, std::string* sealed) const {
  ThreadContexts& contexts = Contexts();
  sealed->resize(kNonceBytes + pan.size() + kTagBytes);
  unsigned char* nonce = Bytes(sealed, 0);
  contexts.TakeNonce(nonce);
  int length = 0;
  CORRIDOR_CHECK(EVP_EncryptInit_ex2(contexts.seal, nullptr, nullptr, nonce, nullptr) == 1);
  CORRIDOR_CHECK(EVP_EncryptUpdate(contexts.seal, Bytes(sealed, kNonceBytes), &length,
                                   Bytes(pan, 0), static_cast<int>(pan.size())) == 1);
  CORRIDOR_CHECK(static_cast<size_t>(length) == pan.size());  // GCM is a stream mode
  int final_length = 0;
  CORRIDOR_CHECK(EVP_EncryptFinal_ex(contexts.seal, Bytes(sealed, kNonceBytes + pan.size()),
                                     &final_length) == 1);
  CORRIDOR_CHECK(final_length == 0);
  CORRIDOR_CHECK(EVP_CIPHER_CTX_ctrl(contexts.seal, EVP_CTRL_GCM_GET_TAG, kTagBytes,
                                     Bytes(sealed, kNonceBytes + pan.size())) == 1);
}

bool Protector::Protect(std::string_view pan, hub::Card* card) const {
  if (!IsPan(pan)) return false;
  card->bin.assign(pan.substr(0, pan.size() >= 16 ? 8 : 6));
  card->last4.assign(pan.substr(pan.size() - 4));
  card->pan_hash = Hash(pan);
  Seal(pan, &card->sealed_pan);
  return true;
}

bool Protector::Unseal(std::string_view sealed, std::string* pan) const {
  if (sealed.size() < kNonceBytes + kMinPanDigits + kTagBytes ||
      sealed.size() > kNonceBytes + kMaxPanDigits + kTagBytes) {
    return false;
  }
  ThreadContexts& contexts = Contexts();
  const size_t text_size = sealed.size() - kNonceBytes - kTagBytes;
  char text[kMaxPanDigits];
  int length = 0;
  unsigned char tag[kTagBytes];
  std::memcpy(tag, sealed.data() + kNonceBytes + text_size, kTagBytes);
  bool ok = EVP_DecryptInit_ex2(contexts.open, nullptr, nullptr, Bytes(sealed, 0), nullptr) == 1 &&
            EVP_DecryptUpdate(contexts.open, reinterpret_cast<unsigned char*>(text), &length,
                              Bytes(sealed, kNonceBytes), static_cast<int>(text_size)) == 1 &&
            EVP_CIPHER_CTX_ctrl(contexts.open, EVP_CTRL_GCM_SET_TAG, kTagBytes, tag) == 1;
  int final_length = 0;
  // Final checks the tag: it fails for a blob altered anywhere or sealed under another key.
  ok = ok && EVP_DecryptFinal_ex(contexts.open, reinterpret_cast<unsigned char*>(text) + length,
                                 &final_length) == 1;
  ok = ok && static_cast<size_t>(length + final_length) == text_size &&
       IsPan(std::string_view(text, text_size));
  if (ok) pan->assign(text, text_size);
  OPENSSL_cleanse(text, sizeof(text));
  return ok;
}

std::string Masked(std::string_view pan) {
  if (!IsPan(pan)) return "******";
  std::string out;
  out.reserve(16);
  out.append(pan.substr(0, 6));
  out.append("******");
  out.append(pan.substr(pan.size() - 4));
  return out;
}

}  // namespace corridor::carddata
