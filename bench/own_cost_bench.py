#!/usr/bin/env python3
"""Counts the user-space instructions sluice spends per request, beside two minimal libcurl
loops on the same list, server and number of transfers: bench/bare_multi_loop.cpp
(curl_multi_perform and curl_multi_poll) and bench/bare_socket_loop.cpp (the socket-action
API on epoll, as sluice's event loop drives libcurl), the latter also with the libcurl options
of sluice's defaults (user agent, timeouts, proxy, ...), so that what is left above it is
sluice's; --socket-options names a subset instead, to see what one option costs libcurl.

Each client runs under `valgrind --tool=callgrind` (the server runs natively) on N1 and on
N2 URLs; (instructions(N2) - instructions(N1)) / (N2 - N1) is the cost per request with
start-up and shutdown subtracted. Instruction counts, not times, so the numbers repeat on a
loaded machine. Servers: `sluice serve`, and nginx when it is installed (started here on a
free port with a generated config, keep-alive on).
Usage: bench/own_cost_bench.py [--sluice build/release/tools/sluice/sluice]
       [--bare build/release/bench/bare_multi_loop]
       [--bare-socket build/release/bench/bare_socket_loop] [--counts 2000,4000] [-c 50]
       [--servers sluice,nginx] [--repeat 3] [--keep DIR]  (DIR keeps the callgrind.out files)
       [--sluice-flags='--stall-timeout 0']  (further sluice options)
       [--socket-options user-agent]  (the third floor's libcurl options; default: sluice)
       [--tools curl,wget2]  (other fetchers counted the same way, those installed)
The event loops' wake-ups depend on timing, so counts move by a few per cent from run to run:
each figure is the median of --repeat runs.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

from fetch_bench import Server
from nginx_server import NginxServer


class SluiceServer(Server):
    """fetch_bench's test server, made the way make_server() makes every server."""
    name = "sluice serve"

    def __init__(self, sluice, workdir):
        super().__init__(sluice)


def instructions(command, out_file):
    """Runs command under callgrind; returns the instructions it executed (all threads)."""
    result = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}",
                             *command], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    if result.returncode != 0:
        raise SystemExit(f"{command[0]} failed ({result.returncode}):\n{result.stderr[-2000:]}")
    with open(out_file) as profile:
        for line in profile:
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise SystemExit(f"no totals in {out_file}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sluice", default="build/release/tools/sluice/sluice")
    parser.add_argument("--bare", default="build/release/bench/bare_multi_loop")
    parser.add_argument("--bare-socket", default="build/release/bench/bare_socket_loop")
    parser.add_argument("--counts", default="2000,4000")
    parser.add_argument("-c", type=int, default=50)
    parser.add_argument("--servers", default="sluice,nginx")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", help="a directory for the callgrind.out files")
    parser.add_argument("--socket-options", default="sluice",
                        help="the libcurl options of the third floor, e.g. user-agent,low-speed "
                             "(bench/bare_socket_loop.cpp lists them)")
    parser.add_argument("--tools", default="curl,wget2",
                        help="other fetchers to count beside sluice, those installed; '' for none")
    parser.add_argument("--sluice-flags", default="",
                        help="further sluice options, space-separated, e.g. '--stall-timeout 0'")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed")
    low, high = (int(n) for n in args.counts.split(","))
    sluice = os.path.abspath(args.sluice)
    bare = os.path.abspath(args.bare)
    bare_socket = os.path.abspath(args.bare_socket)
    servers = []
    for name in args.servers.split(","):
        if name == "sluice":
            servers.append((SluiceServer, sluice))
        elif name == "nginx" and shutil.which("nginx"):
            servers.append((NginxServer, shutil.which("nginx")))
        elif name == "nginx":
            print("nginx is not installed: skipped", file=sys.stderr)
    with_options = f"socket loop, options {args.socket_options}"
    clients = {
        "sluice": lambda urls, glob: [sluice, "-q", "-c", str(args.c),
                                      *args.sluice_flags.split(), "@" + urls],
        "bare multi loop": lambda urls, glob: [bare, urls, str(args.c)],
        "bare socket loop": lambda urls, glob: [bare_socket, urls, str(args.c)],
        with_options: lambda urls, glob: [bare_socket, urls, str(args.c), args.socket_options],
    }
    # The same commands as bench/fetch_bench.py's case (c); curl takes the list as a URL glob.
    tools = {name: shutil.which(name) for name in args.tools.split(",") if name}
    if tools.get("curl"):
        clients["curl --parallel"] = lambda urls, glob: [
            tools["curl"], "-s", "--parallel", "--parallel-immediate", "--parallel-max",
            str(args.c), "-o", "/dev/null", glob]
    if tools.get("wget2"):
        clients["wget2"] = lambda urls, glob: [
            tools["wget2"], "-q", "--config=/dev/null", "--max-threads", str(args.c), "-i", urls,
            "-O", "/dev/null"]
    with tempfile.TemporaryDirectory() as workdir:
        keep = args.keep or workdir
        os.makedirs(keep, exist_ok=True)
        for make_server, program in servers:
            server = make_server(program, workdir)
            try:
                per_request = {}
                for client, command in clients.items():
                    counts = {}
                    for n in (low, high):
                        urls = os.path.join(workdir, f"list-{n}.txt")
                        with open(urls, "w") as out:
                            out.writelines(f"{server.base}/todos/{i}\n" for i in range(1, n + 1))
                        tag = f"{server.name.split()[0]}-{re.sub(r'[^a-z]+', '_', client)}-{n}"
                        counts[n] = statistics.median(
                            instructions(command(urls, f"{server.base}/todos/[1-{n}]"),
                                         os.path.join(keep, f"callgrind.out.{tag}-{run}"))
                            for run in range(args.repeat))
                    per_request[client] = (counts[high] - counts[low]) / (high - low)
                    print(f"{server.name:13} {client:33} {low:>6} URLs {counts[low]:>14,.0f} instr"
                          f"  {high:>6} URLs {counts[high]:>14,.0f} instr"
                          f"  per request {per_request[client]:>9,.0f}", flush=True)
                for floor in ("bare multi loop", "bare socket loop", with_options):
                    ratio = per_request["sluice"] / per_request[floor]
                    print(f"{server.name:13} sluice / {floor}: {ratio:.2f}x  (c={args.c}, "
                          f"median of {args.repeat})", flush=True)
                for tool in ("curl --parallel", "wget2"):
                    if tool in per_request:
                        ratio = per_request[tool] / per_request["bare multi loop"]
                        print(f"{server.name:13} {tool} / bare multi loop: {ratio:.2f}x",
                              flush=True)
            finally:
                server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
