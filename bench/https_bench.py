#!/usr/bin/env python3
"""HTTPS and HTTP/2 at scale against nginx with TLS: for each client, the CPU it spends per
request (user + sys, from /usr/bin/time), its requests per second, and what nginx saw of the
run: the connections opened, the full TLS handshakes (connections whose session was not
resumed) and the protocol spoken.

nginx (Debian's nginx-light) is started here on a free port with a certificate from a CA made
here, as a production server is set up: TLS 1.2 and 1.3, a session cache, HTTP/2, and
connections kept for every request (keepalive_requests), so that a client's connections and
handshakes are its own doing. Every URL answers the same 22-byte JSON body.
Clients, those installed: sluice (the event loop, `--engine threads` as "sluice threads" and,
with --tools loops2, two event loops as "sluice --event-loops 2"),
curl --parallel, wget2 and aria2c (HTTP/1.1 only: it has no HTTP/2), each on the same list.
Cases: `tls`: --urls tiny URLs at -c 50 over HTTP/1.1 and over HTTP/2;
       `h2`: the same list at -c 100, HTTP/2 beside HTTP/1.1.
Usage: bench/https_bench.py [--sluice build/release/tools/sluice/sluice] [--urls 20000]
       [--cases tls,h2] [--tools sluice,threads,loops2,curl,wget2,aria2c] [--repeat 3]
Runs are interleaved (every client once, then every client again) and each figure is the
median of --repeat runs. Prints a Markdown table.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time

from fetch_bench import measured
from nginx_server import free_port, start_nginx

# What the TLS server adds to nginx_server.py's config: a log line per request saying its
# connection, whether its TLS session was resumed and its protocol; TLS 1.2 and 1.3 with a
# session cache, as a production server is set up.
TLS_HTTP = """\
  log_format seen '$connection $ssl_session_reused $server_protocol';
  access_log {dir}/access.log seen;
  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_session_cache shared:tls:10m;
  ssl_certificate {dir}/server.pem;
  ssl_certificate_key {dir}/server.key;"""


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def make_certificates(directory):
    """A CA (ca.pem) and a server certificate it signs for 127.0.0.1 (server.pem)."""
    at = lambda name: os.path.join(directory, name)
    with open(at("san.cnf"), "w") as out:
        out.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
            "/CN=bench ca", "-keyout", at("ca.key"), "-out", at("ca.pem"))
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=server", "-keyout",
            at("server.key"), "-out", at("server.csr"))
    openssl("x509", "-req", "-days", "2", "-in", at("server.csr"), "-CA", at("ca.pem"),
            "-CAkey", at("ca.key"), "-CAcreateserial", "-out", at("server.pem"), "-extfile",
            at("san.cnf"))


class TlsNginx:
    def __init__(self, nginx, workdir):
        self.dir = os.path.join(workdir, "nginx")
        os.makedirs(self.dir)
        make_certificates(self.dir)
        self.ca = os.path.join(self.dir, "ca.pem")
        self.log = os.path.join(self.dir, "access.log")
        port = free_port()
        self.base = f"https://127.0.0.1:{port}"
        self.process = start_nginx(nginx, self.dir, port, self.answers,
                                   http=TLS_HTTP.format(dir=self.dir), listen=" ssl http2")

    def answers(self):
        return subprocess.run(["curl", "-sf", "-o", "/dev/null", "--cacert", self.ca,
                               self.base + "/"]).returncode == 0

    def log_size(self):
        return os.path.getsize(self.log)

    def seen_since(self, offset, expected):
        """(requests, connections, full handshakes, protocols) of the log lines after offset.
        nginx writes a line as a request ends: wait, boundedly, for the last ones."""
        for _ in range(50):
            with open(self.log) as log:
                log.seek(offset)
                lines = log.read().splitlines()
            if len(lines) >= expected:
                break
            time.sleep(0.1)
        connections, full, protocols = set(), set(), {}
        for line in lines:
            connection, reused, protocol = line.split()
            connections.add(connection)
            if reused != "r":
                full.add(connection)
            protocols[protocol] = protocols.get(protocol, 0) + 1
        return len(lines), len(connections), len(full), protocols

    def close(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def clients(args, ca, workdir):
    """name -> function(url_list, c, http1) -> command, for the clients installed."""
    sluice = os.path.abspath(args.sluice)
    made = {}

    def sluice_command(engine, *flags):
        def command(url_list, c, http1):
            return [sluice, "-q", "--engine", engine, *flags, "-c", str(c), "--cacert", ca,
                    *(["--http1.1"] if http1 else []), "@" + url_list]
        return command

    def curl_command(url_list, c, http1):
        # Without --parallel-immediate curl waits for a connection's ALPN to multiplex on it,
        # as sluice does.
        config = os.path.join(workdir, "curl.cfg")
        with open(url_list) as src, open(config, "w") as out:
            for line in src:
                out.write(f'url = "{line.strip()}"\noutput = "/dev/null"\n')
        return ["curl", "-s", "--parallel", "--parallel-max", str(c), "--cacert", ca,
                *(["--http1.1"] if http1 else []), "-K", config]

    def wget2_command(url_list, c, http1):
        # Each of wget2's threads keeps its own connection; over HTTP/2 it sends up to
        # --http2-request-window (default 30) requests on it at once.
        return ["wget2", "-q", "--config=/dev/null", "--max-threads", str(c),
                "--ca-certificate", ca, "--no-http2" if http1 else "--http2", "-i", url_list,
                "-O", "/dev/null"]

    def aria2c_command(url_list, c, http1):
        # -j downloads at once, each over one connection (-x 1); every body lands in a
        # directory of its own run, named by its path's last segment.
        if not http1:
            return None
        bodies = tempfile.mkdtemp(dir=workdir)
        short_list = os.path.join(workdir, "aria2c-list.txt")
        with open(url_list) as src, open(short_list, "w") as out:
            out.writelines(line for _, line in zip(range(args.aria2c_urls), src))
        return ["aria2c", "-q", "-j", str(c), "-x", "1", "-d", bodies, "-i", short_list,
                "--ca-certificate", ca, "--file-allocation=none", "--summary-interval=0",
                "--console-log-level=error", "--allow-overwrite=true"]

    commands = {"curl": curl_command, "wget2": wget2_command, "aria2c": aria2c_command}
    for name in args.tools.split(","):
        if name == "sluice":
            made["sluice"] = sluice_command("loop")
        elif name == "threads":
            made["sluice threads"] = sluice_command("threads")
        elif name == "loops2":
            made["sluice --event-loops 2"] = sluice_command("loop", "--event-loops", "2")
        elif name in commands and shutil.which(name):
            made[name] = commands[name]
        elif name in commands:
            print(f"{name} is not installed: skipped")
    return made


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sluice", default="build/release/tools/sluice/sluice")
    parser.add_argument("--urls", type=int, default=20000)
    parser.add_argument("--cases", default="tls,h2")
    parser.add_argument("--tools", default="sluice,threads,curl,wget2,aria2c")
    parser.add_argument("--repeat", type=int, default=3)
    # aria2c starts about a hundred downloads a second here: it gets the list's head only.
    parser.add_argument("--aria2c-urls", type=int, default=2000)
    args = parser.parse_args()
    if shutil.which("nginx") is None:
        raise SystemExit("nginx is not installed (apt-get install nginx-light)")
    runs = []  # (case, c, protocol) in the order printed
    for case in args.cases.split(","):
        concurrency = {"tls": 50, "h2": 100}[case]
        runs += [(case, concurrency, "HTTP/1.1"), (case, concurrency, "HTTP/2")]
    with tempfile.TemporaryDirectory() as workdir:
        server = TlsNginx(shutil.which("nginx"), workdir)
        try:
            url_list = os.path.join(workdir, "list.txt")
            with open(url_list, "w") as out:
                out.writelines(f"{server.base}/todos/{i}\n" for i in range(args.urls))
            tools = clients(args, server.ca, workdir)
            print(f"{args.urls} URLs, one nginx worker with TLS; median of {args.repeat}\n")
            print("| case | client | asked | spoken | req/s | CPU µs/req | connections "
                  "| full handshakes |")
            print("|---|---|---|---|---:|---:|---:|---:|")
            for case, c, protocol in runs:
                samples = {name: [] for name in tools}
                for _ in range(args.repeat):
                    for name, make_command in tools.items():
                        command = make_command(url_list, c, protocol == "HTTP/1.1")
                        if command is None:
                            continue
                        urls = min(args.urls, args.aria2c_urls) if name == "aria2c" else args.urls
                        offset = server.log_size()
                        wall, cpu, _, code = measured(command)
                        seen = server.seen_since(offset, urls)
                        samples[name].append((wall, cpu, code, seen, urls))
                for name, taken in samples.items():
                    if not taken:
                        continue
                    wall = statistics.median(s[0] for s in taken)
                    cpu = statistics.median(s[1] for s in taken)
                    connections = statistics.median(s[3][1] for s in taken)
                    full = statistics.median(s[3][2] for s in taken)
                    spoken = "+".join(sorted(taken[-1][3][3]))
                    urls = taken[0][4]
                    failed = [s for s in taken if s[2] != 0 or s[3][0] != urls]
                    note = f" ({len(failed)} runs failed or lost requests)" if failed else ""
                    note += f" ({urls:,} URLs)" if urls != args.urls else ""
                    print(f"| {case} c={c} | {name}{note} | {protocol} | {spoken} "
                          f"| {urls / wall:,.0f} | {cpu / urls * 1e6:.0f} "
                          f"| {connections:g} | {full:g} |")
        finally:
            server.close()


if __name__ == "__main__":
    main()
