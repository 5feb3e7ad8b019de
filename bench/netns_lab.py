"""The link lab's two network namespaces for the bench/ scripts, as tests/support/netlab.hpp
builds them for the tests: a client and a server namespace joined by a veth pair (veth-c in
the client, veth-s in the server), each with its loopback up. A script subclasses NetnsLab
and adds what its lab needs (a tbf on veth-s, a DNS server) in setup() and teardown().
Both namespaces are deleted on leaving the with block, also when setting up fails.
"""
import os
import subprocess

SERVER = "10.213.0.1"
CLIENT = "10.213.0.100"


def run(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class NetnsLab:
    def __init__(self, prefix):
        name = f"{prefix}-{os.getpid()}"
        self.client, self.server = name + "-c", name + "-s"

    def setup(self):
        """What a lab adds to the bare link; runs inside the namespaces' lifetime."""

    def teardown(self):
        """Undoes setup(), also after a setup that failed half-way."""

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
            self.setup()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *_):
        self.teardown()
        for space in (self.client, self.server):
            subprocess.run(["ip", "netns", "delete", space], stderr=subprocess.DEVNULL)

    def in_client(self, *args):
        return ["ip", "netns", "exec", self.client, *args]

    def in_server(self, *args):
        return ["ip", "netns", "exec", self.server, *args]
