"""First paint, side by side: `doctorbook tui` against a warm database, and a bare Textual app
with the login form's widgets, each timed from process start until its login form is on screen.

Both run alternately (a, b, a, b, ...) in fresh processes on the slave side of a pseudo-terminal
of 80x24 with TERM=xterm-256color, as sshd would start them; the time is taken when the form's
title ("Log in to doctorbook") appears in what the process drew (escape sequences removed), and
the process is then killed. Prints the medians of wall time and of CPU time (user + system, read
from /proc when the form is seen: steadier than wall time on a busy machine, and without the
work after the first paint), their ratios against the target (issue 13: <= 1.5x the bare
app's wall time) and the machine's load: on a loaded machine both slow down, so the ratio is
the figure to compare.

`doctorbook tui` is the installed console script, as sshd runs it: it opens the app without
loading the CLI (typer, click) when it is `doctorbook.launcher:run`; the bench says when the
installed script is older (reinstall: pip install -e .). --doctorbook times another command.

The database: a scratch embedded PostgreSQL (DOCTORBOOK_BENCH_DATABASE_URL to use an existing
server instead), migrated, with one registered patient (so the app opens on a clinic's database,
not an empty one), no stored login and no keyring, as on the desk's SSH host.

Run: python bench/tui_paint.py [--runs 15] [--doctorbook CMD]
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
#: Issue 13: the login form within 1.5x the bare Textual app's time.
TARGET = 1.5
LAUNCHER = "doctorbook.launcher:run"
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
    cpu: float | None = None
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
                cpu = cpu_so_far(proc.pid)
                break
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        _, _, usage = os.wait4(proc.pid, 0)
        os.close(master)
    if took is None:
        text = ESCAPES.sub(b" ", drawn).decode("utf-8", "replace")
        raise SystemExit(f"{' '.join(cmd[:2])}... never drew its login form:\n{text[-2000:]}")
    return Run(took, usage.ru_utime + usage.ru_stime if cpu is None else cpu)


def cpu_so_far(pid: int) -> float | None:
    """The process's CPU time (user + system, every thread) now, from /proc: read when the
    form is seen, it leaves out what the app does after its first paint until it is killed
    (doctorbook opens its database then, in a thread). None where there is no /proc."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    # utime and stime are fields 14 and 15 of stat(5); fields[0] here is field 3.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def register(doctorbook: list[str], env: dict[str, str]) -> None:
    subprocess.run([*doctorbook, "register", "--email", "bench@example.com", "--name", "Bench",
                    "--password-stdin"], input=PASSWORD + "\n", text=True, env=env, check=True,
                   capture_output=True)


def installed_entry() -> str | None:
    """What the installed `doctorbook` script calls ("module:function")."""
    from importlib.metadata import entry_points

    found = entry_points(group="console_scripts", name="doctorbook")
    return next(iter(found)).value if found else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--doctorbook", help="the command to time (default: the installed "
                        "console script)")
    options = parser.parse_args()
    runs = options.runs
    compile_package()
    base_env = {k: v for k, v in os.environ.items()
                if not k.startswith(("DOCTORBOOK_", "TEXTUAL", "PYTEST"))}
    base_env.update({"TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24",
                     "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    base_env.pop("CI", None)
    script = Path(sys.executable).with_name("doctorbook")
    if options.doctorbook:
        doctorbook = options.doctorbook.split()
    elif script.exists():
        doctorbook = [str(script)]
        entry = installed_entry()
        if entry != LAUNCHER:
            print(f"note: the installed script calls {entry}, not {LAUNCHER}: it loads the CLI "
                  "first (pip install -e . to update it)", file=sys.stderr)
    else:
        doctorbook = [sys.executable, "-m", "doctorbook"]

    tmp = Path(tempfile.mkdtemp(prefix="dbk-bench-tui-paint-"))
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
        ratio = ours.wall / bare.wall
        verdict = "ok" if ratio <= TARGET else "OVER TARGET"
        print(f"{'ratio':<34}: {ratio:7.2f}x wall (target <= {TARGET}: {verdict}), "
              f"{ours.cpu / bare.cpu:.2f}x cpu")
        print(f"{'load (1, 5, 15 min)':<34}: before {' '.join(f'{x:.2f}' for x in load_before)}"
              f"; after {' '.join(f'{x:.2f}' for x in load_after)} ({os.cpu_count()} cpus)")
    finally:
        cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
