// Builds and removes the link lab with `ip` and `tc`, reads the tbf's counters, and runs the
// lab's DNS server (dnsmasq).
#include "support/netlab.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace sluice::test {
namespace {

using namespace std::chrono_literals;

constexpr auto kCommandLimit = 10s;
constexpr unsigned kMaxServerAddresses = 50;
const std::string kPrefix = "sl-";

std::string find_program(const std::string& name) {
  for (const auto* folder : {"/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/"}) {
    const auto path = folder + name;
    if (::access(path.c_str(), X_OK) == 0) return path;
  }
  return {};
}

const std::string& ip_program() {
  static const std::string path = find_program("ip");
  return path;
}

const std::string& tc_program() {
  static const std::string path = find_program("tc");
  return path;
}

const std::string& dnsmasq_program() {
  static const std::string path = find_program("dnsmasq");
  return path;
}

// Where `ip netns exec` finds the files it binds over /etc for namespace `name`.
std::filesystem::path netns_etc(const std::string& name) {
  return std::filesystem::path("/etc/netns") / name;
}

std::filesystem::path dns_dir_of(const std::string& client) {
  return std::filesystem::temp_directory_path() / (client + "-dns");
}

// The client's resolv.conf and the DNS server's files; nothing to do for a lab without DNS.
void remove_lab_files(const std::string& client) noexcept {
  std::error_code ignored;
  std::filesystem::remove_all(netns_etc(client), ignored);
  std::filesystem::remove_all(dns_dir_of(client), ignored);
}

std::string command_text(const std::string& program, const std::vector<std::string>& args) {
  std::string text = program;
  for (const auto& arg : args) text += " " + arg;
  return text;
}

// Runs a setup command; a failure is an exception naming the command and what it said.
std::string must(const std::string& program, const std::vector<std::string>& args) {
  auto result = run_child(program, args, {}, kCommandLimit);
  if (result.exit_code != 0) {
    throw std::runtime_error("netlab: `" + command_text(program, args) + "` failed: " + result.err);
  }
  return std::move(result.out);
}

std::vector<std::string> namespaces() {
  std::vector<std::string> names;
  std::istringstream lines(must(ip_program(), {"netns", "list"}));
  // Each line is "NAME" or "NAME (id: N)".
  for (std::string line; std::getline(lines, line);) {
    if (auto name = line.substr(0, line.find(' ')); !name.empty()) names.push_back(name);
  }
  return names;
}

// The pid in "sl-<pid>-<n>-c", or 0 when the name is not a lab's.
pid_t lab_owner(const std::string& name) {
  if (name.rfind(kPrefix, 0) != 0) return 0;
  try {
    return static_cast<pid_t>(std::stol(name.substr(kPrefix.size())));
  } catch (const std::exception&) {
    return 0;
  }
}

bool owner_died(const std::string& name) {
  const auto owner = lab_owner(name);
  return owner > 0 && ::kill(owner, 0) != 0 && errno == ESRCH;
}

// Labs of processes that died without their destructors, e.g. a test killed at its timeout.
// A dead lab's dnsmasq died with its server namespace's last user, or goes with the namespace.
void remove_dead_labs() {
  for (const auto& name : namespaces()) {
    if (owner_died(name)) run_child(ip_program(), {"netns", "delete", name}, {}, kCommandLimit);
  }
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/etc/netns", error)) {
    const auto name = entry.path().filename().string();
    if (owner_died(name)) remove_lab_files(name);
  }
}

