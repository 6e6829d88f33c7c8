"""`doctorbook demo --no-tui`: seeds its own embedded clinic, idempotently, and prints logins."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from doctorbook.core.base import embedded
from doctorbook.core.demo import BOOKINGS, DEMO_ACCOUNTS, HISTORY


def test_demo_seeds_its_own_home_and_the_logins_work():
    home = Path(tempfile.mkdtemp(prefix="dbk-demo-"))
    env = {**os.environ, "DOCTORBOOK_HOME": str(home),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
           # Even with an external database configured, the demo keeps to its own.
           "DOCTORBOOK_DATABASE_URL": "postgresql://postgres@127.0.0.1:9/not-this-one"}
    env.pop("DOCTORBOOK_NOW", None)
    try:
        for _ in range(2):  # the second run finds everything already there
            result = subprocess.run([sys.executable, "-m", "doctorbook", "demo", "--no-tui"],
                                    env=env, capture_output=True, text=True, timeout=120)
            assert result.returncode == 0, result.stderr
            for account in DEMO_ACCOUNTS:
                assert account.email in result.stdout
            # Where the demo lives is said: `doctorbook tui` with this home opens another one.
            assert str(home / "demo") in " ".join(result.stdout.split())
        assert (home / "demo" / "pgdata").is_dir()
        demo_env = {**env, "DOCTORBOOK_HOME": str(home / "demo")}
        demo_env.pop("DOCTORBOOK_DATABASE_URL")
        receptionist = DEMO_ACCOUNTS[1]
        login = subprocess.run(
            [sys.executable, "-m", "doctorbook", "login", "--email", receptionist.email,
             "--password-stdin"], input=receptionist.password + "\n", env=demo_env,
            capture_output=True, text=True, timeout=60,
        )
        assert login.returncode == 0, login.stderr
        assert "(receptionist)" in login.stdout
        # The desk booked a few upcoming visits (once: the second run added none)...
        listed = subprocess.run(
            [sys.executable, "-m", "doctorbook", "appointments", "list", "--json"],
            env=demo_env, capture_output=True, text=True, timeout=60,
        )
        assert listed.returncode == 0, listed.stderr
        data = json.loads(listed.stdout)
        items = data if isinstance(data, list) else data["appointments"]
        # ...and the history: completed visits with their reviews.
        assert len(items) == len(BOOKINGS) + len(HISTORY)
        assert sorted(a["status"] for a in items) == (
            ["completed"] * len(HISTORY) + ["confirmed"] * len(BOOKINGS))
        # `db stop` for the home the demo was made from stops the demo's server too.
        assert embedded.running_server(home / "demo" / "pgdata") is not None
        stopped = subprocess.run([sys.executable, "-m", "doctorbook", "db", "stop"], env=env,
                                 capture_output=True, text=True, timeout=60)
        assert stopped.returncode == 0, stopped.stderr
        assert "demo clinic's PostgreSQL" in stopped.stdout
        assert embedded.running_server(home / "demo" / "pgdata") is None
    finally:
        embedded.stop(home / "demo" / "pgdata")
        shutil.rmtree(home, ignore_errors=True)
