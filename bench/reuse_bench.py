#!/usr/bin/env python3
"""What reusing connections buys: the same list fetched with keep-alive and with a new
connection per request, by the fetchers that can do both, against `sluice serve` on loopback.

Prints requests/s, client and server CPU per request, the connections the server accepted
and the machine's load average over the last minute. curl has no switch that forbids
reuse (its --no-keepalive turns off TCP keep-alive probes, not HTTP's persistent
connections), so it sends `Connection: close`, which makes the server close each
connection after its answer.
Usage: bench/reuse_bench.py [--sluice build/release/tools/sluice/sluice] [--cases c] [--repeat 3]
"""
import argparse
import os
import resource
import shutil
import sys

from fetch_bench import aria2c_command, cases, curl_command, run_against_own_server, tmpfs_dir


def variants(curl, aria2c, sluice):
    """(tool, reuse, build_command) for every tool installed; sluice always reuses."""
    found = [("sluice", "yes", lambda case, base, url_list, workdir, body_dir: [
        sluice, "-q", "-c", str(case.c), f"@{url_list}"])]
    if curl:
        found += [
            ("curl --parallel", "yes", lambda case, base, url_list, workdir, body_dir:
             curl_command(curl, case, base, url_list, workdir)),
            ("curl --parallel", "no", lambda case, base, url_list, workdir, body_dir:
             curl_command(curl, case, base, url_list, workdir) + ["-H", "Connection: close"]),
        ]
    if aria2c:
        found += [
            ("aria2c", "yes", lambda case, base, url_list, workdir, body_dir:
             aria2c_command(aria2c, case, url_list, body_dir, [])),
            ("aria2c", "no", lambda case, base, url_list, workdir, body_dir:
             aria2c_command(aria2c, case, url_list, body_dir,
                            ["--enable-http-keep-alive=false"])),
        ]
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sluice", default="build/release/tools/sluice/sluice")
    parser.add_argument("--cases", default="c", help="fetch_bench's cases, e.g. a,c")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)
    sluice = os.path.abspath(args.sluice)
    table = cases()
    for key in args.cases.split(","):
        case = table[key]
        n = len(case.latencies)
        for tool, reuse, build in variants(shutil.which("curl"), shutil.which("aria2c"), sluice):
            for _ in range(args.repeat):
                run = run_against_own_server(
                    sluice, case, lambda *paths: build(case, *paths), tmpfs_dir())
                print(f"{key}  {case.title:32} {tool:16} reuse {reuse:3}  wall {run.wall:7.3f} s"
                      f"  {n / run.wall:8.0f} req/s  client cpu {run.cpu / n * 1e6:6.1f} us/req"
                      f"  server cpu {run.server_cpu / n * 1e6:6.1f} us/req"
                      f"  requests {run.stats['requests']:6}  connections {run.connections:6}"
                      f"  exit {run.code}  load {os.getloadavg()[0]:5.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
