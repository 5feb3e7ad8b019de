#!/usr/bin/env python3
"""Threads vs event loop as c grows: 10 × c URLs at 1 s latency, c = 10 … 10,000.

Prints wall time over the bound (10 rounds of 1 s), CPU seconds, peak RSS and the
threads each engine runs (by construction: the loop engine uses its loop thread, the
input reader and the progress ticker; the thread engine adds c workers).
Usage: bench/engines_bench.py [--sluice build/release/tools/sluice/sluice] [--cs 10,100]
"""
import argparse
import resource
import sys

from fetch_bench import Server, measured


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sluice", default="build/release/tools/sluice/sluice")
    parser.add_argument("--cs", default="10,100,1000,10000")
    args = parser.parse_args()
    resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)
    server = Server(args.sluice)
    try:
        for c in (int(text) for text in args.cs.split(",")):
            n = 10 * c
            bound = 10.0
            for engine in ("loop", "threads"):
                wall, cpu, rss, code = measured(
                    [args.sluice, "-q", "--engine", engine, "-c", str(c), "--results",
                     "/dev/null", f"{server.base}/todos/{{1..{n}}}?delay=1s"])
                threads = 3 + (c if engine == "threads" else 0)
                print(f"c={c:<6} {engine:8} wall {wall:7.3f} s  wall/bound {wall / bound:5.3f}"
                      f"  cpu {cpu:6.2f} s  rss {rss:7.1f} MiB  threads {threads:6}"
                      f"  exit {code}", flush=True)
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
