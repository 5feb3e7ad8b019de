#!/usr/bin/env python3
"""A real link: what a bulk fetch does to the other traffic on the card.

Builds the link lab (as tests/support/netlab.hpp does): a client and a server network
namespace joined by a veth pair, with a tbf qdisc on the server -> client direction (the
link's rate and its queue; no netem here, so the round trip is the queue). `sluice serve
--listen` serves 1 MiB bodies in the server namespace. Per scenario, a probe in the client
namespace GETs a small answer every 20 ms on one kept-alive connection ("the other traffic
on the card"), while the load fetches 15 x 1 MiB; the tbf's counters are sampled every 50 ms
from outside both namespaces. Scenarios: idle (the probe alone), sluice -c 50, sluice
--max-bandwidth at 92 % of the link, sluice --max-bandwidth auto, curl --parallel
--parallel-max 50 (when curl is there); --only picks some by name.
Prints a Markdown table on standard output, progress on standard error. Needs root, `ip` and
`tc` (iproute2). Every address lives only inside the two namespaces, which are removed at
the end, also on failure.
--baseline PATH adds a row for another sluice binary under the same cap (e.g. the build before
a change), and --loads picks the rows (idle is always measured: the machine may be loaded).
`--samples-json FILE` keeps each load's queue over time for bench/link_plot.py.
Usage: sudo bench/link_bench.py [--sluice build/release/tools/sluice/sluice]
       [--rate-mbit 20] [--queue-ms 100] [--files 15] [-c 50] [--baseline PATH]
       [--loads c,cap,auto,baseline,curl,aria2c,wget2] [--repeat 3] [--probe-nice -10]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from netns_lab import SERVER, NetnsLab, run

BODY = 1 << 20
BURST = 32 * 1024
SAMPLE_S = 0.05
IDLE_S = 3.0
PROBE_EVERY_S = 0.02
LOAD_TIMEOUT_S = 300  # wget2 --max-threads 500 took longer on the 100 Mbit/s lab

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


class Lab(NetnsLab):
    """The lab with the link's rate and queue: a tbf on the server -> client side."""

    def __init__(self, rate_bits, queue_bytes):
        super().__init__("slb")
        self.rate_bits, self.queue_bytes = rate_bits, queue_bytes

    def setup(self):
        run("tc", "-n", self.server, "qdisc", "add", "dev", "veth-s", "root", "tbf",
            "rate", f"{self.rate_bits}bit", "burst", str(BURST), "limit", str(self.queue_bytes))

    def qdisc(self):
        out = subprocess.run(["tc", "-n", self.server, "-s", "-j", "qdisc", "show", "dev",
                              "veth-s"], check=True, capture_output=True, text=True).stdout
        return next(q for q in json.loads(out) if q.get("root"))


class Sampler(threading.Thread):
    """The tbf's counters every 50 ms until stop()."""

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


