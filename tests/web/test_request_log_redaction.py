"""Feed secrets never reach a request log: the development server's and gunicorn's, run for real."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from mutualise.log_redaction import HIDDEN, redact

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SECRET = "s3cr3t-Feed_Token"


def test_redact_hides_every_feed_secret_and_leaves_other_paths():
    line = f'"GET /feeds/{SECRET}.ics HTTP/1.1" 200 - "https://x.example/feeds/{SECRET}/freebusy.ics"'
    assert redact(line) == f'"GET {HIDDEN} HTTP/1.1" 200 - "https://x.example{HIDDEN}/freebusy.ics"'
    assert redact("GET /calendar/day?site=2 HTTP/1.1") == "GET /calendar/day?site=2 HTTP/1.1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _fetch_feed_once_up(port: int, server: subprocess.Popen) -> int:
    """Fetch an (unknown) feed as soon as the server accepts connections; returns the status."""
    deadline = time.monotonic() + 30
    while True:
        assert server.poll() is None, "the server stopped"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)  # polling for the port to open, not waiting out a race
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/feeds/{SECRET}.ics", timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def server_env(app, database_url, tmp_path):
    spec = f"mutualise:create_app({{'INSTANCE_PATH': {str(tmp_path / 'served')!r}}})"
    return spec, {**os.environ, "MUTUALISE_SQLALCHEMY_DATABASE_URI": database_url}


def _stop(server: subprocess.Popen) -> str:
    server.terminate()
    output, _ = server.communicate(timeout=30)
    return output


def test_gunicorn_access_log_hides_the_feed_secret(server_env, tmp_path):
    spec, env = server_env
    port, log = _free_port(), tmp_path / "access.log"
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--logger-class", "mutualise.log_redaction.GunicornLogger", "--access-logfile", str(log), spec],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert _fetch_feed_once_up(port, server) == 404
    finally:
        output = _stop(server)
    written = log.read_text()
    assert f"GET {HIDDEN} HTTP/1.1" in written and " 404 " in written
    assert SECRET not in written + output


def test_development_server_log_hides_the_feed_secret(server_env):
    spec, env = server_env
    port = _free_port()
    server = subprocess.Popen([str(BIN / "flask"), "--app", spec, "serve", "--port", str(port)],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert _fetch_feed_once_up(port, server) == 404
    finally:
        output = _stop(server)
    assert f"GET {HIDDEN} HTTP/1.1" in output
    assert SECRET not in output
