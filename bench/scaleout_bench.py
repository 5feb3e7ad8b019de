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
Prints a Markdown table on standard output and progress on standard error.
Usage: bench/scaleout_bench.py [--sluice build/release/tools/sluice/sluice] [--urls N]
       [--workers 1,2,4]
"""
import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

CONCURRENCY = 50
LATENCY = "50ms"


def log(text):
    print(text, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`sluice serve --port 0 --latency 50ms`, stopped on leaving the with block."""

    def __init__(self, sluice):
        self.process = subprocess.Popen([sluice, "serve", "--port", "0", "--latency", LATENCY,
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

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.process.kill()
        self.process.wait(timeout=10)


def run(sluice, urls, workers):
    with tempfile.TemporaryDirectory() as folder, Redis(folder) as redis, Server(sluice) as server:
        before = redis.counters()
        source = f"{server.base}/todos/{{1..{urls}}}"
        subprocess.run([sluice, "submit", "--redis", redis.url, "--job", "bench", source],
                       check=True, capture_output=True)
        started = time.monotonic()
        processes = [subprocess.Popen([sluice, "worker", "--redis", redis.url, "--job", "bench",
                                       "-c", str(CONCURRENCY), "-q", "--consumer", f"w{i}"])
                     for i in range(workers)]
        for process in processes:
            if process.wait(timeout=600) != 0:
                raise SystemExit(f"a worker exited with {process.returncode}")
        wall = time.monotonic() - started
        after = redis.counters()
        done = int(redis.cli("XLEN", "sluice:{bench}:results"))
        if done != urls:
            raise SystemExit(f"{done} records for {urls} URLs")
        stats = server.stats()

        def per_url(key):
            return (after[key] - before[key]) / urls

        return {
            "workers": workers,
            "wall_s": wall,
            "urls_per_s": urls / wall,
            "peak_in_flight": stats["peak_in_flight"],
            "commands_per_url": per_url("total_commands_processed"),
            "bytes_in_per_url": per_url("total_net_input_bytes"),
            "bytes_out_per_url": per_url("total_net_output_bytes"),
        }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sluice", default="build/release/tools/sluice/sluice")
    parser.add_argument("--urls", type=int, default=20000)
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args()
    rows = []
    for workers in (int(text) for text in args.workers.split(",")):
        log(f"{workers} worker(s), {args.urls} URLs ...")
        rows.append(run(args.sluice, args.urls, workers))
    print(f"{args.urls} URLs, `sluice serve --latency {LATENCY}`, -c {CONCURRENCY} per worker\n")
    print("| workers | wall s | URLs/s | ideal URLs/s | server's peak in flight | Redis commands/URL "
          "| bytes in/URL | bytes out/URL |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        ideal = row["workers"] * CONCURRENCY / 0.050
        print(f"| {row['workers']} | {row['wall_s']:.1f} | {row['urls_per_s']:.0f} | {ideal:.0f} "
              f"| {row['peak_in_flight']} | {row['commands_per_url']:.2f} "
              f"| {row['bytes_in_per_url']:.0f} | {row['bytes_out_per_url']:.0f} |")


if __name__ == "__main__":
    main()
