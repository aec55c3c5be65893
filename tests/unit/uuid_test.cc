// Unit tests for core/uuid.h: UUIDv7 generation and UUID text checks.
#include "core/uuid.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <thread>

namespace cmdb {
namespace {

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The 48-bit Unix millisecond timestamp in the first 12 hex digits.
int64_t TimestampOf(const std::string& uuid) {
  return static_cast<int64_t>(std::stoull(uuid.substr(0, 8) + uuid.substr(9, 4), nullptr, 16));
}

TEST(NewUuidTest, CanonicalVersion7Text) {
  for (int i = 0; i < 200; ++i) {
    const std::string id = NewUuid();
    ASSERT_EQ(id.size(), 36u) << id;
    for (size_t k = 0; k < id.size(); ++k) {
      if (k == 8 || k == 13 || k == 18 || k == 23) {
        EXPECT_EQ(id[k], '-') << id;
      } else {
        EXPECT_NE(std::string("0123456789abcdef").find(id[k]), std::string::npos) << "not lower-case hex: " << id;
      }
    }
    EXPECT_EQ(id[14], '7') << "version nibble: " << id;
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << "RFC 9562 variant: " << id;
    EXPECT_TRUE(IsUuid(id)) << id;
    EXPECT_EQ(CanonicalUuid(id), id);
  }
}

TEST(NewUuidTest, TimestampIsTheCurrentUnixMillisecond) {
  const int64_t before = NowMillis();
  const std::string id = NewUuid();
  const int64_t after = NowMillis();
  EXPECT_GE(TimestampOf(id), before) << id;
  EXPECT_LE(TimestampOf(id), after) << id;
}

TEST(NewUuidTest, Unique) {
  std::set<std::string> seen;
  constexpr int kCount = 20000;
  for (int i = 0; i < kCount; ++i) seen.insert(NewUuid());
  EXPECT_EQ(seen.size(), static_cast<size_t>(kCount));
}

TEST(NewUuidTest, UniqueAcrossThreads) {
  constexpr int kThreads = 4, kPerThread = 5000;
  std::vector<std::vector<std::string>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&ids, t] {
      for (int i = 0; i < kPerThread; ++i) ids[t].push_back(NewUuid());
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::string> seen;
  for (const auto& v : ids) seen.insert(v.begin(), v.end());
  EXPECT_EQ(seen.size(), static_cast<size_t>(kThreads * kPerThread));
}

TEST(NewUuidTest, OrderedAcrossMilliseconds) {
  // Ids of later milliseconds sort after earlier ones, whatever their
  // random bits, including across a carry into the higher bytes.
  const int64_t start = NowMillis();
  for (int64_t base : {start, int64_t{0xFFFF}, int64_t{0xFFFFFFFFFF}}) {
    std::string previous = NewUuidAt(base);
    EXPECT_EQ(TimestampOf(previous), base) << previous;
    for (int64_t ms = base + 1; ms <= base + 5; ++ms) {
      const std::string next = NewUuidAt(ms);
      EXPECT_LT(previous, next);
      EXPECT_EQ(TimestampOf(next), ms) << next;
      previous = next;
    }
  }
}

TEST(IsUuidTest, AcceptsEitherCase) {
  EXPECT_TRUE(IsUuid("0190f0c4-1a2b-7c3d-8e4f-0123456789ab"));
  EXPECT_TRUE(IsUuid("0190F0C4-1A2B-7C3D-8E4F-0123456789AB"));
  EXPECT_TRUE(IsUuid("00000000-0000-0000-0000-000000000000"));
}

TEST(IsUuidTest, RejectsOtherText) {
  for (const char* text : {"", "0190f0c4-1a2b-7c3d-8e4f-0123456789a", "0190f0c4-1a2b-7c3d-8e4f-0123456789abc",
                           "0190f0c41a2b7c3d8e4f0123456789ab", "0190f0c4-1a2b-7c3d-8e4f_0123456789ab",
                           "0190f0c4-1a2b7-c3d-8e4f-0123456789ab", "0190f0g4-1a2b-7c3d-8e4f-0123456789ab",
                           "{0190f0c4-1a2b-7c3d-8e4f-0123456789ab}", " 0190f0c4-1a2b-7c3d-8e4f-0123456789a"}) {
    EXPECT_FALSE(IsUuid(text)) << text;
  }
}

TEST(CanonicalUuidTest, LowerCases) {
  EXPECT_EQ(CanonicalUuid("0190F0C4-1A2B-7C3D-8E4F-0123456789AB"), "0190f0c4-1a2b-7c3d-8e4f-0123456789ab");
  EXPECT_EQ(CanonicalUuid("0190f0c4-1a2b-7c3d-8e4f-0123456789ab"), "0190f0c4-1a2b-7c3d-8e4f-0123456789ab");
}

}  // namespace
}  // namespace cmdb
