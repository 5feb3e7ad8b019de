#!/usr/bin/env python3
"""Does TCP_WINDOW_CLAMP hold a receiving socket's window on this kernel?

The question behind docs/link.md's "the ramp assumes answers come before the next start": a
transfer that waits for its answer offers its socket's whole window, and a clamp of two
segments would hold it small until the transfer may receive. Here a server sends 1 MiB to a
client that does not read, over loopback in a namespace of its own with an MTU of 1500 (so
segments are the size a real link carries); what the client holds unread is what its window
let in. Cases: no clamp; the clamp set before connect; set after connect, before the first
byte; then raised, and lowered again after a read. Prints one line per step. Needs root and
`ip`; the namespace is removed at the end, also on failure.
Usage: sudo bench/window_clamp_probe.py [--clamp 2896] [--rcvbuf 8192]
"""
import argparse
import fcntl
import os
import socket
import struct
import subprocess
import sys
import termios
import threading
import time

TCP_WINDOW_CLAMP = 10  # linux/tcp.h; not in Python's socket module
BODY = 1 << 20


def unread(sock):
    return struct.unpack("i", fcntl.ioctl(sock, termios.FIONREAD, b"\0\0\0\0"))[0]


def clamp_of(sock):
    return sock.getsockopt(socket.IPPROTO_TCP, TCP_WINDOW_CLAMP)


def sender(listener, delay):
    """Accepts one connection and writes BODY into it for up to 3 s, after `delay` s."""
    peer, _ = listener.accept()
    time.sleep(delay)
    peer.setblocking(False)
    sent, deadline = 0, time.monotonic() + 3
    try:
        while sent < BODY and time.monotonic() < deadline:
            try:
                sent += peer.send(b"x" * min(65536, BODY - sent))
            except BlockingIOError:
                time.sleep(0.01)
    except ConnectionResetError:
        pass  # the client closed with bytes unread: its case is over
    peer.close()


def case(name, clamp_before, clamp_after, rcvbuf, settle=0.5):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    # The data starts 0.3 s after the accept, so that a clamp set after connect comes first.
    threading.Thread(target=sender, args=(listener, 0.3), daemon=True).start()
    client = socket.socket()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    if clamp_before:
        client.setsockopt(socket.IPPROTO_TCP, TCP_WINDOW_CLAMP, clamp_before)
    client.connect(listener.getsockname())
    if clamp_after:
        client.setsockopt(socket.IPPROTO_TCP, TCP_WINDOW_CLAMP, clamp_after)
    time.sleep(settle)
    print(f"{name}: unread {unread(client)} B, clamp now {clamp_of(client)}")
    if clamp_before or clamp_after:
        small = clamp_before or clamp_after
        client.setsockopt(socket.IPPROTO_TCP, TCP_WINDOW_CLAMP, 4 * small)
        got = len(client.recv(BODY))
        time.sleep(settle)
        print(f"  raised to {4 * small}, read {got} B: unread {unread(client)} B")
        client.setsockopt(socket.IPPROTO_TCP, TCP_WINDOW_CLAMP, small)
        got = len(client.recv(BODY))
        time.sleep(settle)
        print(f"  lowered to {small}, read {got} B: unread {unread(client)} B, "
              f"clamp now {clamp_of(client)}")
    client.close()
    listener.close()


def probe(clamp, rcvbuf):
    print(f"kernel {os.uname().release}, SO_RCVBUF {rcvbuf}, MTU 1500")
    case("no clamp", 0, 0, rcvbuf)
    case(f"clamp {clamp} before connect", clamp, 0, rcvbuf)
    case(f"clamp {clamp} after connect", 0, clamp, rcvbuf)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clamp", type=int, default=2896, help="two 1448-byte segments")
    parser.add_argument("--rcvbuf", type=int, default=8192, help="the budget's least window")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        probe(args.clamp, args.rcvbuf)
        return 0
    namespace = f"sluice-clamp-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", namespace], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", namespace, "ip", "link", "set", "lo", "up",
                        "mtu", "1500"], check=True)
        return subprocess.run(["ip", "netns", "exec", namespace, sys.executable, __file__,
                               "--inside", "--clamp", str(args.clamp), "--rcvbuf",
                               str(args.rcvbuf)]).returncode
    finally:
        subprocess.run(["ip", "netns", "del", namespace], check=False)


if __name__ == "__main__":
    sys.exit(main())
