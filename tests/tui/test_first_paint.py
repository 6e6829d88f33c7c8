"""`doctorbook tui` draws its login form before its database is open (issue 13), says how to
begin on a database without accounts, and still ends with one line when it can't reach one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from doctorbook.core.accounts.setup_state import has_accounts
from doctorbook.core.base.db import Database
from tests.conftest import make_user
from tests.tui.test_terminal import TIMEOUT, Terminal, console_script, log_in, spawn, terminal_env

__all__ = ["console_script", "spawn", "terminal_env"]

FORM = "Log in to doctorbook"
FIRST_RUN = "No accounts yet: `doctorbook admin create` makes the first admin."

#: What the login form's first paint must not wait for (issue 13: 600 ms against Textual's
#: 150): the CLI's parser (the console script opens the app without it), the database stack
#: (SQLAlchemy, the driver, migrations; the database opens in a thread once the form is
#: drawn), core's use cases and the way into them, and the screens after login.
NOT_BEFORE_FIRST_PAINT = (
    "typer", "click", "doctorbook.cli.main", "doctorbook.cli.errors",
    "sqlalchemy", "psycopg", "alembic", "doctorbook.core.base.db", "doctorbook.core.boundary",
    "doctorbook.core.accounts.auth", "doctorbook.core.booking", "doctorbook.core.doctors",
    "doctorbook.core.scheduling", "doctorbook.tui.calls", "doctorbook.tui.screens.home",
    "doctorbook.tui.screens.register", "doctorbook.tui.screens.forgot_password",
)

#: `doctorbook tui` (the console script's `run`, argv as typed) in a fresh interpreter, headless
#: at 80x24; once the login form is drawn it lists what was imported and quits, before the
#: database opens (what opens it is called after the first paint: here it is never called).
FIRST_PAINT_PROBE = f"""
import json, sys
import doctorbook.cli.commands.app.terminal as terminal
import doctorbook.tui.app as tui_app
from doctorbook.launcher import run as console_script

made, run = tui_app.make_app, tui_app.DoctorbookApp.run
seen = {{}}

def make_app(**kwargs):
    def painted():
        seen["screen"] = type(app.screen).__name__
        seen["title"] = str(app.screen.query_one(".form-title").render())
        seen["loaded"] = sorted(m for m in sys.modules
                                if m.startswith({NOT_BEFORE_FIRST_PAINT!r}))
        app.exit()
    app = made(**{{**kwargs, "after_first_paint": painted}})
    return app

