// IMF-fixdate formatting with the C++20 calendar types.
#include "server/http_date.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string_view>

namespace sluice::detail {
namespace {

// Spelled out rather than taken from strftime("%a %b"), which follows the locale.
constexpr std::array<std::string_view, 7> kWeekdays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

}  // namespace

std::string http_date(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  // system_clock counts UTC without leap seconds, which is what an HTTP-date means by GMT.
  const auto second = floor<seconds>(time);
  const auto day = floor<days>(second);
  const year_month_day date{day};
  const hh_mm_ss clock{second - day};
  std::array<char, 32> text{};
  const auto length = std::snprintf(
      text.data(), text.size(), "%.3s, %02u %.3s %04d %02d:%02d:%02d GMT",
      kWeekdays[weekday{day}.c_encoding()].data(), static_cast<unsigned>(date.day()),
      kMonths[static_cast<unsigned>(date.month()) - 1].data(), static_cast<int>(date.year()),
      static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
      static_cast<int>(clock.seconds().count()));
  return {text.data(), static_cast<std::size_t>(std::max(length, 0))};
}

}  // namespace sluice::detail
