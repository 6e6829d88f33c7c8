"""The installed command end to end in a subprocess, as on a headless server with no keyring."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

from tests.cli.conftest import PW


def _run(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "doctorbook", *args], input=stdin, capture_output=True,
        text=True, env=env, timeout=60,
    )


def test_headless_session_file_is_private_and_announced_once(fresh_db_url, tmp_path):
    home = tmp_path / "home"
    env = {
        **os.environ,
        "DOCTORBOOK_DATABASE_URL": fresh_db_url,
        "DOCTORBOOK_HOME": str(home),
        # keyring's own "no backend" choice, as on a server without D-Bus.
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    env.pop("DOCTORBOOK_NOW", None)
    reg = _run(env, "register", "--email", "kim@example.com", "--name", "Kim Lee",
               "--password-stdin", stdin=PW + "\n")
    assert reg.returncode == 0, reg.stderr
    login = _run(env, "login", "--email", "kim@example.com", "--password-stdin", stdin=PW + "\n")
    assert login.returncode == 0, login.stderr
    assert "no system keyring available" in login.stderr
    session_file = home / "sessions" / "default.json"
    assert stat.S_IMODE(session_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(session_file.parent.stat().st_mode) == 0o700
    assert PW not in session_file.read_text()

    who = _run(env, "whoami")
    assert who.returncode == 0 and "Kim Lee" in who.stdout
    assert "keyring" not in who.stderr  # said once, not on every command
    listing = _run(env, "appointments", "list")
    assert listing.returncode == 0 and "No appointments yet" in listing.stdout
    out = _run(env, "logout")
    assert out.returncode == 0
    assert not session_file.exists()


def test_help_is_fast_path_without_heavy_imports(tmp_path):
    code = (
        "import sys; sys.argv=['doctorbook','--help']\n"
        "from doctorbook.cli.main import app\n"
        "heavy=[m for m in ('sqlalchemy','textual','httpx','psycopg','alembic')"
        " if m in sys.modules]\n"
        "print(heavy)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


def test_now_warns_once_on_stderr(fresh_db_url, tmp_path):
    env = {**os.environ, "DOCTORBOOK_DATABASE_URL": fresh_db_url,
           "DOCTORBOOK_HOME": str(tmp_path), "DOCTORBOOK_NOW": "2027-01-05T10:00:00Z",
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    result = _run(env, "appointments", "list")
    assert result.stderr.count("DOCTORBOOK_NOW is set") == 1
    assert "2027-01-05T10:00:00+00:00" in result.stderr
