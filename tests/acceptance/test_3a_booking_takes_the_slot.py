"""Brief 3, acceptance a: given an available slot, when a patient books it, then an appointment
is created and the slot is no longer available. (And 5a for bookings: the confirmation is queued
and marked sent upon provider success.) The TUI half is in test_3a_tui.py.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from doctorbook.core.base.db import Database
from doctorbook.core.base.models import EmailOutbox
from doctorbook.core.base.rbac import Role
from doctorbook.core.scheduling import schedule, slots
from tests.cli.conftest import PW
from tests.conftest import make_user
from tests.search.conftest import make_visible_doctor


def _open_slot_ids(cli, doctor_id: int) -> list[int]:  # type: ignore[no-untyped-def]
    shown = cli("doctors", "show", str(doctor_id), "--json")
    assert shown.exit_code == 0, shown.output
    return [s["slot_id"] for s in json.loads(shown.stdout)["slots"]["slots"]]


def test_a_patient_books_an_open_slot_from_the_cli(cli, registered, db: Database) -> None:
    with db.unit_of_work() as uow:
        admin = make_user(uow, email="admin@clinic.example", role=Role.ADMIN)
        doctor = make_visible_doctor(uow, admin, "house@clinic.example", name="Dr House")
        schedule.add_rule(uow, actor=doctor, weekday="thu", start="14:00", end="16:00")
        slots.generate(uow, actor=doctor, days=14)
    for email, name in (("pat@example.com", "Pat Patient"), ("sam@example.com", "Sam Second")):
        registered(email, name)
        assert cli("login", "--email", email, "--password-stdin", input=PW + "\n",
                   DOCTORBOOK_PROFILE=email).exit_code == 0

    before = _open_slot_ids(cli, doctor.user_id)
    slot_id = before[0]
    booked = cli("book", str(slot_id), "--reason", "check-up", "--json",
                 DOCTORBOOK_PROFILE="pat@example.com")
    assert booked.exit_code == 0, booked.output
    appointment = json.loads(booked.stdout)
    assert appointment["status"] == "confirmed" and appointment["doctor_id"] == doctor.user_id

    # The appointment exists in the patient's list...
    listed = json.loads(cli("appointments", "list", "--json",
                            DOCTORBOOK_PROFILE="pat@example.com").stdout)
    items = listed if isinstance(listed, list) else listed["appointments"]
    assert [a["id"] for a in items] == [appointment["id"]]
    # ...and the slot is offered to nobody any more.
    assert slot_id not in _open_slot_ids(cli, doctor.user_id)
    again = cli("book", str(slot_id), DOCTORBOOK_PROFILE="sam@example.com")
    assert again.exit_code == 1
    assert "no longer available" in again.stderr and len(again.stderr.strip().splitlines()) == 1

    # 5a: the confirmation was queued with the booking and is marked sent once delivered.
    with db.unit_of_work() as uow:
        queued = uow.session.scalars(select(EmailOutbox).where(
            EmailOutbox.entity_id == str(appointment["id"]),
            EmailOutbox.kind == "appointment_update")).one()
        assert queued.status == "pending" and queued.to_address == "pat@example.com"
        queued_id = queued.id
    assert cli("dispatch-emails", "--once").exit_code == 0
    with db.unit_of_work() as uow:
        sent = uow.session.get(EmailOutbox, queued_id)
        assert sent is not None and sent.status == "sent" and sent.sent_at is not None
