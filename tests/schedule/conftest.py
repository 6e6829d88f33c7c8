"""Schedule fixtures: doctors created through invites, and the commands in a small Typer app."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner, Result

from doctorbook.cli.commands.schedule import app as schedule_app
from doctorbook.cli.commands.slots import app as slots_app
from doctorbook.core.accounts import auth
from doctorbook.core.base.db import Database, UnitOfWork
from doctorbook.core.base.models import EmailOutbox
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.doctors import doctors, invites
from tests.conftest import PASSWORD, make_user

TOKEN_RE = re.compile(r"doctorbook accept-invite (dbi_[A-Za-z0-9_-]+)")

# The commands are not wired into `doctorbook` yet (the lead does that): test them here.
app = typer.Typer()
app.add_typer(schedule_app, name="schedule")
app.add_typer(slots_app, name="slots")


def _token_from_outbox(uow: UnitOfWork, outbox_id: int) -> str:
    row = uow.session.get(EmailOutbox, outbox_id)
    assert row is not None
    match = TOKEN_RE.search(row.text_body)
    assert match, row.text_body
    return match.group(1)


def make_doctor(
    uow: UnitOfWork, admin: Actor, email: str, timezone: str | None = "Europe/Berlin"
) -> Actor:
    """A doctor joined by invite, as in production, with a clinic timezone."""
    view = invites.invite_doctor(uow, actor=admin, email=email, name=f"Dr {email[:3]}")
    user = invites.accept_invite(uow, token=_token_from_outbox(uow, view.outbox_id),
                                 password=PASSWORD)
    actor = Actor(user.id, Role.DOCTOR, user.email)
    if timezone:
        doctors.update_profile(uow, actor=actor, timezone=timezone)
    return actor


@pytest.fixture
def admin(uow: UnitOfWork) -> Actor:
    return make_user(uow, email="admin@clinic.example", name="Ada Admin", role=Role.ADMIN)


@pytest.fixture
def doctor(uow: UnitOfWork, admin: Actor) -> Actor:
    return make_doctor(uow, admin, "dr.berlin@example.com")


@pytest.fixture
def run(
    db: Database, tmp_path: Path, fresh_db_url: str, memory_keyring: object
) -> Callable[..., Result]:
    """Invoke the commands against a database of their own, as a given token's user.

    The in-memory keyring keeps the run hermetic: no "no keyring" notice depends on what
    backend an earlier test left installed."""
    env = {
        "DOCTORBOOK_DATABASE_URL": fresh_db_url,
        "DOCTORBOOK_HOME": str(tmp_path / "home"),
        "DOCTORBOOK_NOW": "2026-11-24T09:00:00Z",
    }

    def invoke(*args: str, token: str = "") -> Result:
        result = CliRunner().invoke(app, list(args), env={**env, "DOCTORBOOK_TOKEN": token})
        assert "Traceback" not in result.output, result.output
        return result

    return invoke


@pytest.fixture
def tokens(db: Database) -> Iterator[dict[str, Any]]:
    """Access tokens for an admin, a doctor (Europe/Berlin) and a patient, committed."""
    with db.unit_of_work() as uow:
        admin = make_user(uow, email="admin@clinic.example", role=Role.ADMIN)
    with db.unit_of_work() as uow:
        doc = make_doctor(uow, admin, "dr.berlin@example.com")
    with db.unit_of_work() as uow:
        make_user(uow, email="pat@example.com")
    out: dict[str, Any] = {"doctor_id": doc.user_id}
    for who, email in (("admin", "admin@clinic.example"), ("doctor", "dr.berlin@example.com"),
                       ("patient", "pat@example.com")):
        with db.unit_of_work() as uow:
            out[who] = auth.login(uow, email=email, password=PASSWORD).access_token
    yield out
