// The scale-out pieces that need no server: Redis URLs, job keys, entries <-> input items.
#include "worker/redis_url.hpp"

#include <gtest/gtest.h>

#include "worker/entry_item.hpp"
#include "worker/job_keys.hpp"

namespace sluice::detail {
namespace {

TEST(RedisUrlTest, ReadsHostPortPasswordAndDatabase) {
  const auto url = parse_redis_url("redis://:s3cret@cache.example:6380/2");
  ASSERT_TRUE(url) << url.error();
  EXPECT_EQ(url->host, "cache.example");
  EXPECT_EQ(url->port, 6380);
  EXPECT_EQ(url->password, "s3cret");
  EXPECT_FALSE(url->user);
  EXPECT_EQ(url->database, 2);
  EXPECT_EQ(url->shown(), "redis://:***@cache.example:6380/2");
}

TEST(RedisUrlTest, DefaultsToTheLocalServerAndDatabaseZero) {
  const auto url = parse_redis_url("redis://");
  ASSERT_TRUE(url) << url.error();
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 6379);
  EXPECT_EQ(url->database, 0);
  EXPECT_FALSE(url->password);
}

TEST(RedisUrlTest, ReadsAnAclUserAndPercentEscapes) {
  const auto url = parse_redis_url("redis://fetcher:p%40ss%3Aword@[::1]:7000");
  ASSERT_TRUE(url) << url.error();
  EXPECT_EQ(url->user, "fetcher");
  EXPECT_EQ(url->password, "p@ss:word");
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 7000);
}

TEST(RedisUrlTest, RedissAsksForTlsThatVerifiesByDefault) {
  const auto url = parse_redis_url("rediss://:s3cret@cache.example:6380/1");
  ASSERT_TRUE(url) << url.error();
  ASSERT_TRUE(url->tls);
  EXPECT_TRUE(url->tls->verify);
  EXPECT_EQ(url->tls->ca_file, "");
  EXPECT_EQ(url->port, 6380);
  EXPECT_EQ(url->shown(), "rediss://:***@cache.example:6380/1");
  EXPECT_FALSE(parse_redis_url("redis://cache.example")->tls);
}

TEST(RedisUrlTest, RefusesMalformedUrlsWithoutEchoingThem) {
  EXPECT_EQ(parse_redis_url("http://:s3cret@host").error().find("s3cret"), std::string::npos);
  for (const char* bad :
       {"http://host", "redis://host:0", "redis://host:70000", "redis://host/x",
        "redis://host:12ab", "redis://user@host", "redis://:%4@host", "redis://[::1"}) {
    EXPECT_FALSE(parse_redis_url(bad)) << bad;
  }
}

TEST(JobKeysTest, HashTagsEveryKeyWithTheJobsName) {
  const auto keys = job_keys("crawl-1");
  ASSERT_TRUE(keys);
  EXPECT_EQ(keys->requests, "sluice:{crawl-1}:requests");
  EXPECT_EQ(keys->results, "sluice:{crawl-1}:results");
  EXPECT_EQ(keys->meta, "sluice:{crawl-1}:meta");
  for (const char* bad : {"", "a{b", "a}b", "a\nb"}) EXPECT_FALSE(job_keys(bad)) << bad;
}

RedisReply string_reply(const std::string& text) {
  RedisReply reply;
  reply.type = RedisReply::Type::String;
  reply.text = text;
  return reply;
}

template <class Texts>
RedisReply array_reply(const Texts& texts) {
  RedisReply reply;
  reply.type = RedisReply::Type::Array;
  for (const auto& text : texts) reply.elements.push_back(string_reply(text));
  return reply;
}

RedisReply fields(std::initializer_list<std::string> texts) { return array_reply(texts); }

TEST(EntryItemTest, AnEntryWithoutAUrlIsAnInvalidUrlItemNamingTheEntry) {
  const InputItem item = item_from_entry(fields({"color", "blue"}), 7, "1-0");
  EXPECT_EQ(item.index, 7U);
  EXPECT_EQ(item.source, "redis:1-0");
  ASSERT_TRUE(item.error);
  EXPECT_EQ(item.error->kind, ErrorKind::InvalidUrl);
}

TEST(EntryItemTest, ChecksTheUrlAgainAndKeepsCredentialsOutOfTheShownUrl) {
  const InputItem good = item_from_entry(
      fields({"url", "http://***@h/x", "source", "l.txt:3", "fetch", "http://u:p@h/x"}), 0, "1-0");
  EXPECT_FALSE(good.error);
  EXPECT_EQ(good.fetch_url, "http://u:p@h/x");
  EXPECT_EQ(good.source, "l.txt:3");
  const InputItem bad = item_from_entry(fields({"url", "http://a b/"}), 0, "1-1");
  ASSERT_TRUE(bad.error);
  EXPECT_EQ(bad.error->kind, ErrorKind::InvalidUrl);
}

TEST(EntryItemTest, RoundTripsAReadersError) {
  InputItem item;
  item.url = "ftp://x/";
  item.source = "arg:1";
  item.error = FetchError{.kind = ErrorKind::UnsupportedScheme, .message = "ftp"};
  auto written = entry_fields(item);
  const InputItem read = item_from_entry(array_reply(written), 0, "1-0");
  ASSERT_TRUE(read.error);
  EXPECT_EQ(read.error->kind, ErrorKind::UnsupportedScheme);
  EXPECT_EQ(read.url, "ftp://x/");
}

}  // namespace
}  // namespace sluice::detail
