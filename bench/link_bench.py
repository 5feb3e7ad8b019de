#!/usr/bin/env python3
"""A real link: what a bulk fetch does to the other traffic on the card.

Builds the link lab (as tests/support/netlab.hpp does): a client and a server network
namespace joined by a veth pair, with a tbf qdisc on the server -> client direction (the
link's rate and its queue; no netem here, so the round trip is the queue). `sluice serve
--listen` serves 1 MiB bodies in the server namespace. Per scenario, a probe in the client
namespace GETs a small answer every 20 ms on one kept-alive connection ("the other traffic
on the card"), while the load fetches 15 x 1 MiB; the tbf's counters are sampled every 100 ms
from outside both namespaces. Scenarios: idle (the probe alone), sluice -c 50, sluice
--max-bandwidth at 92 % of the link, sluice --max-bandwidth auto, curl --parallel
--parallel-max 50 (when curl is there); --only picks some by name.
Prints a Markdown table on standard output, progress on standard error. Needs root, `ip` and
`tc` (iproute2). Every address lives only inside the two namespaces, which are removed at
the end, also on failure.
Usage: sudo bench/link_bench.py [--sluice build/release/tools/sluice/sluice]
       [--rate-mbit 20] [--queue-ms 100] [--files 15] [-c 50] [--only auto,idle]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time

SERVER = "10.213.0.1"
CLIENT = "10.213.0.100"
BODY = 1 << 20
BURST = 32 * 1024
SAMPLE_S = 0.1
IDLE_S = 3.0
PROBE_EVERY_S = 0.02

# The probe: a GET of a small answer every 20 ms on one kept-alive connection until its
# standard input closes (or 120 s pass), then one JSON line: each request's milliseconds.
PROBE = r"""
import http.client, json, select, sys, time
conn = http.client.HTTPConnection(sys.argv[1], int(sys.argv[2]), timeout=30)
latencies = []
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    start = time.monotonic()
    conn.request("GET", "/todos/1")
    conn.getresponse().read()
    latencies.append((time.monotonic() - start) * 1000)
    wait = max(0.0, 0.02 - (time.monotonic() - start))
    if select.select([sys.stdin], [], [], wait)[0]:
        break
