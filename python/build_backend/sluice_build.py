"""The PEP 517 build backend of `pip install .`: builds sluice._sluice through the CMake
project and writes the wheel itself.

Why not setuptools: setuptools before 70.1 needs the `wheel` package to make a wheel, and
neither pyenv's Python nor a fresh venv has it; offline nothing can fetch it. This backend
needs only the standard library, so `python3 -m pip install .` works for whichever python3
runs it, with or without --no-build-isolation. CMake, a C++ compiler, pybind11-dev and the
library's own dependencies come from Debian (.ci/setup).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "python" / "sluice"
SUMMARY = "Bulk URL fetcher: the sluice C++ engine (libcurl, bounded concurrency) from Python"


def _version() -> str:
    text = (ROOT / "CMakeLists.txt").read_text()
    found = re.search(r"project\(sluice VERSION ([0-9.]+)", text)
    if not found:
        raise RuntimeError("no 'project(sluice VERSION x.y.z' in CMakeLists.txt")
    return found.group(1)


def _wheel_tag() -> str:
    python = f"cp{sys.version_info.major}{sys.version_info.minor}"
    platform = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    return f"{python}-{python}-{platform}"


def _build_dir() -> Path:
    # One build tree per base interpreter: a venv shares its base's headers and ABI, while
    # another Python needs its own CMake cache (Python3_EXECUTABLE is cached there).
    key = hashlib.sha256(f"{sys.base_prefix}|{sysconfig.get_config_var('SOABI')}".encode()).hexdigest()
    return ROOT / "build" / f"python-{sys.implementation.cache_tag}-{key[:10]}"


def _build_extension() -> Path:
    build = _build_dir()
    configure = [
        "cmake", "-S", str(ROOT), "-B", str(build),
        "-DCMAKE_BUILD_TYPE=Release",
        "-DSLUICE_BUILD_PYTHON=ON",
        "-DSLUICE_BUILD_TESTS=OFF",
        f"-DPython3_EXECUTABLE={sys.executable}",
    ]
    if shutil.which("ninja"):
        configure += ["-G", "Ninja"]
    if shutil.which("ccache"):
        configure.append("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
    subprocess.run(configure, check=True)
    jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL") or str(os.cpu_count() or 1)
    subprocess.run(["cmake", "--build", str(build), "--target", "_sluice", "--parallel", jobs], check=True)
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    module = build / "python" / f"_sluice{suffix}"
    if not module.exists():
        raise RuntimeError(f"the build made no {module}")
    return module


def _metadata(version: str) -> str:
    readme = ROOT / "docs" / "python.md"
    lines = [
        "Metadata-Version: 2.1",
        "Name: sluice",
        f"Version: {version}",
        f"Summary: {SUMMARY}",
        "Requires-Python: >=3.9",
    ]
    if readme.exists():
        lines.append("Description-Content-Type: text/markdown")
        return "\n".join(lines) + "\n\n" + readme.read_text()
    return "\n".join(lines) + "\n"


class _Wheel:
    """A wheel being written: every file is added with its RECORD line."""

    def __init__(self, path: Path) -> None:
        self._zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED)
        self._records: list[str] = []

    def add(self, name: str, data: bytes) -> None:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
        info.external_attr = (0o755 if name.endswith(".so") else 0o644) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        self._zip.writestr(info, data)
        self._records.append(f"{name},sha256={digest},{len(data)}")

    def close(self, record_name: str) -> None:
        self._records.append(f"{record_name},,")
        self._zip.writestr(record_name, "\n".join(self._records) + "\n")
        self._zip.close()


# PEP 517 hooks.

def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    version = _version()
    tag = _wheel_tag()
    module = _build_extension()
    name = f"sluice-{version}-{tag}.whl"
    info = f"sluice-{version}.dist-info"
    wheel = _Wheel(Path(wheel_directory) / name)
    for source in sorted(PACKAGE.glob("*.py")):
        wheel.add(f"sluice/{source.name}", source.read_bytes())
    wheel.add(f"sluice/{module.name}", module.read_bytes())
    wheel.add(f"{info}/METADATA", _metadata(version).encode())
    wheel.add(f"{info}/WHEEL", (
        "Wheel-Version: 1.0\n"
        "Generator: sluice_build\n"
        "Root-Is-Purelib: false\n"
        f"Tag: {tag}\n").encode())
    wheel.add(f"{info}/top_level.txt", b"sluice\n")
    wheel.close(f"{info}/RECORD")
    return name


def build_sdist(sdist_directory, config_settings=None):
    raise RuntimeError("sluice ships no sdist: install from the repository with `pip install .`")
