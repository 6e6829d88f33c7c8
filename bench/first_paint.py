"""First paint, side by side: `doctorbook tui` against a warm database, and a bare Textual app
with the login form's widgets, each timed from process start until its login form is on screen.

Both run alternately (a, b, a, b, ...) in fresh processes on the slave side of a pseudo-terminal
of 80x24 with TERM=xterm-256color, as sshd would start them; the time is taken when the form's
title ("Log in to doctorbook") appears in what the process drew (escape sequences removed), and
the process is then killed. Prints the medians of wall time and of CPU time (user + system until
the kill, steadier than wall time on a busy machine), their ratios and the machine's load.

The database: a scratch embedded PostgreSQL (DOCTORBOOK_BENCH_DATABASE_URL to use an existing
server instead), migrated, with one registered patient (so the app opens on a clinic's database,
not an empty one), no stored login and no keyring, as on the desk's SSH host.

Run: python bench/first_paint.py [--runs 15]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable
from pathlib import Path

from startup import Run, compile_package, scratch_database, side_by_side

PASSWORD = "bench password 2026!"
#: Drawn by both apps once their login form is on screen.
FORM_TITLE = b"Log in to doctorbook"
#: CSI and OSC sequences and the two-byte escapes (as tests/tui/test_terminal.py strips them).
ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
TIMEOUT = 60.0

#: The login form's widgets (tui/screens/login.py), without doctorbook: Textual's own cost.
BARE_TEXTUAL = """
from textual.app import App
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Button, Footer, Header, Input, Label, Static

class Bare(App[None]):
    TITLE = "doctorbook"
    def compose(self):
        yield Header(icon="+")
        with Vertical():
            yield Static("Log in to doctorbook")
            with Grid():
                yield Label("E-mail")
                yield Input(placeholder="you@example.com")
                yield Label("Password")
                yield Input(password=True)
            with Horizontal():
                yield Button("Log in", variant="primary")
                yield Button("Register")
                yield Button("Forgot password?")
            yield Static("New patient? Press F2 to register. Forgot your password? F6.")
        yield Footer()

Bare().run()
"""


def first_paint(cmd: list[str], env: dict[str, str]) -> Run:
    """Start `cmd` on a fresh 80x24 pty; the time until it drew FORM_TITLE, then kill it."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, env=env,
                            start_new_session=True, close_fds=True)
    os.close(slave)
    drawn = b""
    took: float | None = None
    try:
        while time.perf_counter() - start < TIMEOUT:
            ready, _, _ = select.select([master], [], [], 1.0)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the slave side closed: the program ended
                break
            if not chunk:
                break
            drawn += chunk
            if FORM_TITLE in ESCAPES.sub(b"", drawn):
                took = time.perf_counter() - start
                break
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        _, _, usage = os.wait4(proc.pid, 0)
        os.close(master)
    if took is None:
        text = ESCAPES.sub(b" ", drawn).decode("utf-8", "replace")
        raise SystemExit(f"{' '.join(cmd[:2])}... never drew its login form:\n{text[-2000:]}")
    return Run(took, usage.ru_utime + usage.ru_stime)


def register(doctorbook: list[str], env: dict[str, str]) -> None:
    subprocess.run([*doctorbook, "register", "--email", "bench@example.com", "--name", "Bench",
                    "--password-stdin"], input=PASSWORD + "\n", text=True, env=env, check=True,
                   capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    compile_package()
    base_env = {k: v for k, v in os.environ.items()
                if not k.startswith(("DOCTORBOOK_", "TEXTUAL", "PYTEST"))}
    base_env.update({"TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24",
                     "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    base_env.pop("CI", None)
    script = Path(sys.executable).with_name("doctorbook")
    doctorbook = [str(script)] if script.exists() else [sys.executable, "-m", "doctorbook"]

    tmp = Path(tempfile.mkdtemp(prefix="dbk-bench-first-paint-"))
    cleanup: Callable[[], None] = lambda: None  # noqa: E731
    try:
        url, cleanup = scratch_database(tmp)
        env = {**base_env, "DOCTORBOOK_HOME": str(tmp / "home"), "DOCTORBOOK_DATABASE_URL": url}
        register(doctorbook, env)
        load_before = os.getloadavg()
        ours, bare = side_by_side(
            runs, lambda: first_paint([*doctorbook, "tui"], env),
            lambda: first_paint([sys.executable, "-c", BARE_TEXTUAL], base_env))
        load_after = os.getloadavg()
        print(f"{'doctorbook tui (warm database)':<34}: {ours.wall * 1000:7.1f} ms wall, "
              f"{ours.cpu * 1000:6.1f} ms cpu (medians of {runs}, to the login form)")
        print(f"{'bare Textual app, same widgets':<34}: {bare.wall * 1000:7.1f} ms wall, "
              f"{bare.cpu * 1000:6.1f} ms cpu")
        print(f"{'ratio':<34}: {ours.wall / bare.wall:7.2f}x wall, {ours.cpu / bare.cpu:.2f}x cpu")
        print(f"{'load (1, 5, 15 min)':<34}: before {' '.join(f'{x:.2f}' for x in load_before)}"
              f"; after {' '.join(f'{x:.2f}' for x in load_after)} ({os.cpu_count()} cpus)")
    finally:
        cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
