#!/usr/bin/env python3
"""Scale-out on Redis Streams: 1, 2 and 4 `sluice worker`s, -c 50 each, against one fresh
`sluice serve --latency 50ms` per run and one local redis-server (no persistence).

For each worker count it measures the wall time from the workers' start to the last exit,
URLs per second, the server's peak in flight (it should reach 50 x workers), and Redis's
own counters over the run: commands and network bytes per URL, the submit included (its
XADDs are part of the job's cost). Redis counts the commands a script runs as well as the
script call itself: a record is EVALSHA + XACK + XADD, three commands in one call. Round
trips are far fewer, as submit and the record writer pipeline up to 1000 and 500 commands. All processes share this machine's cores, so the throughput measures how the
design scales here, not what N machines would reach.

--latency 0ms measures the acknowledgements' side instead: with answers at once, the
workers push records through Redis as fast as they and Redis can, so URLs per second is
what one Redis carries for N workers on this box (records written and entries acknowledged
per second). Besides Redis's commands per URL it then reports, for the workers' phase only
(submit left out), Redis's read events per URL (INFO stats' total_reads_processed: each is
one batch of commands a client sent, so about one round trip) and each command's calls per
URL (INFO commandstats), and Redis's own CPU time per URL (INFO cpu), whose inverse is
the URLs per second one Redis core would carry were it not sharing the box. The load average is printed with the table: the numbers move with
whatever else this machine runs.
Prints a Markdown table on standard output and progress on standard error.
Usage: bench/scaleout_bench.py [--sluice build/release/tools/sluice/sluice] [--urls N]
       [--workers 1,2,4] [--latency 50ms] [--concurrency 50]
"""
import os
import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request



