#!/usr/bin/env python3
"""Runs sluice and the common fetchers that are installed (curl, aria2c, wget2) against
`sluice serve` on loopback.

For each case and tool it prints wall time, the ideal time and their ratio, CPU seconds,
peak RSS, the server's CPU per request, what the server saw (connections opened, the peak of
requests in flight) and the machine's load average over the last minute, since the two cores
may be shared.
The ideal is the makespan of a zero-overhead scheduler over the *nominal* latencies of the
list (what the server was told to wait), so ratios compare tools fairly.
`--engines` runs sluice once more per named engine (`sluice --engine E`), the textbook
designs included, so they are measured as the common fetchers are.
sluice's own rows add the p50 and p99 of the latencies it observed (its --summary-json), and
`--sluice-flags` passes further options to it (e.g. `--connect-window 0`), and
`--sluice-variants` runs it once more per flag set (e.g. `--event-loops 2`), taking turns
with the others.
`--server nginx` serves case (c), which has no delays, from nginx with keep-alive instead
(nginx_server.py): every client keeps its connections there. nginx keeps no counters, so
requests, connections and peak in flight read "-".
With --repeat, the tools take turns run by run, so a change in the machine's load falls on
each of them alike.
Usage: bench/fetch_bench.py [--sluice build/release/tools/sluice/sluice] [--cases a,b,c,d]
       [--engines loop,threads,textbook-slices,textbook-permits] [--server sluice|nginx]
       [--sluice-flags=...] [--sluice-variants='--event-loops 2;...']
"""
import argparse
import heapq
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

from nginx_server import NginxServer


def ideal_makespan(latencies, slots):
    free = [0.0] * min(slots, max(len(latencies), 1))
    for latency in latencies:
        start = heapq.heappop(free)
        heapq.heappush(free, start + latency)
    return max(free)