tui_app.make_app = make_app
tui_app.DoctorbookApp.run = lambda self, **kw: run(self, headless=True, size=(80, 24))
terminal._is_terminal = lambda stream: True  # headless: no terminal to refuse
sys.argv = ["doctorbook", "kiosk" if sys.argv[1] == "kiosk" else "tui"]
console_script()
print(json.dumps(seen))
"""


@pytest.mark.parametrize("kind", ["desk", "kiosk"])
def test_the_login_form_is_drawn_before_the_database_stack_is_imported(
    kind: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCTORBOOK_", "TEXTUAL"))}
    env |= {"DOCTORBOOK_HOME": str(tmp_path / "home"),
            # Never opened: an unreachable address would say so if it were.
            "DOCTORBOOK_DATABASE_URL": "postgresql://postgres@127.0.0.1:9/nothing",
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    done = subprocess.run([sys.executable, "-c", FIRST_PAINT_PROBE, kind], capture_output=True,
                          text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["screen"] == "LoginScreen"
    assert seen["title"] == (
        "Patient kiosk: log in to see your appointments" if kind == "kiosk" else FORM)
    assert seen["loaded"] == []


def test_the_console_script_is_the_launcher_that_skips_the_cli_for_the_app() -> None:
    # `doctorbook tui` reaches the app through doctorbook/launcher.py (probed above), only if
    # the installed script calls it.
    scripts = tomllib.loads(Path(__file__).parents[2].joinpath("pyproject.toml").read_text())
    assert scripts["project"]["scripts"]["doctorbook"] == "doctorbook.launcher:run"


def test_the_launcher_leaves_everything_else_to_the_cli(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCTORBOOK_", "TEXTUAL"))}
    env["DOCTORBOOK_HOME"] = str(tmp_path / "home")
    launcher = "import sys; from doctorbook.launcher import run; sys.argv[0] = 'doctorbook'; run()"

    def launch(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", launcher, *args], capture_output=True,
                              text=True, env=env, timeout=120, stdin=subprocess.PIPE)

    assert "Usage: doctorbook tui" in launch("tui", "--help").stdout
    assert launch("--version").stdout.strip().startswith("doctorbook ")
    # No terminal: the CLI's one line and exit 2, from the launcher's own path too.
    for command in ("tui", "kiosk"):
        done = launch(command)
        assert (done.returncode, done.stderr) == (
            2, f"error: doctorbook {command} needs a terminal (over SSH: ssh -t)\n")
    unknown = launch("tuii")
    assert unknown.returncode == 2
    assert unknown.stderr.startswith("error: No such command 'tuii'")


def wait_until(condition: Callable[[], bool], what: str, term: Terminal) -> None:
    """Until `condition()` holds, reading what the app draws meanwhile (however busy the
    machine: no fixed pause)."""
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {TIMEOUT:g} s: {what}; drawn:\n{term.text()}")
        term.read(0.1)


def test_the_login_form_shows_while_the_database_is_still_opening(spawn, db: Database) -> None:
    with db.unit_of_work() as uow:
        make_user(uow, email="pat@example.com", name="Pat Patient")
    # A slow database, deterministically: while this transaction holds the schema's version
    # table (as a migration would), the app's schema check waits in PostgreSQL. No client
    # timeout applies to a query that waits for a lock, unlike a slow connect.
    with db.engine.connect() as holder:
        holder.execute(text("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE"))

        def app_waits_for_the_lock() -> bool:
            # Asked on a connection of its own: a transaction sees one snapshot of the stats.
            with db.engine.connect() as watcher:
                return bool(watcher.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                    "'doctorbook' AND wait_event_type = 'Lock'")).scalar())

        term = spawn("tui")
        wait_until(app_waits_for_the_lock, "the app's schema check waiting", term)
        term.wait_for(FORM, "E-mail", "Password")
        assert app_waits_for_the_lock()  # drawn while the database is still being opened
        log_in(term, "pat@example.com")  # waits for the database, then goes on
        holder.rollback()
    term.wait_for("Pat Patient")
    assert "Database unavailable" not in term.text()
    term.type("\x11")  # ctrl+q
    assert term.exit_code() == 0
    assert "Traceback" not in term.text()
    # A clinic with accounts: no first-run hint.
    assert "No accounts yet" not in term.text()


def test_a_database_without_accounts_says_how_to_begin(
    spawn, db: Database, terminal_env: dict[str, str]
) -> None:
    term = spawn("tui")
    term.wait_for(FORM, FIRST_RUN, "The demo clinic is `doctorbook demo`")
    # Where the demo's own database is: `<home>/demo`, not this one.
    assert "its own" in term.text()
    term.type("\x11")
    assert term.exit_code() == 0


def test_has_accounts_is_any_account_of_any_role(db: Database) -> None:
    with db.unit_of_work() as uow:
        assert not has_accounts(uow)
        make_user(uow, email="pat@example.com", name="Pat Patient")
    with db.unit_of_work() as uow:
        assert has_accounts(uow)


def test_an_unreachable_database_is_still_one_line_and_exit_one(spawn) -> None:
    term = spawn("tui", DOCTORBOOK_DATABASE_URL="postgresql://postgres@127.0.0.1:9/nothing")
    assert term.exit_code() == 1
    shown = term.text()
    assert "error: database unreachable" in shown
    assert "Traceback" not in shown
    assert "details in" not in shown  # a known failure, not a crash