def log(text):
    print(text, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`sluice serve --port 0 --latency L`, stopped on leaving the with block."""

    def __init__(self, sluice, latency):
        self.process = subprocess.Popen([sluice, "serve", "--port", "0", "--latency", latency,
                                         "--threads", "2"], stdout=subprocess.PIPE, text=True)
        first = self.process.stdout.readline().strip()
        if not first.startswith("listening on "):
            self.process.kill()
            raise SystemExit(f"server did not start: {first!r}")
        self.base = first.removeprefix("listening on ")

    def stats(self):
        with urllib.request.urlopen(self.base + "/_stats", timeout=10) as answer:
            return json.load(answer)

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.process.terminate()
        self.process.wait(timeout=10)


class Redis:
    """A redis-server on a free port with no persistence, killed on leaving the block."""

    def __init__(self, folder):
        self.port = free_port()
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", folder, "--logfile", f"{folder}/redis.log"])
        for _ in range(200):
            if self.cli("PING") == "PONG":
                return
            time.sleep(0.05)
        raise SystemExit("redis-server does not answer")

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}"

    def cli(self, *args):
        done = subprocess.run(["redis-cli", "-p", str(self.port), "--raw", *args],
                              capture_output=True, text=True)
        return done.stdout.strip()

    def counters(self):
        info = {}
        for line in self.cli("INFO", "stats").splitlines():
            key, _, value = line.partition(":")
            if value.strip().isdigit():
                info[key] = int(value)
        return info

    def cpu_seconds(self):
        """The CPU time redis-server has used, user and system (INFO cpu)."""
        fields = dict(line.split(":", 1) for line in self.cli("INFO", "cpu").splitlines()
                      if ":" in line)
        return float(fields["used_cpu_user"]) + float(fields["used_cpu_sys"])

    def command_calls(self):
        """Calls per command so far (INFO commandstats), the commands scripts run included."""
        calls = {}
        for line in self.cli("INFO", "commandstats").splitlines():
            if line.startswith("cmdstat_"):
                name, _, fields = line.removeprefix("cmdstat_").partition(":")
                calls[name] = int(fields.split(",")[0].removeprefix("calls="))
        return calls

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.process.kill()
        self.process.wait(timeout=10)


def run(sluice, urls, workers, latency, concurrency):
    with tempfile.TemporaryDirectory() as folder, Redis(folder) as redis, \
            Server(sluice, latency) as server:
        before = redis.counters()
        source = f"{server.base}/todos/{{1..{urls}}}"
        subprocess.run([sluice, "submit", "--redis", redis.url, "--job", "bench", source],
                       check=True, capture_output=True)
        submitted = redis.counters()
        calls_before = redis.command_calls()
        cpu_before = redis.cpu_seconds()
        started = time.monotonic()
        processes = [subprocess.Popen([sluice, "worker", "--redis", redis.url, "--job", "bench",
                                       "-c", str(concurrency), "-q", "--consumer", f"w{i}"])
                     for i in range(workers)]
        for process in processes:
            if process.wait(timeout=600) != 0:
                raise SystemExit(f"a worker exited with {process.returncode}")
        wall = time.monotonic() - started
        after = redis.counters()
        calls_after = redis.command_calls()
        cpu_after = redis.cpu_seconds()
        done = int(redis.cli("XLEN", "sluice:{bench}:results"))
        if done != urls:
            raise SystemExit(f"{done} records for {urls} URLs")
        stats = server.stats()

        def per_url(key, since=before):
            return (after[key] - since[key]) / urls

        worker_calls = {name: (count - calls_before.get(name, 0)) / urls
                        for name, count in calls_after.items()
                        if count > calls_before.get(name, 0) and name not in ("info",)}

        return {
            "workers": workers,
            "wall_s": wall,
            "urls_per_s": urls / wall,
            "peak_in_flight": stats["peak_in_flight"],
            "commands_per_url": per_url("total_commands_processed"),
            "bytes_in_per_url": per_url("total_net_input_bytes"),
            "bytes_out_per_url": per_url("total_net_output_bytes"),
            "worker_commands_per_url": per_url("total_commands_processed", submitted),
            "worker_reads_per_url": per_url("total_reads_processed", submitted),
            "worker_calls_per_url": worker_calls,
            "redis_cpu_us_per_url": (cpu_after - cpu_before) * 1e6 / urls,
        }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sluice", default="build/release/tools/sluice/sluice")
    parser.add_argument("--urls", type=int, default=20000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--latency", default="50ms", help="the server's answer delay")
    parser.add_argument("--concurrency", type=int, default=50, help="-c of each worker")
    args = parser.parse_args()
    rows = []
    for workers in (int(text) for text in args.workers.split(",")):
        log(f"{workers} worker(s), {args.urls} URLs ...")
        rows.append(run(args.sluice, args.urls, workers, args.latency, args.concurrency))
    latency_s = float(args.latency.removesuffix("ms")) / 1000
    print(f"{args.urls} URLs, `sluice serve --latency {args.latency}`, -c {args.concurrency} per "
          f"worker; load average {os.getloadavg()[0]:.1f} (1 min) at the end\n")
    print("| workers | wall s | URLs/s | ideal URLs/s | server's peak in flight | Redis commands/URL "
          "| bytes in/URL | bytes out/URL | workers' commands/URL | workers' round trips/URL "
          "| Redis CPU µs/URL | URLs/s one Redis core carries |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        ideal = (f"{row['workers'] * args.concurrency / latency_s:.0f}" if latency_s > 0
                 else "-")
        print(f"| {row['workers']} | {row['wall_s']:.1f} | {row['urls_per_s']:.0f} | {ideal} "
              f"| {row['peak_in_flight']} | {row['commands_per_url']:.2f} "
              f"| {row['bytes_in_per_url']:.0f} | {row['bytes_out_per_url']:.0f} "
              f"| {row['worker_commands_per_url']:.2f} | {row['worker_reads_per_url']:.3f} "
              f"| {row['redis_cpu_us_per_url']:.1f} | {1e6 / row['redis_cpu_us_per_url']:.0f} |")
    print("\nCalls per URL of each command in the workers' phase (INFO commandstats):\n")
    names = sorted({name for row in rows for name in row["worker_calls_per_url"]})
    print("| workers | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for row in rows:
        calls = row["worker_calls_per_url"]
        print(f"| {row['workers']} | " + " | ".join(f"{calls.get(name, 0):.3f}" for name in names)
              + " |")


if __name__ == "__main__":
    main()
