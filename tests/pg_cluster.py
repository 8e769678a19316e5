"""Throwaway PostgreSQL cluster for the test suite.

The suite must run against real PostgreSQL (exclusion constraints, btree_gist,
row locking) without depending on a system service being configured.  So we
``initdb`` a private cluster in a temporary directory, run it on a free
127.0.0.1 port with trust authentication and durability switched off (tests do
not need crash safety), and delete everything afterwards.

Set ``MUTUALISE_TEST_PG_URL`` to reuse an existing server instead (e.g. a CI
service container); ``MUTUALISE_PG_BINDIR`` picks the PostgreSQL binaries.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

MIN_MAJOR = 15
ENV_URL = "MUTUALISE_TEST_PG_URL"
ENV_BINDIR = "MUTUALISE_PG_BINDIR"
INITDB_ARGS = ("--auth=trust", "--username=postgres", "--encoding=UTF8", "--locale=C", "--no-sync")
# Trust auth on loopback only; durability off because the data is thrown away.
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "max_connections": 200,
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}


class PostgresUnavailable(RuntimeError):
    """No usable PostgreSQL >= 15 could be found or started."""


def postgres_url_from_env() -> str | None:
    """URL of an existing server to reuse, if ``MUTUALISE_TEST_PG_URL`` is set."""
    return os.environ.get(ENV_URL) or None


def _major_version(bindir: Path) -> int:
    out = subprocess.run([bindir / "postgres", "--version"], capture_output=True, text=True).stdout
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", out)
    if not match:
        raise PostgresUnavailable(f"cannot parse PostgreSQL version from {out!r}")
    return int(match.group(1))


def find_bindir() -> Path:
    """Directory holding initdb/postgres/pg_ctl/pg_isready, version >= 15.

    ``MUTUALISE_PG_BINDIR`` wins; otherwise ``pg_config --bindir`` (which may
    come from an older libpq-dev), then the highest /usr/lib/postgresql/N/bin.
    """
    if os.environ.get(ENV_BINDIR):
        candidates = [Path(os.environ[ENV_BINDIR])]
    else:
        candidates = []
        if shutil.which("pg_config"):
            with contextlib.suppress(subprocess.CalledProcessError):
                out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True)
                candidates.append(Path(out.stdout.strip()))
        versioned = glob.glob("/usr/lib/postgresql/*/bin")
        versioned.sort(key=lambda p: int(re.sub(r"\D", "", Path(p).parent.name) or 0), reverse=True)
        candidates += [Path(p) for p in versioned]
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "postgres").is_file():
            if _major_version(bindir) >= MIN_MAJOR:
                return bindir
    raise PostgresUnavailable(
        f"no PostgreSQL >= {MIN_MAJOR} server binaries found (tried {[str(c) for c in candidates]}); "
        f"run `make system-deps`, set {ENV_BINDIR}, or set {ENV_URL} to an existing server"
    )


def _free_port() -> int:
    """Ask the kernel for an unused port (tiny race window, acceptable for tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _url(base_url: str, driver: str, database: str | None = None) -> str:
    url = make_url(base_url).set(drivername=driver)
    return (url.set(database=database) if database else url).render_as_string(hide_password=False)


def create_database(base_url: str, name: str) -> str:
    """(Re)create database ``name`` with btree_gist installed; return its SQLAlchemy URL.

    Any existing database of that name is dropped first, so a rerun after a
    crashed session (or on a reused server) starts clean.
    """
    # psycopg wants a plain libpq URL; CREATE/DROP DATABASE need autocommit.
    with psycopg.connect(_url(base_url, "postgresql"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
    with psycopg.connect(_url(base_url, "postgresql", name), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")  # for exclusion constraints
    return _url(base_url, "postgresql+psycopg", name)


class ExistingPostgres:
    """Same interface as ThrowawayPostgres, for a server we do not own."""

    def __init__(self, url: str):
        self.base_url = url

    def create_database(self, name: str) -> str:
        return create_database(self.base_url, name)


class ThrowawayPostgres:
    """A private PostgreSQL cluster living in a temp dir for one ``with`` block."""

    def __init__(self, bindir: Path | None = None, startup_timeout: float = 30.0):
        self.bindir = bindir or find_bindir()
        self.startup_timeout = startup_timeout
        self.tmpdir: Path | None = None
        self.port: int | None = None
        self._proc: subprocess.Popen | None = None
        # The server refuses to run as root, so as root everything runs as `postgres`.
        self._as_root = os.geteuid() == 0

    @property
    def datadir(self) -> Path:
        return self.tmpdir / "data"

    @property
    def logfile(self) -> Path:
        return self.tmpdir / "postgres.log"

    @property
    def base_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _cmd(self, tool: str, *args: str) -> list[str]:
        cmd = [str(self.bindir / tool), *args]
        return ["runuser", "-u", "postgres", "--", *cmd] if self._as_root else cmd

    def _run(self, tool: str, *args: str, timeout: float = 120) -> None:
        # cwd=tmpdir: the postgres user may not be allowed into the caller's cwd (/root).
        result = subprocess.run(
            self._cmd(tool, *args), cwd=self.tmpdir, capture_output=True, text=True, timeout=timeout
        )
        if result.returncode != 0:
            raise PostgresUnavailable(f"{tool} failed ({result.returncode}):\n{result.stdout}{result.stderr}")

    def start(self) -> ThrowawayPostgres:
        self.tmpdir = Path(tempfile.mkdtemp(prefix="mutualise-pg-"))
        try:
            if self._as_root:
                shutil.chown(self.tmpdir, user="postgres")  # mkdtemp made it 0700
            self._run("initdb", "-D", str(self.datadir), *INITDB_ARGS)
            self.port = _free_port()
            settings = {**SERVER_SETTINGS, "port": self.port, "unix_socket_directories": self.tmpdir}
            args = [arg for key, value in settings.items() for arg in ("-c", f"{key}={value}")]
            with open(self.logfile, "wb") as log:
                self._proc = subprocess.Popen(
                    self._cmd("postgres", "-D", str(self.datadir), *args),
                    cwd=self.tmpdir,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # own process group: see stop()
                )
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        """Poll pg_isready (bounded) rather than sleeping a guessed amount of time."""
        deadline = time.monotonic() + self.startup_timeout
        check = [self.bindir / "pg_isready", "-q", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise PostgresUnavailable(f"postgres exited with {self._proc.returncode}:\n{self._log()}")
            if subprocess.run(check, cwd=self.tmpdir).returncode == 0:
                return
            time.sleep(0.1)
        raise PostgresUnavailable(f"postgres not ready after {self.startup_timeout}s:\n{self._log()}")

    def _log(self) -> str:
        with contextlib.suppress(OSError):
            return self.logfile.read_text(errors="replace")
        return "(no log)"

    def stop(self) -> None:
        """Immediate shutdown (no checkpoint: the data is thrown away) and cleanup."""
        if self._proc is not None:
            if self._proc.poll() is None:
                with contextlib.suppress(PostgresUnavailable, subprocess.TimeoutExpired):
                    self._run("pg_ctl", "stop", "-D", str(self.datadir), "-m", "immediate", "-w", timeout=30)
                try:
                    self._proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    # As root the child is runuser; kill the whole group to reach postgres too.
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(self._proc.pid, signal.SIGKILL)
                    self._proc.wait()
            self._proc = None
        if self.tmpdir is not None:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None

    def create_database(self, name: str) -> str:
        """Create database ``name`` (with btree_gist) and return its SQLAlchemy URL."""
        return create_database(self.base_url, name)

    def __enter__(self) -> ThrowawayPostgres:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


@contextlib.contextmanager
def start_or_reuse() -> Iterator[ThrowawayPostgres | ExistingPostgres]:
    """Yield something with ``create_database(name) -> url``.

    Reuses ``MUTUALISE_TEST_PG_URL`` when set, else runs a throwaway cluster.
    """
    url = postgres_url_from_env()
    if url:
        yield ExistingPostgres(url)
        return
    with ThrowawayPostgres() as cluster:
        yield cluster
