// A link lab: a client and a server network namespace joined by a veth pair, with a tbf qdisc
// (the link's rate and its queue) on the server -> client direction, for tests that measure
// what a real bottleneck sees; on demand a DNS server for many host names.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "support/child_process.hpp"

namespace sluice::test {

struct NetLabConfig {
  std::uint64_t rate_bits_per_second = 20'000'000;
  std::uint64_t burst_bytes = 32 * 1024;  // tbf's bucket: at least the rate / HZ, and a packet
  // Bytes the tbf queue holds before it drops; 250,000 is 100 ms at 20 Mbit/s.
  std::uint64_t queue_limit_bytes = 250'000;
  unsigned server_addresses = 1;  // 1 to 50: "many hosts" on the server side
};

// The root qdisc's counters on the server's veth, as `tc -s -j qdisc show` reports them.
struct QdiscStats {
  std::uint64_t bytes = 0;    // sent to the client
  std::uint64_t packets = 0;  // sent
  std::uint64_t drops = 0;
  std::uint64_t backlog = 0;  // bytes queued now
  std::uint64_t qlen = 0;     // packets queued now
};

// A host name and the IPv4 address the lab's DNS server answers for it.
struct DnsName {
  std::string name;
  std::string address;
};

// Owns namespaces "sl-<pid>-<n>-c" and "sl-<pid>-<n>-s" (unique per process and instance, so
// tests run in parallel), a veth pair between them, and the tbf. Addresses exist only inside
// these namespaces and no route leads out of them: every lab uses the same 10.213.0.0/24.
// The client is 10.213.0.100, the servers 10.213.0.1 and up.
// Not thread-safe. Lifetime: the constructor first deletes namespaces of earlier labs whose
// process has died, then builds the lab, and throws std::runtime_error (having removed what
// it built) if a step fails; the destructor stops the DNS server, removes the client's
// resolv.conf and deletes both namespaces, the veth pair with them. Programs started in a
// namespace should end before the lab does.
class NetLab {
 public:
  // Why a lab cannot be built here (not root, no `ip` or `tc`, no tbf), or nothing.
  static std::expected<void, std::string> available();
  // Why serve_dns() cannot run here (no dnsmasq), or nothing.
  static std::expected<void, std::string> dns_available();

  explicit NetLab(NetLabConfig config = {});
  NetLab(const NetLab&) = delete;
  NetLab& operator=(const NetLab&) = delete;
  ~NetLab();

  const std::string& client_namespace() const noexcept { return client_; }
  const std::string& server_namespace() const noexcept { return server_; }
  static std::string client_address() { return "10.213.0.100"; }
  const std::vector<std::string>& server_addresses() const noexcept { return servers_; }

  // Runs `program` (a full path) inside the client or server namespace until it ends.
  ChildResult run_in_client(const std::string& program, const std::vector<std::string>& args,
                            std::chrono::milliseconds limit = std::chrono::seconds(60)) const;
  ChildResult run_in_server(const std::string& program, const std::vector<std::string>& args,
                            std::chrono::milliseconds limit = std::chrono::seconds(60)) const;
  // Starts a long-running program, e.g. `sluice serve --listen 10.213.0.1:0`, in the server
  // namespace; `ip netns exec` execs it, so signals reach the program itself.
  std::unique_ptr<ChildProcess> start_in_server(const std::string& program,
                                                const std::vector<std::string>& args) const;

  QdiscStats link_stats() const;  // throws std::runtime_error if tc fails

  // Starts dnsmasq in the server namespace on the first server address, answering `names`
  // (A records; AAAA queries get an empty answer, other names none), and points the client
  // namespace's resolver at it through /etc/netns/<client>/resolv.conf, which `ip netns
  // exec` binds over /etc/resolv.conf. Every query is logged for dns_queries(). Once per
  // lab; throws std::runtime_error if dnsmasq is missing or does not come up.
  void serve_dns(const std::vector<DnsName>& names);
  // The queries the DNS server has answered so far, A and AAAA alike.
  std::uint64_t dns_queries() const;

 private:
  std::vector<std::string> exec_args(const std::string& name, const std::string& program,
                                     const std::vector<std::string>& args) const;
  void remove() noexcept;

  NetLabConfig config_;
  std::string client_;
  std::string server_;
  std::vector<std::string> servers_;
  std::filesystem::path dns_dir_;  // dnsmasq's hosts file and query log; empty: no DNS
  std::unique_ptr<ChildProcess> dns_;
};

// Namespaces of this process's labs that still exist (for a test's teardown check).
std::vector<std::string> leftover_lab_namespaces();

}  // namespace sluice::test