// The whole file, or nothing when it is not there (yet).
std::string read_text(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace

std::expected<void, std::string> NetLab::available() {
  if (::geteuid() != 0) return std::unexpected("the link lab needs root (ip netns, tc)");
  if (ip_program().empty()) return std::unexpected("the link lab needs `ip` (iproute2)");
  if (tc_program().empty()) return std::unexpected("the link lab needs `tc` (iproute2)");
  return {};
}

NetLab::NetLab(NetLabConfig config) : config_(config) {
  if (auto usable = available(); !usable) throw std::runtime_error(usable.error());
  if (config_.server_addresses < 1 || config_.server_addresses > kMaxServerAddresses) {
    throw std::runtime_error("netlab: 1 to 50 server addresses");
  }
  static std::atomic<unsigned> next_lab{0};
  const auto name = kPrefix + std::to_string(::getpid()) + "-" + std::to_string(next_lab++);
  client_ = name + "-c";
  server_ = name + "-s";
  for (unsigned i = 1; i <= config_.server_addresses; ++i) {
    servers_.push_back("10.213.0." + std::to_string(i));
  }
  remove_dead_labs();
  try {
    const auto& ip = ip_program();
    must(ip, {"netns", "add", client_});
    must(ip, {"netns", "add", server_});
    // Created straight inside the namespaces, so the interface names never meet another lab's.
    must(ip, {"link", "add", "veth-c", "netns", client_, "type", "veth", "peer", "name", "veth-s",
              "netns", server_});
    must(ip, {"-n", client_, "addr", "add", client_address() + "/24", "dev", "veth-c"});
    for (const auto& address : servers_) {
      must(ip, {"-n", server_, "addr", "add", address + "/24", "dev", "veth-s"});
    }
    for (const auto& [space, link] : {std::pair{client_, "veth-c"}, std::pair{server_, "veth-s"}}) {
      must(ip, {"-n", space, "link", "set", "lo", "up"});
      must(ip, {"-n", space, "link", "set", link, "up"});
    }
    must(tc_program(),
         {"-n", server_, "qdisc", "add", "dev", "veth-s", "root", "tbf", "rate",
          std::to_string(config_.rate_bits_per_second) + "bit", "burst",
          std::to_string(config_.burst_bytes), "limit", std::to_string(config_.queue_limit_bytes)});
  } catch (...) {
    remove();
    throw;
  }
}

NetLab::~NetLab() { remove(); }

void NetLab::remove() noexcept {
  if (dns_) {
    try {
      dns_->signal(SIGTERM);
      dns_->wait(kCommandLimit);  // kills it if it does not go
    } catch (...) {               // the ChildProcess destructor kills it anyway
    }
    dns_.reset();
  }
  if (!client_.empty()) remove_lab_files(client_);
  for (const auto* space : {&client_, &server_}) {
    try {
      run_child(ip_program(), {"netns", "delete", *space}, {}, kCommandLimit);
    } catch (...) {  // a destructor never throws; leftover_lab_namespaces() will tell
    }
  }
}

std::vector<std::string> NetLab::exec_args(const std::string& name, const std::string& program,
                                           const std::vector<std::string>& args) const {
  std::vector<std::string> all{"netns", "exec", name, program};
  all.insert(all.end(), args.begin(), args.end());
  return all;
}

ChildResult NetLab::run_in_client(const std::string& program, const std::vector<std::string>& args,
                                  std::chrono::milliseconds limit) const {
  return run_child(ip_program(), exec_args(client_, program, args), {}, limit);
}

ChildResult NetLab::run_in_server(const std::string& program, const std::vector<std::string>& args,
                                  std::chrono::milliseconds limit) const {
  return run_child(ip_program(), exec_args(server_, program, args), {}, limit);
}

std::unique_ptr<ChildProcess> NetLab::start_in_server(const std::string& program,
                                                      const std::vector<std::string>& args) const {
  return std::make_unique<ChildProcess>(ip_program(), exec_args(server_, program, args));
}

QdiscStats NetLab::link_stats() const {
  const auto text =
      must(tc_program(), {"-n", server_, "-s", "-j", "qdisc", "show", "dev", "veth-s"});
  for (const auto& qdisc : nlohmann::json::parse(text)) {
    if (qdisc.value("root", false)) {
      return {.bytes = qdisc.at("bytes"),
              .packets = qdisc.at("packets"),
              .drops = qdisc.at("drops"),
              .backlog = qdisc.at("backlog"),
              .qlen = qdisc.at("qlen")};
    }
  }
  throw std::runtime_error("netlab: no root qdisc on veth-s in " + server_);
}

std::expected<void, std::string> NetLab::dns_available() {
  if (dnsmasq_program().empty()) {
    return std::unexpected("the lab's DNS server needs dnsmasq (Debian dnsmasq-base)");
  }
  return {};
}

void NetLab::serve_dns(const std::vector<DnsName>& names) {
  if (auto usable = dns_available(); !usable) throw std::runtime_error(usable.error());
  if (dns_) throw std::runtime_error("netlab: serve_dns() once per lab");
  dns_dir_ = dns_dir_of(client_);
  std::filesystem::create_directories(dns_dir_);
  const auto hosts = dns_dir_ / "hosts";
  {
    std::ofstream file(hosts);
    for (const auto& [name, address] : names) file << address << ' ' << name << '\n';
    if (!file.flush()) throw std::runtime_error("netlab: cannot write " + hosts.string());
  }
  // Only the names given: no /etc/hosts, no upstream servers, nothing read from /etc. The
  // log is written line by line as queries come (no --log-async), so the count is exact.
  dns_ = start_in_server(dnsmasq_program(),
                         {"--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv",
                          "--no-hosts", "--addn-hosts=" + hosts.string(),
                          "--listen-address=" + servers_.front(), "--bind-interfaces", "--port=53",
                          "--log-queries", "--log-facility=" + (dns_dir_ / "log").string(),
                          "--pid-file=", "--user=root", "--group=root"});
  const auto ready = "read " + hosts.string() + " - ";
  bool up = false;
  for (int i = 0; i < 200 && !up; ++i) {  // up to 10 s
    up = read_text(dns_dir_ / "log").find(ready) != std::string::npos;
    if (!up) std::this_thread::sleep_for(50ms);
  }
  if (!up) throw std::runtime_error("netlab: dnsmasq did not start: " + dns_->wait(1s).err);
  std::filesystem::create_directories(netns_etc(client_));
  std::ofstream resolv(netns_etc(client_) / "resolv.conf");
  resolv << "nameserver " << servers_.front() << '\n';
  if (!resolv.flush()) throw std::runtime_error("netlab: cannot write the client's resolv.conf");
}

std::uint64_t NetLab::dns_queries() const {
  if (dns_dir_.empty()) return 0;
  const auto log = read_text(dns_dir_ / "log");
  std::uint64_t count = 0;
  for (auto at = log.find("query["); at != std::string::npos; at = log.find("query[", at + 1)) {
    ++count;
  }
  return count;
}

std::vector<std::string> leftover_lab_namespaces() {
  std::vector<std::string> left;
  for (const auto& name : namespaces()) {
    if (lab_owner(name) == ::getpid()) left.push_back(name);
  }
  return left;
}

}  // namespace sluice::test