print(json.dumps(latencies))
"""


def log(text):
    print(text, file=sys.stderr, flush=True)


def run(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class Lab:
    """The two namespaces, the veth pair and the tbf; removed on leaving the with block."""

    def __init__(self, rate_bits, queue_bytes):
        name = f"slb-{os.getpid()}"
        self.client, self.server = name + "-c", name + "-s"
        self.rate_bits, self.queue_bytes = rate_bits, queue_bytes

    def __enter__(self):
        try:
            run("ip", "netns", "add", self.client)
            run("ip", "netns", "add", self.server)
            run("ip", "link", "add", "veth-c", "netns", self.client, "type", "veth",
                "peer", "name", "veth-s", "netns", self.server)
            run("ip", "-n", self.client, "addr", "add", CLIENT + "/24", "dev", "veth-c")
            run("ip", "-n", self.server, "addr", "add", SERVER + "/24", "dev", "veth-s")
            for space, link in ((self.client, "veth-c"), (self.server, "veth-s")):
                run("ip", "-n", space, "link", "set", "lo", "up")
                run("ip", "-n", space, "link", "set", link, "up")
            run("tc", "-n", self.server, "qdisc", "add", "dev", "veth-s", "root", "tbf",
                "rate", f"{self.rate_bits}bit", "burst", str(BURST),
                "limit", str(self.queue_bytes))
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *_):
        for space in (self.client, self.server):
            subprocess.run(["ip", "netns", "delete", space], stderr=subprocess.DEVNULL)

    def in_client(self, *args):
        return ["ip", "netns", "exec", self.client, *args]

    def in_server(self, *args):
        return ["ip", "netns", "exec", self.server, *args]

    def qdisc(self):
        out = subprocess.run(["tc", "-n", self.server, "-s", "-j", "qdisc", "show", "dev",
                              "veth-s"], check=True, capture_output=True, text=True).stdout
        return next(q for q in json.loads(out) if q.get("root"))


class Sampler(threading.Thread):
    """The tbf's counters every 100 ms until stop()."""

    def __init__(self, lab):
        super().__init__(daemon=True)
        self.lab, self.samples, self.done = lab, [], threading.Event()

    def run(self):
        while not self.done.is_set():
            self.samples.append((time.monotonic(), self.lab.qdisc()))
            self.done.wait(SAMPLE_S)

    def stop(self):
        self.done.set()
        self.join()
        self.samples.append((time.monotonic(), self.lab.qdisc()))


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def scenario(lab, port, load, rate_bits):
    """Runs `load` (a command in the client namespace, or None for idle) beside the probe."""
    probe = subprocess.Popen(lab.in_client(sys.executable, "-c", PROBE, SERVER, str(port)),
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    time.sleep(0.5)  # the probe's connection is open before the load starts
    sampler = Sampler(lab)
    sampler.start()
    started = time.monotonic()
    if load:
        done = subprocess.run(lab.in_client(*load), stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, timeout=300)
        if done.returncode != 0:
            raise SystemExit(f"{load[0]} failed ({done.returncode}): {done.stderr}")
    else:
        time.sleep(IDLE_S)
    elapsed = time.monotonic() - started
    sampler.stop()
    out, _ = probe.communicate("stop\n", timeout=60)
    latencies = json.loads(out)
    first, last = sampler.samples[0][1], sampler.samples[-1][1]
    sent = last["bytes"] - first["bytes"]
    after_first_s = next((s for t, s in sampler.samples if t - started >= 1.0), last)
    return {
        "link used %": 100.0 * sent * 8 / (rate_bits * elapsed),
        "drops": last["drops"] - first["drops"],
        "drops after 1 s": last["drops"] - after_first_s["drops"],
        "packets": last["packets"] - first["packets"],
        "peak backlog KB": max(s["backlog"] for _, s in sampler.samples) / 1000,
        "probe p50 ms": statistics.median(latencies) if latencies else 0.0,
        "probe p99 ms": percentile(latencies, 0.99),
        "probes": len(latencies),
        "seconds": elapsed,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sluice", default="build/release/tools/sluice/sluice")
    parser.add_argument("--rate-mbit", type=float, default=20)
    parser.add_argument("--queue-ms", type=float, default=100)
    parser.add_argument("--files", type=int, default=15)
    parser.add_argument("-c", type=int, default=50)
    parser.add_argument("--only", default="",
                        help="comma-separated words; runs the scenarios whose name has one")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("link_bench needs root (ip netns, tc)")
    sluice = os.path.abspath(args.sluice)
    rate_bits = int(args.rate_mbit * 1e6)
    queue_bytes = int(rate_bits / 8 * args.queue_ms / 1000)
    with Lab(rate_bits, queue_bytes) as lab:
        serve = subprocess.Popen(lab.in_server(sluice, "serve", "--listen", SERVER + ":0"),
                                 stdout=subprocess.PIPE, text=True)
        try:
            port = int(serve.stdout.readline().strip().rsplit(":", 1)[1])
            urls = [f"http://{SERVER}:{port}/bytes/{BODY}?n={i}" for i in range(args.files)]
            loads = {
                "idle": None,
                f"sluice -c {args.c}": [sluice, "-q", "-c", str(args.c), *urls],
                "sluice --max-bandwidth 92 %": [
                    sluice, "-q", "-c", str(args.c), "--max-bandwidth",
                    str(int(rate_bits / 8 * 0.92)), *urls],
                "sluice --max-bandwidth auto": [
                    sluice, "-q", "-c", str(args.c), "--max-bandwidth", "auto", *urls],
            }
            curl = shutil.which("curl")
            if curl:
                loads[f"curl --parallel-max {args.c}"] = [
                    curl, "-s", "--parallel", "--parallel-max", str(args.c),
                    *[part for url in urls for part in (url, "-o", "/dev/null")]]
            if args.only:
                words = args.only.split(",")
                loads = {n: l for n, l in loads.items() if any(w in n for w in words)}
            rows = []
            for name, load in loads.items():
                log(f"{name} ...")
                rows.append((name, scenario(lab, port, load, rate_bits)))
        finally:
            serve.terminate()
            serve.wait(timeout=10)
    print(f"{args.rate_mbit:g} Mbit/s, {args.queue_ms:g} ms of queue ({queue_bytes} bytes), "
          f"{args.files} x 1 MiB\n")
    print("| load | link used | drops (after 1 s) | peak backlog | probe p50 / p99 |")
    print("|---|---:|---:|---:|---:|")
    for name, r in rows:
        used = "" if name == "idle" else f"{r['link used %']:.1f} %"
        print(f"| {name} | {used} | {r['drops']:,} ({r['drops after 1 s']:,}) | "
              f"{r['peak backlog KB']:.0f} KB | "
              f"{r['probe p50 ms']:.1f} / {r['probe p99 ms']:.1f} ms |")


if __name__ == "__main__":
    main()
