#include "carddata/carddata.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace corridor::carddata {
namespace {

constexpr std::string_view kHashHex =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr std::string_view kSealHex =
    "A0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF";
constexpr std::string_view kOtherHex =
    "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
constexpr std::string_view kPan = "2200150123456789";

Keys MakeKeys(std::string_view hash_hex, std::string_view seal_hex) {
  Keys keys;
  EXPECT_TRUE(ParseKeys(hash_hex, seal_hex, &keys).ok());
  return keys;
}

TEST(CardDataKeys, ParsesBothAndNamesTheWrongOne) {
  Keys keys;
  ASSERT_TRUE(ParseKeys(kHashHex, kSealHex, &keys).ok());
  EXPECT_EQ(keys.hash_key[1], 0x01);
  EXPECT_EQ(keys.seal_key[0], 0xA0);
  EXPECT_EQ(keys.seal_key[31], 0xBF);

  const std::string bad_hash = std::string(kHashHex.substr(0, 63)) + "g";
  Status status = ParseKeys(bad_hash, kSealHex, &keys);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("hash key"), std::string::npos);
  EXPECT_EQ(status.message().find(bad_hash), std::string::npos);  // never echoed

  status = ParseKeys(kHashHex, kSealHex.substr(2), &keys);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("seal key"), std::string::npos);
  EXPECT_EQ(status.message().find(kSealHex.substr(2)), std::string::npos);
  EXPECT_FALSE(ParseKeys("", "", &keys).ok());
}

TEST(CardDataProtector, HashIsDeterministicPerKeyAndDiffersAcrossKeys) {
  Protector a(MakeKeys(kHashHex, kSealHex));
  Protector b(MakeKeys(kOtherHex, kSealHex));
  const std::string hash = a.Hash(kPan);
  EXPECT_EQ(hash.size(), 32u);
  EXPECT_EQ(hash.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(a.Hash(kPan), hash);
  EXPECT_NE(b.Hash(kPan), hash);
  EXPECT_NE(a.Hash("2200150123456788"), hash);
  // Interleaving Protectors on one thread re-keys the thread's contexts each time.
  EXPECT_EQ(a.Hash(kPan), hash);
}

TEST(CardDataProtector, HashIsHmacSha256) {
  // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?"; our keys are 32
  // bytes, so the key is padded with zeros, which HMAC does itself: the same digest.
  Keys keys;
  keys.hash_key.fill(0);
  std::memcpy(keys.hash_key.data(), "Jefe", 4);
  Protector protector(keys);
  EXPECT_EQ(protector.Hash("what do ya want for nothing?"), "5bdcc146bf60754e6a042426089575c7");
}

TEST(CardDataProtector, ProtectFillsTheCard) {
  Protector protector(MakeKeys(kHashHex, kSealHex));
  hub::Card card;
  ASSERT_TRUE(protector.Protect(kPan, &card));
  EXPECT_EQ(card.bin, "22001501");
  EXPECT_EQ(card.last4, "6789");
  EXPECT_EQ(card.pan_hash, protector.Hash(kPan));
  EXPECT_EQ(card.sealed_pan.size(), kNonceBytes + kPan.size() + kTagBytes);

  ASSERT_TRUE(protector.Protect("911200123456", &card));  // 12 digits: a 6-digit BIN
  EXPECT_EQ(card.bin, "911200");
  EXPECT_EQ(card.last4, "3456");
  ASSERT_TRUE(protector.Protect("9112001234567890123", &card));  // 19 digits
  EXPECT_EQ(card.bin, "91120012");
  EXPECT_EQ(card.last4, "0123");
}

TEST(CardDataProtector, RefusesWhatIsNotAPan) {
  Protector protector(MakeKeys(kHashHex, kSealHex));
  hub::Card card;
  card.bin = "kept";
  for (std::string_view bad : {"", "22001501234", "22001501234567890123", "220015012345678X",
                               "2200 1501 2345 6789", "-220015012345678"}) {
    EXPECT_FALSE(protector.Protect(bad, &card)) << bad.size();
  }
  EXPECT_EQ(card.bin, "kept");
}

TEST(CardDataProtector, SealsAndUnseals) {
  Protector protector(MakeKeys(kHashHex, kSealHex));
  for (std::string_view pan : {"911200123456", "2200150123456789", "9112001234567890123"}) {
    hub::Card card;
    ASSERT_TRUE(protector.Protect(pan, &card));
    std::string back;
    ASSERT_TRUE(protector.Unseal(card.sealed_pan, &back));
    EXPECT_EQ(back, pan);
  }
}

TEST(CardDataProtector, NoncesDifferAndTheBlobHidesThePan) {
  Protector protector(MakeKeys(kHashHex, kSealHex));
  std::set<std::string> nonces;
  for (int i = 0; i < 200; ++i) {
    hub::Card card;
    ASSERT_TRUE(protector.Protect(kPan, &card));
    nonces.insert(card.sealed_pan.substr(0, kNonceBytes));
    EXPECT_EQ(card.sealed_pan.find(kPan), std::string::npos);
    EXPECT_EQ(card.sealed_pan.find(kPan.substr(6, 6)), std::string::npos);
    // Nor as hex, as a blob might be dumped.
    EXPECT_EQ(card.pan_hash.find(kPan.substr(0, 8)), std::string::npos);
  }
  EXPECT_EQ(nonces.size(), 200u);
}

TEST(CardDataProtector, RefusesTamperedBlobsAndOtherKeys) {
  Protector protector(MakeKeys(kHashHex, kSealHex));
  Protector other(MakeKeys(kHashHex, kOtherHex));
  hub::Card card;
  ASSERT_TRUE(protector.Protect(kPan, &card));
  std::string pan = "unchanged";
  EXPECT_FALSE(other.Unseal(card.sealed_pan, &pan));
  for (size_t i = 0; i < card.sealed_pan.size(); ++i) {  // nonce, ciphertext and tag
    std::string tampered = card.sealed_pan;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    EXPECT_FALSE(protector.Unseal(tampered, &pan)) << "byte " << i;
  }
  EXPECT_FALSE(protector.Unseal(card.sealed_pan.substr(0, card.sealed_pan.size() - 1), &pan));
  EXPECT_FALSE(protector.Unseal(card.sealed_pan + "x", &pan));
  EXPECT_FALSE(protector.Unseal("", &pan));
  EXPECT_EQ(pan, "unchanged");
  ASSERT_TRUE(protector.Unseal(card.sealed_pan, &pan));
  EXPECT_EQ(pan, kPan);
}

TEST(CardDataProtector, ThreadsShareOneProtector) {
  Protector protector(MakeKeys(kHashHex, kSealHex));
  const std::string hash = protector.Hash(kPan);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        hub::Card card;
        std::string back;
        if (!protector.Protect(kPan, &card) || card.pan_hash != hash ||
            !protector.Unseal(card.sealed_pan, &back) || back != kPan) {
          failures.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(CardDataMasked, ShowsBinAndLastFourOnly) {
  EXPECT_EQ(Masked("2200150123456789"), "220015******6789");
  EXPECT_EQ(Masked("911200123456"), "911200******3456");
  EXPECT_EQ(Masked("9112001234567890123"), "911200******0123");
  EXPECT_EQ(Masked("12345"), "******");
  EXPECT_EQ(Masked("220015012345678X"), "******");
  EXPECT_EQ(Masked(""), "******");
}

}  // namespace
}  // namespace corridor::carddata
