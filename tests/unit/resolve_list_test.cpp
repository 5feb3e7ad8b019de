// --resolve entries: curl's HOST:PORT:ADDR[,ADDR]... taken, everything else refused with a
// reason that names the wrong part; the list libcurl takes holds the entries in order.
#include "engines/resolve_list.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice {
namespace {

using namespace detail;

TEST(CheckResolveEntryTest, TakesCurlsForms) {
  for (const char* entry :
       {"example.com:443:127.0.0.1", "example.com:80:127.0.0.1,127.0.0.2", "h:1:[::1]",
        "h:65535:::1", "h:8080:127.0.0.1,[::1]", "*:80:127.0.0.1", "x.invalid:80:10.0.0.1"}) {
    SCOPED_TRACE(entry);
    const auto checked = check_resolve_entry(entry);
    EXPECT_TRUE(checked.has_value()) << checked.error();
  }
}

TEST(CheckResolveEntryTest, RefusesWhatCurlWouldNotTakeNamingThePart) {
  struct Case {
    std::string entry;
    std::string reason;
  };
  for (const auto& [entry, reason] : std::vector<Case>{
           {"", "no HOST in ''"},
           {"example.com", "no HOST in 'example.com'"},
           {":80:127.0.0.1", "no HOST in ':80:127.0.0.1'"},
           {"example.com:80", "no ADDR in 'example.com:80'"},
           {"+example.com:80:127.0.0.1", "bad HOST '+example.com'"},
           {"-example.com:80", "bad HOST '-example.com'"},
           {"-example.com:80:127.0.0.1", "bad HOST '-example.com'"},
           {"ex ample.com:80:127.0.0.1", "bad HOST 'ex ample.com'"},
           {std::string(256, 'h') + ":80:127.0.0.1", "bad HOST 'hhh"},
           {"example.com:http:127.0.0.1", "bad PORT 'http'"},
           {"example.com:0:127.0.0.1", "bad PORT '0'"},
           {"example.com:65536:127.0.0.1", "bad PORT '65536'"},
           {"example.com::127.0.0.1", "bad PORT ''"},
           {"example.com:80:", "bad ADDR ''"},
           {"example.com:80:localhost", "bad ADDR 'localhost'"},
           {"example.com:80:127.0.0.1,", "bad ADDR ''"},
           {"example.com:80:127.0.0.1,,::1", "bad ADDR ''"},
           {"example.com:80:[127.0.0.1", "bad ADDR '[127.0.0.1'"},
           {"example.com:80:256.0.0.1", "bad ADDR '256.0.0.1'"},
       }) {
    SCOPED_TRACE(entry);
    const auto checked = check_resolve_entry(entry);
    ASSERT_FALSE(checked.has_value());
    EXPECT_NE(checked.error().find(reason), std::string::npos) << checked.error();
  }
}

TEST(ResolveListTest, HoldsTheEntriesInOrder) {
  const ResolveList list({"a:80:127.0.0.1", "b:443:[::1]"});
  std::vector<std::string> held;
  for (const curl_slist* item = list.get(); item != nullptr; item = item->next) {
    held.emplace_back(item->data);
  }
  EXPECT_EQ(held, (std::vector<std::string>{"a:80:127.0.0.1", "b:443:[::1]"}));
  EXPECT_EQ(ResolveList().get(), nullptr);
}

}  // namespace
}  // namespace sluice