def measured(command):
    """Runs command; returns (wall seconds, cpu seconds, peak RSS MiB, exit code).

    GNU time reports the peak RSS of the program itself; the rusage of a child forked
    from this Python process would count the fork's copy of the interpreter."""
    with tempfile.NamedTemporaryFile("r") as report:
        started = time.monotonic()
        code = subprocess.run(["/usr/bin/time", "-o", report.name, "-f", "%U %S %M", *command],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
        wall = time.monotonic() - started
        user, system, rss_kb = report.read().split()[-3:]
    return wall, float(user) + float(system), int(rss_kb) / 1024, code


class Server:
    def __init__(self, sluice):
        self.process = subprocess.Popen([sluice, "serve", "--port", "0"],
                                        stdout=subprocess.PIPE, text=True)
        first = self.process.stdout.readline().strip()
        if not first.startswith("listening on "):
            raise SystemExit(f"server did not start: {first!r}")
        self.base = first.removeprefix("listening on ")
        # Where the server's 100 ms request bins begin, within a millisecond or so.
        self.listening_since = time.monotonic()

    def stats(self):
        """The server's counters; its `connections` include the one this call opens."""
        with urllib.request.urlopen(f"{self.base}/_stats", timeout=10) as answer:
            return json.load(answer)

    def close(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def tmpfs_dir():
    """Where aria2c's bodies go: it cannot write to /dev/null, and on disk the fsync of
    its control file for every download, not the fetching, would set its pace."""
    return "/dev/shm" if os.path.isdir("/dev/shm") else None


class Case:
    def __init__(self, title, c, latencies, paths, sluice_sources, curl_glob):
        self.title = title
        self.c = c
        self.latencies = latencies
        self.paths = paths  # each URL's path and query, in list order
        self.sluice_sources = sluice_sources  # sluice's arguments; {base} and {list} filled in
        self.curl_glob = curl_glob  # curl's own URL glob, or None: curl reads a config


def cases():
    rng = random.Random(42)
    slow = set(rng.sample(range(200), 10))  # a seeded 5 %
    mixed = [500 if i in slow else 50 for i in range(200)]
    # `sluice demo`'s second list: the slow URLs together at the head, where static slices
    # put them all in one slice.
    slow_first = [500] * 20 + [50] * 180
    return {
        "a": Case("200 URLs, 50 ms, c=10", 10, [0.05] * 200,
                  [f"/todos/{i}?delay=50ms" for i in range(1, 201)],
                  ["{base}/todos/{{1..200}}?delay=50ms"], "/todos/[1-200]?delay=50ms"),
        "b": Case("200 URLs, 5 % at 500 ms, c=10", 10, [ms / 1000 for ms in mixed],
                  [f"/todos/{i + 1}?delay={ms}ms" for i, ms in enumerate(mixed)],
                  ["@{list}"], None),
        "e": Case("200 URLs, first 10 % at 500 ms, c=10", 10,
                  [ms / 1000 for ms in slow_first],
                  [f"/todos/{i + 1}?delay={ms}ms" for i, ms in enumerate(slow_first)],
                  ["@{list}"], None),
        "c": Case("20,000 URLs, no delay, c=50", 50, [0.0] * 20000,
                  [f"/todos/{i}" for i in range(1, 20001)],
                  ["{base}/todos/{{1..20000}}"], "/todos/[1-20000]"),
        "d": Case("100,000 URLs, 1 s, c=10,000", 10000, [1.0] * 100000,
                  [f"/todos/{i}?delay=1s" for i in range(1, 100001)],
                  ["{base}/todos/{{1..100000}}?delay=1s"], "/todos/[1-100000]?delay=1s"),
    }


def write_list(case, base, workdir):
    path = os.path.join(workdir, "list.txt")
    with open(path, "w") as out:
        out.writelines(f"{base}{p}\n" for p in case.paths)
    return path


def curl_command(curl, case, base, url_list, workdir):
    # curl's --parallel-max stops at 300.
    command = [curl, "-s", "--parallel", "--parallel-immediate", "--parallel-max",
               str(min(case.c, 300))]
    if case.curl_glob:
        return command + ["-o", "/dev/null", base + case.curl_glob]
    config = os.path.join(workdir, "curl.cfg")
    with open(url_list) as src, open(config, "w") as out:
        for line in src:
            out.write(f'url = "{line.strip()}"\noutput = "/dev/null"\n')
    return command + ["-K", config]


def aria2c_command(aria2c, case, url_list, body_dir, extra):
    # -j is aria2c's number of downloads at once; -x 1 (its default) is one connection
    # per download, and its maximum of 16 only splits one large file, so it does not cap
    # the connections to the server. Each URL's file name is its path's last segment.
    return [aria2c, "-q", "-j", str(case.c), "-x", "1", "-d", body_dir, "-i", url_list,
            "--file-allocation=none", "--summary-interval=0", "--console-log-level=error",
            *extra]


def wget2_command(wget2, case, url_list):
    # --config=/dev/null: no ~/.wget2rc; -O /dev/null: every body into one sink. wget2
    # 1.99.1 keeps a connection open only when the answer says `Connection: keep-alive`,
    # which HTTP/1.1 makes the default and `sluice serve` therefore leaves out, so here it
    # opens a connection per request (the server's `connections`).
    return [wget2, "-q", "--config=/dev/null", "--max-threads", str(case.c), "-i", url_list,
            "-O", "/dev/null"]


class Run:
    """One measured run: the client's wall, CPU, peak RSS and exit code; the server's CPU
    and its /_stats counters."""

    def __init__(self, wall, cpu, rss, code, server_cpu, stats, summary, first_round=None):
        self.wall, self.cpu, self.rss, self.code = wall, cpu, rss, code
        self.server_cpu = server_cpu
        self.stats = stats  # None from a server without counters (nginx)
        self.summary = summary  # sluice's --summary-json, or None for the other tools
        # The /_stats request itself opened one of the server's connections.
        self.connections = stats["connections"] - 1 if stats else None
        # Seconds from the client's start until the server had seen C requests (None: no
        # counters): how long the first round took to get under way.
        self.first_round = first_round


def first_round_seconds(stats, c, client_after):
    """Seconds from the client's start (client_after seconds after the server's) to the end
    of the server's 100 ms bin in which its c-th request arrived; None if it saw fewer."""
    seen = 0
    for i, count in enumerate(stats["request_bins_100ms"]):
        seen += count
        if seen >= c:
            return (stats["request_bins_first"] + i + 1) / 10 - client_after
    return None


def process_cpu_seconds(pid):
    """User + system time of process pid so far, from /proc (10 ms ticks)."""
    with open(f"/proc/{pid}/stat") as stat:
        # The command names here ("sluice", "nginx") hold no spaces, so split() is safe.
        fields = stat.read().split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def process_tree_cpu_seconds(pid):
    """process_cpu_seconds of pid and its children: nginx's master and its worker."""
    with open(f"/proc/{pid}/task/{pid}/children") as children:
        kids = [int(child) for child in children.read().split()]
    return process_cpu_seconds(pid) + sum(process_cpu_seconds(kid) for kid in kids)


def run_against_own_server(sluice, case, build_command, body_parent=None, server_kind="sluice"):
    """Runs build_command(base, url_list, workdir, body_dir) against a server of its own,
    so the server's counters (connections, peak in flight, CPU) belong to this run alone."""
    with tempfile.TemporaryDirectory() as workdir, \
            tempfile.TemporaryDirectory(dir=body_parent) as body_dir:
        if server_kind == "nginx":
            server = NginxServer(shutil.which("nginx"), workdir)
        else:
            server = Server(sluice)
        try:
            url_list = write_list(case, server.base, workdir)
            command = build_command(server.base, url_list, workdir, body_dir)
            started = time.monotonic()
            wall, cpu, rss, code = measured(command)
            server_cpu = process_tree_cpu_seconds(server.process.pid)
            stats = server.stats() if server_kind == "sluice" else None
            first_round = (first_round_seconds(stats, case.c, started - server.listening_since)
                           if stats else None)
            summary = None
            summary_path = os.path.join(workdir, "summary.json")
            if os.path.exists(summary_path):
                with open(summary_path) as source:
                    summary = json.load(source)
        finally:
            server.close()
    return Run(wall, cpu, rss, code, server_cpu, stats, summary, first_round)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sluice", default="build/release/tools/sluice/sluice")
    parser.add_argument("--cases", default="a,b,c,d",
                        help="of a-e; e is `sluice demo`'s list whose first 10 %% take 500 ms")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--tools", default="sluice,curl,aria2c,wget2",
                        help="those of these that are installed are run; '' for none")
    parser.add_argument("--engines", default="",
                        help="sluice --engine values to run as further tools, e.g. "
                             "loop,threads,textbook-slices,textbook-permits")
    # On (d) curl, held to 300 in flight, needs about 6 minutes, and aria2c about 4: opt in.
    parser.add_argument("--curl-cases", default="a,b,c")
    parser.add_argument("--aria2c-cases", default="a,b,c")
    parser.add_argument("--wget2-cases", default="a,b,c,d")
    parser.add_argument("--aria2c-dir", default=tmpfs_dir(),
                        help="where aria2c saves bodies (default /dev/shm, a tmpfs)")
    parser.add_argument("--sluice-variants", default="",
                        help="further sluice runs, ';'-separated flag sets taking turns with the "
                             "tools, e.g. '--event-loops 2;--event-loops 2 --connect-window 0'")
    parser.add_argument("--sluice-flags", default="",
                        help="further sluice options, space-separated, e.g. --connect-window=0 "
                             "or '--max-bandwidth auto'")
    parser.add_argument("--server", choices=["sluice", "nginx"], default="sluice",
                        help="nginx: case (c) only, against nginx with keep-alive")
    parser.add_argument("--aria2c-flags", default="",
                        help="further aria2c options, space-separated, e.g. --deferred-input=true")
    args = parser.parse_args()
    resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)
    wanted = [name for name in args.tools.split(",") if name]
    engines = [engine for engine in args.engines.split(",") if engine]
    variants = [flags for flags in args.sluice_variants.split(";") if flags.strip()]
    tools = {name: (os.path.abspath(args.sluice) if name == "sluice" else shutil.which(name))
             for name in wanted}
    for name, path in tools.items():
        if not path:
            print(f"# {name}: not installed, skipped", flush=True)
    if args.server == "nginx" and not shutil.which("nginx"):
        raise SystemExit("nginx is not installed")
    table = cases()
    for key in args.cases.split(","):
        case = table[key]
        if args.server == "nginx" and any(latency > 0 for latency in case.latencies):
            raise SystemExit(f"case ({key}) has delays, which only `sluice serve` makes")
        for _ in range(args.repeat):
            for name, path in tools.items():
                allowed = getattr(args, f"{name}_cases", None)
                if path and (allowed is None or key in allowed.split(",")):
                    run_one(args, key, case, name, path)
            for engine in engines:
                run_one(args, key, case, "sluice", os.path.abspath(args.sluice), engine)
            for variant in variants:
                run_one(args, key, case, "sluice", os.path.abspath(args.sluice),
                        variant=variant.split())
    return 0


