"""The embedded PostgreSQL: started once, shared by concurrent commands, stopped by `db stop`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from doctorbook.core.base import embedded
from tests.cli.conftest import PW


def _run(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "doctorbook", *args], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )


@pytest.fixture
def embedded_home():
    # Under mkdtemp: as root the server library opens up every parent directory's permissions.
    home = Path(tempfile.mkdtemp(prefix="dbk-embedded-"))
    yield home
    embedded.stop(home / "pgdata")
    shutil.rmtree(home, ignore_errors=True)


def test_two_commands_at_once_start_one_server_and_stop_stops_it(embedded_home):
    env = {**os.environ, "DOCTORBOOK_HOME": str(embedded_home),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    env.pop("DOCTORBOOK_DATABASE_URL", None)
    env.pop("DOCTORBOOK_NOW", None)
    first = _run(env, "register", "--email", "one@example.com", "--name", "One",
                 "--password-stdin")
    second = _run(env, "register", "--email", "two@example.com", "--name", "Two",
                  "--password-stdin")
    out1 = first.communicate(PW + "\n", timeout=120)
    out2 = second.communicate(PW + "\n", timeout=120)
    assert first.returncode == 0, out1
    assert second.returncode == 0, out2
    server = embedded.running_server(embedded_home / "pgdata")
    assert server is not None
    postmasters = subprocess.run(["pgrep", "-f", f"postgres -D {embedded_home}"],
                                 capture_output=True, text=True).stdout.split()
    assert len(postmasters) == 1, postmasters

    # The server outlives the commands: the next one reuses it (same pid).
    status = _run(env, "db", "status")
    text, _ = status.communicate(timeout=60)
    assert f"running (pid {server.pid})" in text and "up to date" in text

    stop = _run(env, "db", "stop")
    assert "stopped" in stop.communicate(timeout=60)[0]
    assert embedded.running_server(embedded_home / "pgdata") is None
    status = _run(env, "db", "status")
    assert "not running" in status.communicate(timeout=60)[0]
