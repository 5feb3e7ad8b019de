// The end-of-run summary: counts, latency percentiles and scheduling efficiency, as text for
// stderr and as JSON for --summary-json.
#include "output/summary.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>

#include "output/ideal_schedule.hpp"
#include "output/progress_line.hpp"

namespace sluice::detail {
namespace {

constexpr float kNotFetched = std::numeric_limits<float>::quiet_NaN();

// Latencies pass through float; rounding hides its noise (50.3f is 50.29999923...).
double round_to_micros(double ms) { return std::round(ms * 1000.0) / 1000.0; }

// Nearest rank: the smallest value with at least `percent` % of the values at or below it.
double percentile(std::vector<float>& values, std::uint64_t percent) {
  const std::uint64_t rank = (percent * values.size() + 99) / 100;
  const auto nth = values.begin() + static_cast<std::ptrdiff_t>(rank - 1);
  std::nth_element(values.begin(), nth, values.end());
  return round_to_micros(*nth);
}

std::string fixed(double value, int decimals) {
  std::array<char, 64> text{};
  std::snprintf(text.data(), text.size(), "%.*f", decimals, value);
  return text.data();
}

std::string duration(double ms) {
  return ms < 1000 ? fixed(ms, 1) + " ms" : fixed(ms / 1000, 2) + " s";
}

std::string records(std::uint64_t count) {
  return std::to_string(count) + (count == 1 ? " record" : " records");
}

std::string percent_of_time(double share) { return fixed(share * 100, 0) + " % of the time"; }

// The evidence for what bound the run, in words; empty when nothing was sampled.
std::string describe_binding(const Binding& b, bool adaptive, OptionNamer name) {
  const std::string slots = std::to_string(b.slots);
  const std::string busy = adaptive ? "all slots of " + std::string(name("adaptive_concurrency")) +
                                          "'s limit (" + slots + " at the end) busy"
                                    : "all " + slots + " slots busy";
  switch (b.kind) {
    case BindingKind::None:
      return {};
    case BindingKind::Concurrency:
      return "concurrency (" + busy + " " + percent_of_time(b.share) + ")";
    case BindingKind::Server:
      return "the server (latency rose " + fixed(b.latency_rise, 1) + "× under load: p50 " +
             fixed(b.busy_p50_ms, 1) + " ms with " + busy + ", floor " + fixed(b.floor_ms, 1) +
             " ms; " + percent_of_time(b.share) + ")";
    case BindingKind::Bandwidth:
      if (b.link_rate > 0) {
        const double mbit = static_cast<double>(b.link_rate) * 8 / 1e6;
        return "the link (learned " + format_bytes(b.link_rate) + "/s = " + fixed(mbit, 1) +
               " Mbit/s; paced just under it " + percent_of_time(b.share) + ")";
      }
      return "bandwidth cap (at the cap " + percent_of_time(b.share) + ")";
    case BindingKind::Rate:
      return "rate limit (starts waited for the start rate cap " + percent_of_time(b.share) + ")";
    case BindingKind::PerHost:
      // Hosts are held back by the per-host cap and by the server's own Retry-After and
      // RateLimit headers alike; the URLs parked say which host, not which of these.
      return "per-host limit on " + b.host +
             " (URLs parked behind its per-host cap, Retry-After or RateLimit with slots "
             "free " +
             percent_of_time(b.share) + ")";
    case BindingKind::Input:
      return "input/consumer (slots free, waiting for input " + percent_of_time(b.share) + ")";
    case BindingKind::Tail:
      return "the last URLs (slots free, nothing left to start " + percent_of_time(b.share) + ")";
  }
  return {};
}

// Starts per second: 0.5/s (30/m) needs more than one decimal to show.
std::string per_second(double value) { return fixed(value, value < 10 ? 2 : 1); }

// Request starts: every attempt, a retry too, takes one from the rate cap.
std::uint64_t starts(const Summary& s) { return s.fetched + s.retries; }

// The least time the rate cap lets the starts take: the first goes at once, each further
// one a 1/rate later.
double rate_span_s(const Summary& s) {
  return starts(s) > 1 ? static_cast<double>(starts(s) - 1) / s.rate : 0;
}

// The efficiency and what it is measured against, with the figures it comes from.
std::string describe_efficiency(const Summary& s, OptionNamer name) {
  const std::string percent = fixed(s.efficiency * 100, 1) + " % of ";
  const double wall_s = s.wall_ms / 1000;
  switch (s.efficiency_basis) {
    case EfficiencyBasis::Rate:
      return percent + std::string(name("rate")) + " (" + std::to_string(starts(s)) +
             " starts at " + per_second(s.rate) + "/s need " + duration(rate_span_s(s) * 1000) +
             ")";
    case EfficiencyBasis::Bandwidth:
      return percent + std::string(name("max_bandwidth")) + " (" +
             format_bytes(static_cast<std::uint64_t>(static_cast<double>(s.wire_bytes) / wall_s)) +
             "/s of " + format_bytes(s.max_bandwidth) + "/s)";
    case EfficiencyBasis::IdealSchedule:
      break;
  }
  return percent + "the ideal schedule (" + duration(s.ideal_ms) +
         " for c=" + std::to_string(s.concurrency) + " in input order; bound max(Σ/c, longest) " +
         duration(s.bound_ms) + ")";
}

nlohmann::ordered_json binding_json(const Binding& b, bool adaptive, OptionNamer name) {
  nlohmann::ordered_json shares = nlohmann::ordered_json::object();
  for (std::size_t kind = 1; kind < kBindingKinds; ++kind) {
    shares[std::string(to_string(static_cast<BindingKind>(kind)))] = b.shares[kind];
  }
  return {
      {"kind", to_string(b.kind)},
      {"share", b.share},
      {"text", describe_binding(b, adaptive, name)},
      {"host", b.host},
      {"slots", b.slots},
      {"link_rate", b.link_rate},
      {"latency_rise", b.latency_rise},
      {"busy_p50_ms", b.busy_p50_ms},
      {"floor_ms", b.floor_ms},
      {"shares", shares},
  };
}

nlohmann::ordered_json results_failure_json(const std::optional<ResultsFailure>& failure) {
  if (!failure) return nullptr;
  return {
      {"file",
       failure->file.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(failure->file)},
      {"reason", failure->reason},
      {"output_closed", failure->output_closed},
      {"stopped_run", failure->stopped_run},
      {"written", failure->written},
      {"unwritten", failure->unwritten},
  };
}

}  // namespace

std::string_view to_string(EfficiencyBasis basis) noexcept {
  switch (basis) {
    case EfficiencyBasis::IdealSchedule:
      return "ideal_schedule";
    case EfficiencyBasis::Rate:
      return "rate";
    case EfficiencyBasis::Bandwidth:
      return "bandwidth";
  }
  return "ideal_schedule";
}

void SummaryBuilder::add(const Record& record) {
  ++counts_.urls;
  if (record.skipped) {
    ++counts_.skipped_existing;
  } else if (record.ok) {
    ++counts_.ok;
  } else {
    ++counts_.failed;
  }
  counts_.bytes += record.bytes;
  counts_.wire_bytes += record.wire_bytes.value_or(record.bytes);
  if (record.error && (record.error->kind == ErrorKind::InvalidUrl ||
                       record.error->kind == ErrorKind::UnsupportedScheme)) {
    // Records come in completion order; the user fixes the input from its top.
    if (counts_.bad_inputs++ == 0 || record.index < first_bad_index_) {
      first_bad_index_ = record.index;
      counts_.first_bad_input = record.source + ": " + record.url + ": " + record.error->message;
    }
  }
  if (record.status) ++counts_.by_status[*record.status];
  if (record.error) ++counts_.by_error_kind[std::string(to_string(record.error->kind))];
  if (record.index >= elapsed_ms_.size()) elapsed_ms_.resize(record.index + 1, kNotFetched);
  if (record.attempts > 1) {
    ++counts_.retried;
    counts_.retries += static_cast<std::uint64_t>(record.attempts - 1);
  }
  if (record.attempts > 0) {
    ++counts_.fetched;
    elapsed_ms_[record.index] = static_cast<float>(record.elapsed_ms);
  }
}

Summary SummaryBuilder::finish(double wall_ms, std::size_t concurrency) const {
  Summary summary = counts_;
  summary.concurrency = concurrency;
  summary.wall_ms = wall_ms;
  if (wall_ms > 0) summary.requests_per_s = static_cast<double>(summary.urls) / (wall_ms / 1000);

  std::vector<float> fetched;
  fetched.reserve(summary.fetched);
  std::ranges::copy_if(elapsed_ms_, std::back_inserter(fetched),
                       [](float ms) { return !std::isnan(ms); });
  if (!fetched.empty()) {
    summary.p50_ms = percentile(fetched, 50);
    summary.p90_ms = percentile(fetched, 90);
    summary.p99_ms = percentile(fetched, 99);
    summary.max_ms = round_to_micros(*std::ranges::max_element(fetched));
  }

  std::vector<double> latencies;
  latencies.reserve(elapsed_ms_.size());
  std::ranges::transform(elapsed_ms_, std::back_inserter(latencies),
                         [](float ms) { return std::isnan(ms) ? 0.0 : double{ms}; });
  summary.ideal_ms = round_to_micros(ideal_makespan_ms(latencies, summary.concurrency));
  summary.bound_ms = round_to_micros(absolute_bound_ms(latencies, summary.concurrency));
  if (wall_ms > 0) summary.schedule_efficiency = summary.ideal_ms / wall_ms;
  summary.efficiency = summary.schedule_efficiency;
  return summary;
}

void measure_against_binding(Summary& s, const Binding& bound_by, double rate,
                             std::uint64_t max_bandwidth) {
  s.bound_by = bound_by;
  s.rate = rate;
  s.max_bandwidth = max_bandwidth;
  s.efficiency = s.schedule_efficiency;
  s.efficiency_basis = EfficiencyBasis::IdealSchedule;
  if (s.wall_ms <= 0) return;
  const double wall_s = s.wall_ms / 1000;
  if (bound_by.kind == BindingKind::Rate && rate > 0) {
    s.efficiency = rate_span_s(s) / wall_s;
    s.efficiency_basis = EfficiencyBasis::Rate;
  } else if (bound_by.kind == BindingKind::Bandwidth && max_bandwidth > 0) {
    // The cap paces the bytes on the wire, which --compressed makes fewer than those kept.
    s.efficiency = static_cast<double>(s.wire_bytes) / wall_s / static_cast<double>(max_bandwidth);
    s.efficiency_basis = EfficiencyBasis::Bandwidth;
  }
}

std::string format_results_failure(const ResultsFailure& failure, OptionNamer name) {
  if (failure.output_closed) {
    return std::string(failure.stopped_run ? "stopped: " : "") +
           "standard output was closed after " + records(failure.written) + " (" +
           std::to_string(failure.unwritten) + " not written)\n";
  }
  const std::string destination = failure.file.empty() ? "standard output" : failure.file;
  std::string text = "results not written: " + destination + ": " + failure.reason + " after " +
                     records(failure.written) + (failure.stopped_run ? "; stopped\n" : "\n") +
                     "unwritten:  " + records(failure.unwritten);
  if (!failure.file.empty()) {
    text += "; " + std::string(name("resume_from")) + " " + failure.file +
            " fetches every URL it lacks";
  }
  return text + '\n';
}

std::string format_summary(const Summary& s, OptionNamer name) {
  std::string text = s.results_failure ? format_results_failure(*s.results_failure, name) : "";
  text += std::to_string(s.urls) + " URLs: " + std::to_string(s.ok) + " ok, " +
          std::to_string(s.failed) + " failed";
  if (!s.by_error_kind.empty()) {
    const char* separator = " (";
    for (const auto& [kind, count] : s.by_error_kind) {
      text += separator + kind + ' ' + std::to_string(count);
      separator = ", ";
    }
    text += ')';
  }
  text += " · " + format_bytes(s.bytes) + " in " + duration(s.wall_ms) + " · " +
          fixed(s.requests_per_s, 1) + " req/s";
  // One loop is the plain case; more are worth saying, as auto picks them by the cores.
  if (s.event_loops > 1) text += " · " + std::to_string(s.event_loops) + " event loops";
  text += '\n';
  if (s.bad_inputs > 0) {
    text += "bad input:  " + std::to_string(s.bad_inputs) +
            (s.bad_inputs == 1 ? " line not a URL" : " lines not URLs") +
            "; the first: " + s.first_bad_input + "\n";
  }

  if (s.retried > 0) {
    text += "retried:    " + std::to_string(s.retried) + " URLs, " + std::to_string(s.retries) +
            " extra attempts\n";
  }
  if (s.final_limit > 0) {
    std::string label = std::string(name("adaptive_concurrency")) + ":";
    label.resize(std::max<std::size_t>(label.size() + 1, 12), ' ');
    text += label + "the cap ended at " + std::to_string(s.final_limit) + "\n";
  }
  if (s.skipped > 0) {
    text += "resumed:    " + std::to_string(s.skipped) + " URLs skipped, already done";
    if (s.skipped_failures > 0) {
      text += " (" + std::to_string(s.skipped_failures) + " of them failed)";
    }
    text += '\n';
  }
  if (s.skipped_existing > 0) {
    text += "skipped:    " + std::to_string(s.skipped_existing) +
            (s.skipped_existing == 1 ? " URL" : " URLs") + " already on disk (" +
            std::string(name("skip_existing")) + ")\n";
  }
  if (!s.by_status.empty()) {
    const char* separator = "status:     ";
    for (const auto& [status, count] : s.by_status) {
      text += separator + std::to_string(status) + "×" + std::to_string(count);
      separator = " ";
    }
    text += '\n';
  }
  if (s.fetched > 0) {
    text += "latency:    p50 " + fixed(s.p50_ms, 1) + " ms · p90 " + fixed(s.p90_ms, 1) +
            " ms · p99 " + fixed(s.p99_ms, 1) + " ms · max " + fixed(s.max_ms, 1) + " ms\n";
  }
  if (s.fetched > 0 && s.wall_ms > 0) text += "efficiency: " + describe_efficiency(s, name) + "\n";
  if (const auto binding = describe_binding(s.bound_by, s.final_limit > 0, name);
      !binding.empty()) {
    text += "bound by:   " + binding + "\n";
  }
  return text;
}

std::string summary_json(const Summary& s, OptionNamer name) {
  nlohmann::ordered_json by_status = nlohmann::ordered_json::object();
  for (const auto& [status, count] : s.by_status) by_status[std::to_string(status)] = count;
  const nlohmann::ordered_json object = {
      {"urls", s.urls},
      {"ok", s.ok},
      {"failed", s.failed},
      {"fetched", s.fetched},
      {"bytes", s.bytes},
      {"wire_bytes", s.wire_bytes},
      {"skipped", s.skipped},
      {"skipped_failures", s.skipped_failures},
      {"skipped_existing", s.skipped_existing},
      {"retried", s.retried},
      {"retries", s.retries},
      {"final_limit", s.final_limit},
      {"by_status", by_status},
      {"by_error_kind", s.by_error_kind},
      {"concurrency", s.concurrency},
      {"event_loops", s.event_loops},
      {"wall_ms", s.wall_ms},
      {"requests_per_s", s.requests_per_s},
      {"p50_ms", s.p50_ms},
      {"p90_ms", s.p90_ms},
      {"p99_ms", s.p99_ms},
      {"max_ms", s.max_ms},
      {"ideal_ms", s.ideal_ms},
      {"bound_ms", s.bound_ms},
      {"schedule_efficiency", s.schedule_efficiency},
      {"efficiency", s.efficiency},
      {"efficiency_basis", to_string(s.efficiency_basis)},
      {"rate", s.rate},
      {"max_bandwidth", s.max_bandwidth},
      {"bad_inputs", s.bad_inputs},
      {"first_bad_input", s.first_bad_input.empty() ? nlohmann::ordered_json()
                                                    : nlohmann::ordered_json(s.first_bad_input)},
      {"bound_by", binding_json(s.bound_by, s.final_limit > 0, name)},
      {"results_failure", results_failure_json(s.results_failure)},
  };
  return object.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + '\n';
}

}  // namespace sluice::detail
