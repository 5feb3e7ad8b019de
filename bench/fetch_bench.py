#!/usr/bin/env python3
"""Runs sluice (and curl --parallel, when installed) against `sluice serve` on loopback.

For each case it prints wall time, the ideal time and their ratio, CPU seconds and peak
RSS. The ideal is the makespan of a zero-overhead scheduler over the *nominal* latencies
of the list (what the server was told to wait), so ratios compare tools fairly.
Usage: bench/fetch_bench.py [--sluice build/release/tools/sluice/sluice] [--cases a,b,c,d]
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

    def close(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def cases(base, workdir):
    rng = random.Random(42)
    slow = set(rng.sample(range(200), 10))  # a seeded 5 %
    mixed = [500 if i in slow else 50 for i in range(200)]
    mixed_list = os.path.join(workdir, "mixed.txt")
    with open(mixed_list, "w") as out:
        for i, ms in enumerate(mixed):
            out.write(f"{base}/todos/{i + 1}?delay={ms}ms\n")
    return {
        "a": ("200 URLs, 50 ms, c=10", 10, [0.05] * 200,
              [f"{base}/todos/{{1..200}}?delay=50ms"], f"{base}/todos/[1-200]?delay=50ms"),
        "b": ("200 URLs, 5 % at 500 ms, c=10", 10, [ms / 1000 for ms in mixed],
              ["@" + mixed_list], None),
        "c": ("20,000 URLs, no delay, c=50", 50, [0.0] * 20000,
              [f"{base}/todos/{{1..20000}}"], f"{base}/todos/[1-20000]"),
        "d": ("100,000 URLs, 1 s, c=10,000", 10000, [1.0] * 100000,
              [f"{base}/todos/{{1..100000}}?delay=1s"], f"{base}/todos/[1-100000]?delay=1s"),
    }, mixed_list


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sluice", default="build/release/tools/sluice/sluice")
    parser.add_argument("--cases", default="a,b,c,d")
    parser.add_argument("--repeat", type=int, default=1)
    # curl's --parallel-max stops at 300, so on (d) it needs about 6 minutes: opt in.
    parser.add_argument("--curl-cases", default="a,b,c")
    args = parser.parse_args()
    resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)

    server = Server(args.sluice)
    curl = shutil.which("curl")
    try:
        run_cases(args, server, curl)
    finally:
        server.close()
    return 0


def run_cases(args, server, curl):
    with tempfile.TemporaryDirectory() as workdir:
        table, mixed_list = cases(server.base, workdir)
        for key in args.cases.split(","):
            title, c, latencies, sources, curl_url = table[key]
            ideal = ideal_makespan(latencies, c)
            n = len(latencies)
            runs = [("sluice", [args.sluice, "-q", "-c", str(c), *sources])]
            if curl and key in args.curl_cases.split(","):
                urls = [curl_url] if curl_url else None
                config = None
                if urls is None:
                    config = os.path.join(workdir, "curl.cfg")
                    with open(mixed_list) as src, open(config, "w") as out:
                        for line in src:
                            out.write(f'url = "{line.strip()}"\noutput = "/dev/null"\n')
                command = [curl, "-s", "--parallel", "--parallel-immediate", "--parallel-max",
                           str(min(c, 300))]
                command += ["-K", config] if config else ["-o", "/dev/null", *urls]
                label = "curl --parallel" + (" (max 300)" if c > 300 else "")
                runs.append((label, command))
            for tool, command in runs:
                for _ in range(args.repeat):
                    wall, cpu, rss, code = measured(command)
                    ratio = f"{ideal / wall:6.1%}" if ideal > 0 else "   n/a"
                    print(f"{key}  {title:32} {tool:22} wall {wall:7.3f} s  ideal {ideal:7.3f} s"
                          f"  ideal/wall {ratio}  cpu {cpu:6.2f} s"
                          f" ({cpu / n * 1e6:5.1f} us/req)  {n / wall:8.0f} req/s"
                          f"  rss {rss:6.1f} MiB  exit {code}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
