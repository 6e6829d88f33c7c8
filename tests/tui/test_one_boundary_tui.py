"""Issue 12, part 1, in the TUI: screens, dialogs and widgets reach core only through the app's
public `core` (core/boundary.py), which authenticates the caller inside the use case's own unit
of work. So a login that ended is refused at the next action, even where a form shows core's
own refusals next to what was typed, and the app goes back to its login form."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from doctorbook.core.accounts import accounts
from doctorbook.core.base.db import Database
from doctorbook.core.base.models import EmailOutbox, User
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.base.settings import Settings
from doctorbook.tui.screens.login import LoginScreen
from tests.tui.conftest import app_for, no_crash, notifications, said, settle
from tests.tui.test_patient_admin_tui import DESK, SIZE, clinic, highlight, open_lookup

TUI = Path(__file__).resolve().parents[2] / "src" / "doctorbook" / "tui"
#: Where a screen could reach past the boundary: the app's private actor, a unit of work of its
#: own, the app's database, or anything private on the app (`app._…`, `self.app._…`,
#: `self.doctorbook._…`, `self._doctorbook._…`).
REACH_INS = re.compile(
    r"\._actor\(|\.unit_of_work\(|\b(?:app|_?doctorbook)\.db\b|\b(?:app|_?doctorbook)\._[a-z]"
)
#: Places allowed to reach in anyway, as "path:line text" with the reason. None so far.
ALLOWED: dict[str, str] = {}

pytestmark = pytest.mark.usefixtures("utc")


def test_screens_dialogs_and_widgets_reach_core_only_through_the_boundary() -> None:
    found = []
    for folder in ("screens", "dialogs", "widgets"):
        for path in sorted((TUI / folder).glob("*.py")):
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if REACH_INS.search(line):
                    where = f"{path.relative_to(TUI)}:{number} {line.strip()}"
                    if where not in ALLOWED:
                        found.append(where)
    assert found == []


def test_the_scan_finds_what_it_looks_for() -> None:
    """The pattern itself, on the reach-ins this part of the issue removed."""
    for line in ("actor = app._actor()", "with app.db.unit_of_work() as uow:",
                 "self.doctorbook.db.clock.now()", "self.app._auth_lock",
                 "self._doctorbook._generation"):
        assert REACH_INS.search(line), line
    for line in ("self.doctorbook.core.run(search.search)", "self._doctorbook.core.run(x)",
                 "self.app.post_message(message)", "self.doctorbook.now()"):
        assert not REACH_INS.search(line), line


def activation_mails(db: Database, to: str) -> int:
    with db.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(EmailOutbox).where(
            EmailOutbox.to_address == to, EmailOutbox.kind == "activation"))


async def test_a_desk_disabled_meanwhile_is_refused_at_its_next_action_back_to_the_login_form(
    settings: Settings, db: Database
) -> None:
    """The receptionist is on the patient lookup, where core's refusals of the activation
    e-mail are a warning on the screen; an admin disables her account meanwhile. The next
    action is refused for her login, not for the patient: back to the login form, no warning
    about the patient, and no e-mail sent."""
    clinic(db)
    app = app_for(settings, db, DESK)
    async with app.run_test(size=SIZE) as pilot:
        await open_lookup(pilot)
        await highlight(pilot, "walk@example.com")
        before = activation_mails(db, "walk@example.com")
        with db.unit_of_work() as uow:
            admin = uow.session.scalars(select(User).where(User.role == "admin")).one()
            accounts.set_staff_active(uow, actor=Actor(admin.id, Role.ADMIN, admin.email),
                                      ref=DESK, active=False, reason="left the clinic")
            uow.commit()

        await pilot.press("a")
        await settle(pilot)

        assert isinstance(app.screen, LoginScreen)
        assert app.user is None
        assert app.store.load() is None  # the login that is over is forgotten
        assert not said(app, "No activation e-mail sent")
        assert any(severity == "error" and "log in again" in message.lower()
                   for severity, message in notifications(app))
        assert activation_mails(db, "walk@example.com") == before
        no_crash(app)
