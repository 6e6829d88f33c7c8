"""CLI: `search` and `doctors show` read on the read side; with the replica unreachable they
answer from the primary with one warning line, and the replica's password is never shown."""

from __future__ import annotations

import json
import socket
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

import pytest

from doctorbook.core.base.db import Database
from doctorbook.core.base.rbac import Role
from doctorbook.core.base.settings import load_settings
from tests.cli.conftest import PW, Cli
from tests.conftest import make_user
from tests.search.conftest import add_slot, make_visible_doctor

SECRET = "s3cret-[b]pw[/b]"
NAME = "Dr [b]Bold[/b] [link=https://x.example]Ruth[/link]"


def _closed_port() -> int:
    """A loopback port nobody listens on (bound, then released): connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def unreachable() -> str:
    password = urllib.parse.quote(SECRET, safe="")
    return f"postgresql://reader:{password}@127.0.0.1:{_closed_port()}/doctorbook"


@pytest.fixture
def doctor(db: Database) -> int:
    with db.unit_of_work() as uow:
        admin = make_user(uow, email="admin@clinic.example", role=Role.ADMIN)
        doc = make_visible_doctor(uow, admin, "dr.r@example.com", name=NAME)
        add_slot(uow, doc.user_id, datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
        make_user(uow, email="pat@example.com", name="Pat Patient")
        return doc.user_id


def _warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "replica" in line]


def test_search_and_profile_fall_back_to_the_primary_with_one_line(
    cli: Cli, doctor: int, unreachable: str
) -> None:
    out = cli("search", "--json", DOCTORBOOK_READ_DATABASE_URL=unreachable)
    assert out.exit_code == 0, out.output
    found = json.loads(out.stdout)
    assert [r["name"] for r in found["results"]] == [NAME]
    [line] = out.stderr.splitlines()
    assert line.startswith("doctorbook: read replica unreachable (")
    assert line.endswith("); reading from the primary")
    assert SECRET not in out.output and "s3cret" not in out.output

    shown = cli("doctors", "show", str(doctor), "--search-id", found["search_id"], "--json",
                DOCTORBOOK_READ_DATABASE_URL=unreachable)
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["name"] == NAME
    assert len(_warnings(shown.stderr)) == 1
    assert "s3cret" not in shown.output

    # Both events reached the primary: the search and its click count.
    admin = cli("login", "--email", "admin@clinic.example", "--password-stdin", input=PW + "\n")
    assert admin.exit_code == 0, admin.output
    metrics = cli("metrics", "--from", "2026-11-24", "--to", "2026-11-24", "--json")
    assert metrics.exit_code == 0, metrics.output
    assert json.loads(metrics.stdout)["search_ctr"] == {"value": 1.0, "numerator": 1,
                                                        "denominator": 1}


def test_reads_that_must_see_own_writes_never_touch_the_replica(
    cli: Cli, doctor: int, unreachable: str
) -> None:
    login = cli("login", "--email", "pat@example.com", "--password-stdin", input=PW + "\n",
                DOCTORBOOK_READ_DATABASE_URL=unreachable)
    assert login.exit_code == 0, login.output
    for command in (["whoami"], ["appointments", "list"]):
        out = cli(*command, DOCTORBOOK_READ_DATABASE_URL=unreachable)
        assert out.exit_code == 0, out.output
        assert _warnings(out.stderr) == [], command


@pytest.mark.parametrize(("url", "problem"), [
    (f"mysql://reader:{SECRET}@db/doctorbook", "must be a postgresql:// URL"),
    # An unescaped '/' in the password: what follows the ':' is read as the port.
    ("postgresql://reader:s3cret/pw@db/doctorbook", "is not a valid URL (its port can't be read"),
    (f"postgresql://reader:{SECRET}@[db/doctorbook", "is not a valid URL"),
])
def test_a_bad_read_url_is_refused_in_one_line_without_repeating_it(
    cli: Cli, url: str, problem: str
) -> None:
    out = cli("search", DOCTORBOOK_READ_DATABASE_URL=url)
    assert out.exit_code == 2
    [line] = out.stderr.splitlines()
    assert line.startswith(f"error: read_database_url {problem}")
    assert line.endswith("(from DOCTORBOOK_READ_DATABASE_URL)")
    assert "s3cret" not in out.output


def test_no_secret_setting_shows_in_a_repr(tmp_path: Path) -> None:
    """A repr of the settings (a log line, a traceback's locals) holds no password or token."""
    settings = load_settings({
        "DOCTORBOOK_HOME": str(tmp_path),
        "DOCTORBOOK_DATABASE_URL": "postgresql://clinic:s3cret-1@db.example/doctorbook",
        "DOCTORBOOK_READ_DATABASE_URL": "postgresql://clinic:s3cret-2@standby.example/doctorbook",
        "DOCTORBOOK_SMTP_PASSWORD": "s3cret-3", "DOCTORBOOK_EMAIL_HTTP_TOKEN": "s3cret-4",
        "DOCTORBOOK_TOKEN": "s3cret-5",
    })
    assert settings.read_database_url == "postgresql://clinic:s3cret-2@standby.example/doctorbook"
    assert "s3cret" not in repr(settings)
