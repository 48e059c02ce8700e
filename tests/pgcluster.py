"""A throw-away PostgreSQL cluster for the tests and the benchmark: ``initdb`` into a temporary
folder, ``pg_ctl start`` on a free loopback port with its socket in that folder, a fresh database
per test (``CREATE DATABASE … TEMPLATE template0``), ``pg_ctl stop`` and the folder removed at
the end.

PostgreSQL refuses to run as root: as root, the folder is given to the ``postgres`` user and the
server programs run as that user (``runuser``). The programs are looked for on the ``PATH``, then
where ``pg_config --bindir`` says, then in Debian's ``/usr/lib/postgresql/<version>/bin``.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

SERVER_PROGRAMS: Final = ("initdb", "pg_ctl")
DEBIAN_ROOT: Final = Path("/usr/lib/postgresql")
#: UTF-8, byte order (as DuckDB sorts), no waiting for the disk
INITDB_OPTIONS: Final = ("-E", "UTF8", "--locale=C", "--no-sync")
#: a test machine's cluster: no durability to pay for, it is thrown away
FAST_SETTINGS: Final = ("fsync=off", "full_page_writes=off", "synchronous_commit=off")


def bindir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``; None when PostgreSQL is not installed."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    config = shutil.which("pg_config")
    if config:
        out = subprocess.run([config, "--bindir"], capture_output=True, text=True, check=False).stdout.strip()
        if out and all((Path(out) / p).exists() for p in SERVER_PROGRAMS):
            return Path(out)
    versions = sorted(DEBIAN_ROOT.glob("*/bin"), key=lambda p: _version(p.parent.name), reverse=True)
    return next((p for p in versions if all((p / prog).exists() for prog in SERVER_PROGRAMS)), None)


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    """A running cluster: superuser ``postgres``, no password, on 127.0.0.1:``port``."""

    root: Path
    port: int
    bin: Path
    _names: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, prefix: str = "t") -> str:
        """A new empty database; its URL."""
        import psycopg

        name = f"{prefix}_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a database made by ``create_database`` (its remaining sessions are ended first)."""
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _as_server_user(command: list[str]) -> list[str]:
    """Run as ``postgres`` when we are root (PostgreSQL will not run as root)."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


def _give_to_server_user(path: Path) -> None:
    if os.geteuid() != 0:
        return
    user = pwd.getpwnam("postgres")
    for p in [path, *path.rglob("*")]:
        os.chown(p, user.pw_uid, user.pw_gid)


@contextmanager
def cluster(bin_dir: Path | None = None) -> Iterator[Cluster]:
    """Start a cluster in a temporary folder (as root, right under /tmp, which ``postgres`` can
    reach: pytest's own temporary folders are root's only); stop it and remove the folder
    afterwards."""
    found = bin_dir or bindir()
    if found is None:
        raise FileNotFoundError("PostgreSQL's initdb and pg_ctl are not installed")
    root = Path(tempfile.mkdtemp(prefix="pmo-pg-", dir="/tmp" if os.geteuid() == 0 else None))
    data, sockets = root / "data", root / "sock"
    sockets.mkdir()
    _give_to_server_user(root)
    try:
        subprocess.run(
            _as_server_user(
                [str(found / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", *INITDB_OPTIONS]
            ),
            check=True,
            capture_output=True,
        )
        port = _start(found, root, data, sockets)
        yield Cluster(root, port, found)
        subprocess.run(
            _as_server_user([str(found / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
            check=False,
            capture_output=True,
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _start(found: Path, root: Path, data: Path, sockets: Path) -> int:
    """``pg_ctl start`` on a free port; tried again on another port if one was taken meanwhile."""
    settings = " ".join(f"-c {s}" for s in FAST_SETTINGS)
    last = ""
    for _ in range(5):
        port = free_port()
        options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 {settings}"
        done = subprocess.run(
            _as_server_user(
                [str(found / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "server.log"), "-w", "start"]
            ),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode == 0:
            return port
        last = done.stdout + done.stderr + _tail(root / "server.log")
        time.sleep(0.2)
    raise RuntimeError(f"PostgreSQL did not start: {last}")


def _tail(path: Path) -> str:
    try:
        return path.read_text()[-2000:]
    except OSError:
        return ""
