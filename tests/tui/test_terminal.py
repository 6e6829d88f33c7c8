"""The installed `doctorbook tui` and `doctorbook kiosk` in a real pseudo-terminal at 80x24.

The pilot runs the app in-process without a terminal; these start the console script the way
sshd or a kiosk's getty does, on whichever Python runs the tests, and read the screen it draws.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import stat
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from doctorbook.core.base.db import Database
from doctorbook.core.base.rbac import Role
from tests.conftest import PASSWORD, make_user

#: CSI and OSC sequences, and the other two-byte escapes, so the text between them can be read.
ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
TIMEOUT = 30.0


class Terminal:
    """A console script running on the slave side of a pty; we hold the master."""

    def __init__(self, args: list[str], env: dict[str, str], rows: int = 24, cols: int = 80):
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.master = master
        self.process = subprocess.Popen(
            args, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self.output = b""

    def text(self) -> str:
        """Everything drawn so far, escapes removed (a run of text stays in one piece)."""
        return ESCAPES.sub(b" ", self.output).decode("utf-8", "replace")

    def read(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self.master], [], [], left)
            if not ready:
                return
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # the slave side closed: the program ended
                return
            if not chunk:
                return
            self.output += chunk

    def wait_for(self, *texts: str) -> None:
        """Read until every text is on the screen, or fail showing what was drawn."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if all(t in self.text() for t in texts):
                return
            if self.process.poll() is not None:
                self.read(0.2)
                break
            self.read(0.2)
        missing = [t for t in texts if t not in self.text()]
        raise AssertionError(f"never drawn: {missing}; the terminal showed:\n{self.text()[-3000:]}")

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def settle(self) -> None:
        """Let the app draw what the last keys caused before the next ones arrive."""
        self.read(0.3)

    def exit_code(self) -> int:
        deadline = time.monotonic() + TIMEOUT
        while self.process.poll() is None and time.monotonic() < deadline:
            self.read(0.2)
        return self.process.wait(timeout=1)

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        os.close(self.master)


@pytest.fixture
def terminal_env(fresh_db_url: str, tmp_path: Path) -> dict[str, str]:
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("DOCTORBOOK_", "TEXTUAL", "PYTEST"))
    }
    env.update({
        "TERM": "xterm-256color",
        "COLUMNS": "80",
        "LINES": "24",
        "DOCTORBOOK_HOME": str(tmp_path / "home"),
        "DOCTORBOOK_DATABASE_URL": fresh_db_url,
        # As on the desk's SSH host: no system keyring.
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    })
    env.pop("CI", None)
    return env


@pytest.fixture
def console_script() -> str:
    """The `doctorbook` that pip installed next to this Python."""
    script = Path(sys.executable).parent / "doctorbook"
    assert script.exists(), f"no console script at {script}: install with pip install -e ."
    return str(script)


@pytest.fixture
def spawn(console_script: str, terminal_env: dict[str, str]) -> Iterator[object]:
    started: list[Terminal] = []

    def _spawn(*args: str, **env: str) -> Terminal:
        term = Terminal([console_script, *args], {**terminal_env, **env})
        started.append(term)
        return term

    yield _spawn
    for term in started:
        term.close()


def log_in(term: Terminal, email: str) -> None:
    """At a person's pace: each key lands before the next one is typed."""
    for keys in (email, "\t", PASSWORD, "\r"):
        term.type(keys)
        term.settle()


def test_tui_opens_logs_in_and_quits(spawn, db: Database) -> None:
    with db.unit_of_work() as uow:
        make_user(uow, email="pat@example.com", name="Pat Patient")
    term = spawn("tui")
    term.wait_for("Log in to doctorbook", "E-mail", "Password")
    log_in(term, "pat@example.com")
    term.wait_for("Pat Patient", "Patient")
    term.type("\x11")  # ctrl+q
    assert term.exit_code() == 0
    assert "Traceback" not in term.text()
    assert "Error" not in term.text()
    # The login ended with the app: the next person at this terminal starts at the form.
    again = spawn("tui")
    again.wait_for("Log in to doctorbook", "E-mail")
    again.read(1.0)
    assert "Pat Patient" not in again.text()


def test_kiosk_opens_on_its_login_form_and_refuses_to_quit(spawn) -> None:
    term = spawn("kiosk")
    term.wait_for("Patient kiosk: log in to see your appointments", "E-mail")
    term.type("\x11")  # ctrl+q: a public terminal must not drop to a shell
    term.read(1.0)
    assert term.process.poll() is None
    assert "Traceback" not in term.text()


def test_kiosk_crash_goes_back_to_its_login_form_with_the_trace_in_the_log(
    spawn, db: Database, terminal_env: dict[str, str]
) -> None:
    with db.unit_of_work() as uow:
        make_user(uow, email="pat@example.com", name="Pat Patient")
    term = spawn("kiosk", DOCTORBOOK_TEST_CRASH="login")
    term.wait_for("Patient kiosk: log in to see your appointments")
    log_in(term, "pat@example.com")
    term.wait_for("Something went wrong")
    mark = len(term.text())
    term.read(1.0)
    assert term.process.poll() is None  # still the kiosk, no shell
    assert "Traceback" not in term.text() and "RuntimeError" not in term.text()
    log = Path(terminal_env["DOCTORBOOK_HOME"]) / "logs" / "tui.log"
    assert "RuntimeError: crash forced after login" in log.read_text()
    assert "Traceback" in log.read_text()
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    # It is the login form again: the next patient uses it as usual.
    log_in(term, "pat@example.com")
    term.wait_for("Pat Patient")
    assert "Pat Patient" in term.text()[mark:]


def test_desk_crash_logs_out_and_the_app_exits_non_zero_when_quit(
    spawn, db: Database, terminal_env: dict[str, str]
) -> None:
    with db.unit_of_work() as uow:
        make_user(uow, email="rita@example.com", name="Rita Desk", role=Role.RECEPTIONIST)
    term = spawn("tui", DOCTORBOOK_TEST_CRASH="login")
    term.wait_for("Log in to doctorbook")
    log_in(term, "rita@example.com")
    term.wait_for("Something went wrong", "Log in to doctorbook")
    assert "Traceback" not in term.text()
    term.type("\x11")  # ctrl+q
    assert term.exit_code() == 1
    assert "details in" in term.text()
    assert "Traceback" not in term.text()


def test_a_shared_terminal_never_reuses_the_login_the_cli_stored(
    spawn, db: Database, console_script: str, terminal_env: dict[str, str]
) -> None:
    with db.unit_of_work() as uow:
        make_user(uow, email="rita@example.com", name="Rita Desk", role=Role.RECEPTIONIST)
    login = subprocess.run(
        [console_script, "login", "--email", "rita@example.com", "--password-stdin"],
        input=PASSWORD + "\n", env=terminal_env, capture_output=True, text=True, timeout=60,
    )
    assert login.returncode == 0, login.stderr
    # Off a shared terminal the app picks the stored login up...
    mine = spawn("tui")
    mine.wait_for("Rita Desk")
    mine.type("\x11")
    assert mine.exit_code() == 0
    # ...on the desk's shared SSH account it never does.
    shared = spawn("tui", DOCTORBOOK_SHARED_TERMINAL="1")
    shared.wait_for("Log in to doctorbook", "E-mail")
    shared.read(1.0)
    assert "Rita Desk" not in shared.text()
