"""The example of several servers behind a proxy (deploy/) is well-formed: the script parses, the
proxies accept their configuration, systemd accepts the unit, and the bench's pure parts hold.
Nothing here starts a server."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from bench import bench_load

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"


def test_the_script_parses() -> None:
    script = DEPLOY / "run-local.sh"
    assert script.stat().st_mode & 0o111, "run-local.sh is not executable"
    done = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy is not installed")
def test_haproxy_accepts_its_configuration() -> None:
    done = subprocess.run(
        ["haproxy", "-c", "-f", str(DEPLOY / "haproxy.cfg")], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_haproxy_keeps_a_browser_on_its_server() -> None:
    text = (DEPLOY / "haproxy.cfg").read_text()
    assert "cookie SRV insert indirect nocache" in text
    assert "timeout tunnel" in text  # the websocket outlives the plain HTTP timeouts
    for port in (8601, 8602, 8603):
        assert f"127.0.0.1:{port} check cookie" in text


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_nginx_accepts_its_configuration(tmp_path: Path) -> None:
    done = subprocess.run(
        ["nginx", "-t", "-p", f"{tmp_path}/", "-c", str(DEPLOY / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    # an instance of the template, as systemctl would start it
    unit = tmp_path / "pmo-dashboard@8601.service"
    unit.write_text((DEPLOY / "systemd" / "pmo-dashboard@.service").read_text())
    done = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    # the checkout is not installed in /opt/pmo on this machine: only that may be reported
    problems = [
        line
        for line in (done.stdout + done.stderr).splitlines()
        if line.strip() and "/opt/pmo/.venv/bin/python is not executable" not in line
    ]
    assert problems == []


def test_the_ramp_of_sessions() -> None:
    assert bench_load.levels(16, 4) == [1, 2, 4, 8, 12, 16]
    assert bench_load.levels(10, 4) == [1, 2, 4, 8, 10]
    assert bench_load.levels(3, 4) == [1, 2, 3]


def test_sessions_held_is_the_last_level_under_a_second_from_the_start() -> None:
    def level(n: int, times: list[float], failed: int = 0) -> bench_load.Level:
        return bench_load.Level(n, times, times, times, failed, [], 0.0, 0.0, 0.0, 0.0, 0.0, "")

    fast, slow = [0.3] * 9 + [0.9], [0.3] * 8 + [1.2, 1.5]
    assert bench_load.p90(slow) == 1.2
    assert bench_load.held([level(1, fast), level(2, fast), level(4, slow), level(8, fast)]) == 2
    assert bench_load.held([level(1, fast), level(2, fast, failed=1)]) == 1
    assert bench_load.held([level(1, slow)]) == 0
