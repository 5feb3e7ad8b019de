#!/usr/bin/env python3
"""Thousands of hosts: 1,000 host names, 20 URLs each, fetched at c=500 in the link lab.

Builds a lab as tests/support/netlab.hpp does (a client and a server network namespace on a
veth pair, no rate limit on the link) with dnsmasq answering the 1,000 names h1.lab ...
h1000.lab in the server namespace; the client namespace's resolver points at it through
/etc/netns/<client>/resolv.conf. Each run gets a fresh `sluice serve --listen --latency L`,
so the server's counters are that run's, and the DNS queries it caused are counted in
dnsmasq's query log. The list is sorted by host (h1's 20 URLs, then h2's, ...), or with
--order shuffled in a fixed random order. Tools:
sluice (-c 500 --per-host 2; sluice-rate adds --per-host-rate, sluice-threads runs the
thread engine), curl --parallel (at most
300), wget2 --max-threads 500, aria2c -j 500, those installed. Prints a Markdown table on
standard output, progress on standard error. Needs root, `ip` (iproute2) and dnsmasq.
Everything is removed at the end, also on failure.
Usage: sudo bench/many_hosts_bench.py [--sluice build/release/tools/sluice/sluice]
       [--repeat 2] [--latency 100ms] [--tools sluice,sluice-rate,curl,wget2,aria2c]
       [--per-host-rate 5/s] [--order sorted|shuffled] [--keep DIR]
"""
import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from netns_lab import SERVER, NetnsLab

HOSTS = 1000
PER_HOST = 20
C = 500
PORT = 8080


def log(text):
    print(text, file=sys.stderr, flush=True)


class Lab(NetnsLab):
    """The lab with dnsmasq answering the host names and the client's resolv.conf."""

    def __init__(self, workdir):
        super().__init__("slm")
        self.workdir = workdir
        self.dns_log = os.path.join(workdir, "dns.log")
        self.etc = os.path.join("/etc/netns", self.client)
        self.dns = None

    def setup(self):
        hosts = os.path.join(self.workdir, "hosts")
        with open(hosts, "w") as out:
            out.writelines(f"{SERVER} h{i}.lab\n" for i in range(1, HOSTS + 1))
        self.dns = subprocess.Popen(self.in_server(
            shutil.which("dnsmasq") or "/usr/sbin/dnsmasq", "--keep-in-foreground",
            "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--addn-hosts=" + hosts,
            "--listen-address=" + SERVER, "--bind-interfaces", "--port=53",
            "--log-queries", "--log-facility=" + self.dns_log, "--pid-file=",
            "--user=root", "--group=root"))
        for _ in range(200):
            if os.path.exists(self.dns_log) and "read " + hosts in open(self.dns_log).read():
                break
            time.sleep(0.05)
        else:
            raise RuntimeError("dnsmasq did not start")
        os.makedirs(self.etc, exist_ok=True)
        with open(os.path.join(self.etc, "resolv.conf"), "w") as out:
            out.write(f"nameserver {SERVER}\n")

    def teardown(self):
        if self.dns:
            self.dns.terminate()
            self.dns.wait(10)
        shutil.rmtree(self.etc, ignore_errors=True)

    def dns_queries(self):
        with open(self.dns_log) as text:
            return sum(1 for line in text if "query[" in line)


def commands(tool, path, args, workdir, urls_file):
    if tool.startswith("sluice"):
        extra = {"sluice": [], "sluice-threads": ["--engine", "threads"],
                 "sluice-rate": ["--per-host-rate", args.per_host_rate]}[tool]
        return [path, "-q", "-c", str(C), "--per-host", "2", "--retries", "0", *extra,
                "--results", os.path.join(workdir, tool + ".jsonl"), "@" + urls_file]
    if tool == "curl":
        config = os.path.join(workdir, "curl.cfg")
        with open(urls_file) as src, open(config, "w") as out:
            for line in src:
                out.write(f'url = "{line.strip()}"\noutput = "/dev/null"\n')
        return [path, "-s", "--parallel", "--parallel-immediate", "--parallel-max", "300",
                "-K", config]
    if tool == "wget2":
        return [path, "-q", "--config=/dev/null", "--max-threads", str(C), "-i", urls_file,
                "-O", "/dev/null"]
    # aria2c cannot write to /dev/null; every body gets a name of its own on a tmpfs, in a
    # folder main() removes after the run.
    body_dir = os.path.join("/dev/shm", os.path.basename(workdir) + "-aria2c")
    shutil.rmtree(body_dir, ignore_errors=True)
    os.makedirs(body_dir)
    listing = os.path.join(workdir, "aria2c.txt")
    with open(urls_file) as src, open(listing, "w") as out:
        for i, line in enumerate(src):
            out.write(f"{line.strip()}\n  out=b{i}\n")
    return [path, "-q", "-j", str(C), "-x", "1", "-d", body_dir, "-i", listing,
            "--file-allocation=none", "--summary-interval=0", "--console-log-level=error"]


