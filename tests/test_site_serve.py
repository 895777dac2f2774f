"""``runbookgen serve`` serves the site and rebuilds when a run file changes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from test_site_support import front_matter, make_repo, seed_body, write_run

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, needle: str, timeout: float = 90) -> str:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                last = r.read().decode("utf-8")
                if needle in last:
                    return last
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise AssertionError(f"{needle!r} not served at {url} within {timeout} s")


def test_serve_rebuilds_when_a_run_changes(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    run = write_run(root, "2026-12-01-v2.4.0.md", front_matter("v2.4.0", "2026-12-01"), seed_body())
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "runbookgen", "serve", "-a", f"127.0.0.1:{port}"],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    try:
        url = f"http://127.0.0.1:{port}/runs/production-deployment/2026-12-01-v2.4.0/"
        wait_for(url, "v2.4.0")
        time.sleep(1)
        run.write_text(
            run.read_text(encoding="utf-8").replace("lead: '@alice'", "lead: '@zoe-serve'"), encoding="utf-8"
        )
        wait_for(url, "@zoe-serve")
        (root / "content" / "production-deployment.md").write_text(
            seed_body().replace("# Production Deployment Checklist", "# Renamed Checklist Serve"),
            encoding="utf-8",
        )
        wait_for(f"http://127.0.0.1:{port}/production-deployment/", "Renamed Checklist Serve")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