def scenario(lab, port, load, rate_bits, probe_nice=0):
    """Runs `load` (a command in the client namespace, or None for idle) beside the probe."""
    # A negative niceness keeps the probe's own scheduling out of its times on a loaded
    # machine, so that what remains is the link's queue.
    niced = ["nice", "-n", str(probe_nice)] if probe_nice else []
    probe = subprocess.Popen(lab.in_client(*niced, sys.executable, "-c", PROBE, SERVER, str(port)),
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    time.sleep(0.5)  # the probe's connection is open before the load starts
    sampler = Sampler(lab)
    sampler.start()
    started = time.monotonic()
    failed = None
    if load:
        try:
            done = subprocess.run(lab.in_client(*load), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True, timeout=LOAD_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            done = subprocess.CompletedProcess(load, "timeout", "", "")
        if done.returncode != 0:
            # A row, not the end of the run: peers do fail under many connections (curl's
            # 56 at c=500), and the other rows are still worth their minutes.
            failed = f"{os.path.basename(load[0])} exit {done.returncode}"
            log(f"{failed}: {done.stderr[-300:]}")
    else:
        time.sleep(IDLE_S)
    elapsed = time.monotonic() - started
    sampler.stop()
    out, _ = probe.communicate("stop\n", timeout=60)
    # A probe whose connection the server closed prints nothing: no times for that row.
    latencies = json.loads(out) if out.strip() else []
    first, last = sampler.samples[0][1], sampler.samples[-1][1]
    sent = last["bytes"] - first["bytes"]
    after_first_s = next((s for t, s in sampler.samples if t - started >= 1.0), last)
    return {
        "link used %": 100.0 * sent * 8 / (rate_bits * elapsed),
        "drops": last["drops"] - first["drops"],
        "drops after 1 s": last["drops"] - after_first_s["drops"],
        "packets": last["packets"] - first["packets"],
        "peak backlog KB": max(s["backlog"] for _, s in sampler.samples) / 1000,
        # What the fullest queue seen adds to a packet's trip: the link's share of the delay.
        "peak queue ms": max(s["backlog"] for _, s in sampler.samples) * 8 / rate_bits * 1000,
        "probe p50 ms": statistics.median(latencies) if latencies else 0.0,
        "probe p99 ms": percentile(latencies, 0.99),
        "probes": len(latencies),
        "failed": failed,
        "seconds": elapsed,
        # The queue over time, from the load's start: (seconds, backlog bytes).
        "backlog": [(round(at - started, 3), q["backlog"]) for at, q in sampler.samples],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sluice", default="build/release/tools/sluice/sluice")
    parser.add_argument("--rate-mbit", type=float, default=20)
    parser.add_argument("--queue-ms", type=float, default=100)
    parser.add_argument("--files", type=int, default=15)
    parser.add_argument("-c", type=int, default=50)
    parser.add_argument("--baseline", help="another sluice binary, run under the same cap")
    parser.add_argument("--loads", default="c,cap,auto,baseline,curl,aria2c,wget2",
                        help="rows beside idle: c (sluice -c), cap (--max-bandwidth 92 %%), "
                             "auto (--max-bandwidth auto), baseline, and the peers curl, "
                             "aria2c, wget2 (each when installed)")
    parser.add_argument("--probe-nice", type=int, default=0,
                        help="the probe's niceness (e.g. -10 on a loaded machine; needs root)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="measure every row this many times and print each row's median "
                             "run (by probe p99)")
    parser.add_argument("--samples-json",
                        help="also write each load's queue over time here, for bench/link_plot.py")
    args = parser.parse_args()
    wanted = set(args.loads.split(","))
    if os.geteuid() != 0:
        raise SystemExit("link_bench needs root (ip netns, tc)")
    sluice = os.path.abspath(args.sluice)
    rate_bits = int(args.rate_mbit * 1e6)
    queue_bytes = int(rate_bits / 8 * args.queue_ms / 1000)
    with Lab(rate_bits, queue_bytes) as lab, tempfile.TemporaryDirectory() as scratch:
        serve = subprocess.Popen(lab.in_server(sluice, "serve", "--listen", SERVER + ":0"),
                                 stdout=subprocess.PIPE, text=True)
        try:
            port = int(serve.stdout.readline().strip().rsplit(":", 1)[1])
            urls = [f"http://{SERVER}:{port}/bytes/{BODY}?n={i}" for i in range(args.files)]
            cap = str(int(rate_bits / 8 * 0.92))
            loads = {"idle": None}
            if "c" in wanted:
                loads[f"sluice -c {args.c}"] = [sluice, "-q", "-c", str(args.c), *urls]
            if "cap" in wanted:
                loads["sluice --max-bandwidth 92 %"] = [
                    sluice, "-q", "-c", str(args.c), "--max-bandwidth", cap, *urls]
            if "baseline" in wanted and args.baseline:
                loads["baseline --max-bandwidth 92 %"] = [
                    os.path.abspath(args.baseline), "-q", "-c", str(args.c), "--max-bandwidth",
                    cap, *urls]
            if "auto" in wanted:
                loads["sluice --max-bandwidth auto"] = [
                    sluice, "-q", "-c", str(args.c), "--max-bandwidth", "auto", *urls]
            curl = shutil.which("curl")
            if "curl" in wanted and curl:
                loads[f"curl --parallel-max {args.c}"] = [
                    curl, "-s", "--parallel", "--parallel-max", str(args.c),
                    *[part for url in urls for part in (url, "-o", "/dev/null")]]
            # The peers save into a scratch directory (neither writes many bodies to one
            # /dev/null); aria2c's -Z makes each URL its own download, not mirrors of one.
            aria2c = shutil.which("aria2c")
            if "aria2c" in wanted and aria2c:
                loads[f"aria2c -j {args.c}"] = [
                    aria2c, "-q", "-Z", "-j", str(args.c), "-d", scratch,
                    "--allow-overwrite=true", "--file-allocation=none", *urls]
            wget2 = shutil.which("wget2")
            if "wget2" in wanted and wget2:
                loads[f"wget2 --max-threads {args.c}"] = [
                    wget2, "-q", "--max-threads", str(args.c), "--robots=off", "-P",
                    scratch, *urls]
            runs = {name: [] for name in loads}
            for round_ in range(args.repeat):
                for name, load in loads.items():
                    log(f"{name} ({round_ + 1}/{args.repeat}) ...")
                    runs[name].append(scenario(lab, port, load, rate_bits, args.probe_nice))
            # The median run by the probe's p99, whole: its other columns come from that run.
            rows = [(name, sorted(r, key=lambda x: x["probe p99 ms"])[len(r) // 2])
                    for name, r in runs.items()]
        finally:
            serve.terminate()
            serve.wait(timeout=10)
    if args.samples_json:
        with open(args.samples_json, "w") as out:
            json.dump({"rate_mbit": args.rate_mbit, "queue_ms": args.queue_ms,
                       "loads": {name: r["backlog"] for name, r in rows}}, out)
    print(f"{args.rate_mbit:g} Mbit/s, {args.queue_ms:g} ms of queue ({queue_bytes} bytes), "
          f"{args.files} x 1 MiB\n")
    load = os.getloadavg()
    print(f"load average {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f}; median of {args.repeat} "
          f"run(s) by probe p99; probe niceness {args.probe_nice}\n")
    print("| load | link used | drops (after 1 s) | peak backlog (queue delay) | probe p50 / p99 |")
    print("|---|---:|---:|---:|---:|")
    for name, r in rows:
        used = "" if name == "idle" else f"{r['link used %']:.1f} %"
        if r["failed"]:
            name = f"{name} ({r['failed']})"
        print(f"| {name} | {used} | {r['drops']:,} ({r['drops after 1 s']:,}) | {r['peak backlog KB']:.0f} KB "
              f"({r['peak queue ms']:.1f} ms) | "
              f"{r['probe p50 ms']:.1f} / {r['probe p99 ms']:.1f} ms |")


if __name__ == "__main__":
    main()
