"""Fixtures for the Python module's tests: `sluice serve` on a free loopback port.

The server binary is $SLUICE_BIN, or the first built one under build/ (dev, then release).
"""
import json
import os
import signal
import subprocess
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# A shell's background job (`pytest ... &` with job control off, as in a script) starts with
# SIGINT ignored, and Python then leaves it ignored: the Ctrl-C tests' signal was lost and
# their run never stopped. The tests need Python's own handler, as in a terminal.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def sluice_binary() -> str:
    if os.environ.get("SLUICE_BIN"):
        return os.environ["SLUICE_BIN"]
    for preset in ("dev", "release"):
        candidate = ROOT / "build" / preset / "tools" / "sluice" / "sluice"
        if candidate.exists():
            return str(candidate)
    pytest.exit("no sluice binary: set SLUICE_BIN or build the dev preset", returncode=2)


class Server:
    def __init__(self) -> None:
        self.process = subprocess.Popen([sluice_binary(), "serve", "--port", "0"],
                                        stdout=subprocess.PIPE, text=True)
        first = self.process.stdout.readline().strip()
        if not first.startswith("listening on "):
            self.process.kill()
            raise RuntimeError(f"server did not start: {first!r}")
        self.base = first.removeprefix("listening on ")

    def url(self, path: str) -> str:
        return self.base + path

    def stats(self) -> dict:
        """What the server saw; /_stats does not count itself."""
        with urllib.request.urlopen(self.url("/_stats"), timeout=10) as answer:
            return json.load(answer)

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def server():
    running = Server()
    yield running
    running.close()