def wait_for_time_wait(lab):
    """Waits (up to 70 s) until the client's closed connections have left TIME_WAIT: a run
    over 1,000 hosts may close 18,000, and the next run to the same address and port would
    find the 28,000 local ports of the default range used up ("Couldn't connect")."""
    for _ in range(140):
        out = subprocess.run(lab.in_client("ss", "-Htan", "state", "time-wait"),
                             capture_output=True, text=True).stdout
        if out.count("\n") < 100:
            return
        time.sleep(0.5)


def measure(lab, sluice, tool, command, latency):
    wait_for_time_wait(lab)
    server = subprocess.Popen(lab.in_server(sluice, "serve", "--listen", f"{SERVER}:{PORT}",
                                            "--latency", latency),
                              stdout=subprocess.PIPE, text=True)
    try:
        server.stdout.readline()
        before = lab.dns_queries()
        with tempfile.NamedTemporaryFile("r") as report:
            started = time.monotonic()
            code = subprocess.run(lab.in_client("/usr/bin/time", "-o", report.name, "-f",
                                                "%U %S %M", *command),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
            wall = time.monotonic() - started
            user, system, rss_kb = report.read().split()[-3:]
        stats = json.loads(subprocess.run(
            lab.in_server("curl", "-s", f"http://{SERVER}:{PORT}/_stats"),
            check=True, capture_output=True, text=True).stdout)
    finally:
        server.terminate()
        server.wait(10)
    return {"tool": tool, "wall": wall, "cpu": float(user) + float(system),
            "rss": int(rss_kb) / 1024, "code": code, "dns": lab.dns_queries() - before,
            "requests": stats["requests"], "connections": stats["connections"],
            "peak": stats["peak_in_flight"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sluice", default="build/release/tools/sluice/sluice")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--latency", default="100ms")
    parser.add_argument("--tools", default="sluice,sluice-rate,curl,wget2,aria2c")
    parser.add_argument("--per-host-rate", default="5/s")
    parser.add_argument("--order", choices=("sorted", "shuffled"), default="sorted")
    parser.add_argument("--keep", help="a folder to keep the lists and sluice's records in")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("many_hosts_bench needs root (ip netns)")
    sluice = os.path.abspath(args.sluice)
    tools = []
    for tool in args.tools.split(","):
        path = sluice if tool.startswith("sluice") else shutil.which(tool)
        if path:
            tools.append((tool, path))
        else:
            log(f"{tool} is not installed: left out")
    rows = {tool: [] for tool, _ in tools}
    workdir = args.keep or tempfile.mkdtemp()
    try:
        run_all(args, sluice, tools, rows, workdir)
    finally:
        shutil.rmtree(os.path.join("/dev/shm", os.path.basename(workdir) + "-aria2c"),
                      ignore_errors=True)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print_table(rows)


def run_all(args, sluice, tools, rows, workdir):
    with Lab(workdir) as lab:
        urls_file = os.path.join(workdir, "urls.txt")
        urls = [f"http://h{i}.lab:{PORT}/bytes/100?n={n}\n"
                for i in range(1, HOSTS + 1) for n in range(1, PER_HOST + 1)]
        if args.order == "shuffled":
            random.Random(1).shuffle(urls)
        with open(urls_file, "w") as out:
            out.writelines(urls)
        for round_ in range(args.repeat):  # interleaved: each round runs every tool once
            for tool, path in tools:
                result = measure(lab, sluice, tool, commands(tool, path, args, workdir,
                                                             urls_file), args.latency)
                log(f"round {round_ + 1}: {result}")
                rows[tool].append(result)


def print_table(rows):
    print(f"| tool | wall | requests/s | CPU | peak RSS | DNS queries | connections | "
          f"peak in flight | exit |")
    print("|---|---|---|---|---|---|---|---|---|")

    def span(values, form):
        low, high = min(values), max(values)
        return form.format(low) if form.format(low) == form.format(high) else \
            form.format(low) + "–" + form.format(high)

    for tool, results in rows.items():
        walls = [r["wall"] for r in results]
        print(f"| {tool} | {span(walls, '{:.1f} s')} | "
              f"{span([r['requests'] / r['wall'] for r in results], '{:,.0f}')} | "
              f"{span([r['cpu'] for r in results], '{:.2f} s')} | "
              f"{span([r['rss'] for r in results], '{:.0f} MiB')} | "
              f"{span([r['dns'] for r in results], '{:,}')} | "
              f"{span([r['connections'] for r in results], '{:,}')} | "
              f"{span([r['peak'] for r in results], '{}')} | "
              f"{span([r['code'] for r in results], '{}')} |")
    log(f"median walls: " + ", ".join(
        f"{tool} {statistics.median(r['wall'] for r in results):.1f} s"
        for tool, results in rows.items()))


if __name__ == "__main__":
    main()