def counter(stats, name):
    return "-" if stats is None else stats[name]


def seconds(value):
    return "    -" if value is None else f"{value:3.1f} s"


def run_one(args, key, case, name, path, engine=None, variant=()):
    label = name
    if engine:
        label = f"sluice --engine {engine}"
    elif variant:
        label = "sluice " + " ".join(variant)
    elif name == "curl":
        label = "curl --parallel" + (" (max 300)" if case.c > 300 else "")
    elif name == "sluice" and args.sluice_flags:
        label = f"sluice {args.sluice_flags}"
    elif name == "aria2c" and args.aria2c_flags:
        label = f"aria2c {args.aria2c_flags}"

    def build_command(base, url_list, workdir, body_dir):
        if name == "sluice":
            sources = [s.format(base=base, list=url_list) for s in case.sluice_sources]
            chosen = ["--engine", engine] if engine else []
            return [path, "-q", "--summary-json", os.path.join(workdir, "summary.json"),
                    "-c", str(case.c), *chosen, *args.sluice_flags.split(), *variant, *sources]
        if name == "curl":
            return curl_command(path, case, base, url_list, workdir)
        if name == "aria2c":
            return aria2c_command(path, case, url_list, body_dir, args.aria2c_flags.split())
        return wget2_command(path, case, url_list)

    run = run_against_own_server(os.path.abspath(args.sluice), case, build_command,
                                 args.aria2c_dir, args.server)
    n = len(case.latencies)
    ideal = ideal_makespan(case.latencies, case.c)
    ratio = f"{ideal / run.wall:6.1%}" if ideal > 0 else "   n/a"
    print(f"{key}  {case.title:32} {label:26} wall {run.wall:7.3f} s  ideal {ideal:7.3f} s"
          f"  ideal/wall {ratio}  cpu {run.cpu:6.2f} s ({run.cpu / n * 1e6:5.1f} us/req)"
          f"  {n / run.wall:8.0f} req/s  rss {run.rss:6.1f} MiB"
          f"  server cpu {run.server_cpu / n * 1e6:5.1f} us/req"
          f"  requests {counter(run.stats, 'requests'):>6}"
          f"  connections {'-' if run.connections is None else run.connections:>6}"
          f"  peak in flight {counter(run.stats, 'peak_in_flight'):>5}"
          f"  first {case.c} by {seconds(run.first_round)}  exit {run.code}"
          + (f"  p50 {run.summary['p50_ms']:.1f} ms  p99 {run.summary['p99_ms']:.1f} ms"
             if run.summary else "") +
          f"  load {os.getloadavg()[0]:5.2f}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
