"""`doctorbook whoami` in a fresh interpreter stays ORM-free: the warm start-up target."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.cli.conftest import PW

#: What `whoami` must not load: the ORM and the declarative models (~80 ms, a fifth of a warm
#: run, see bench/startup.py), nor alembic (migrating is `db upgrade`'s, or the embedded
#: server's first command's).
HEAVY = ("sqlalchemy.orm", "doctorbook.core.base.schema_base",
         "doctorbook.core.base.account_models", "doctorbook.core.base.models", "alembic")

#: The installed command's entry point, run in this interpreter so its modules can be listed.
PROBE = f"""
import sys
sys.argv = ["doctorbook", *sys.argv[1:]]
from doctorbook.cli.main import run
try:
    run()
finally:
    print("loaded:", sorted(m for m in sys.modules if m.startswith({HEAVY!r})), file=sys.stderr)
"""


@pytest.fixture
def env(fresh_db_url: str, tmp_path: Path) -> dict[str, str]:
    """A patient logged in with their session in a file, as on a headless server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCTORBOOK_")}
    env |= {"DOCTORBOOK_DATABASE_URL": fresh_db_url, "DOCTORBOOK_HOME": str(tmp_path / "home"),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    for args in (["register", "--email", "kim@example.com", "--name", "Kim Lee"],
                 ["login", "--email", "kim@example.com"]):
        done = subprocess.run([sys.executable, "-m", "doctorbook", *args, "--password-stdin"],
                              input=PW + "\n", capture_output=True, text=True, env=env,
                              timeout=60)
        assert done.returncode == 0, done.stderr
    return env


def _whoami(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", PROBE, "whoami"], capture_output=True,
                          text=True, env=env, timeout=60)


def test_whoami_never_imports_the_orm_or_the_models(env: dict[str, str]) -> None:
    done = _whoami(env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Kim Lee <kim@example.com> (patient, profile default)\n"
    assert "loaded: []" in done.stderr


def test_an_expired_login_is_still_renewed_on_the_way(env: dict[str, str]) -> None:
    """Renewing loads the rest of the accounts' code (and the ORM) only when it is needed."""
    later = datetime.now(UTC) + timedelta(minutes=20)
    done = _whoami({**env, "DOCTORBOOK_NOW": later.isoformat()})
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Kim Lee <kim@example.com> (patient, profile default)\n"
    assert "sqlalchemy.orm" in done.stderr  # the refresh went through auth.refresh
