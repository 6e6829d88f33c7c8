"""Brief 4, acceptance b: given a cancellation within the allowed window, then the appointment
status becomes `cancelled` and an audit log entry is created (CLI; the TUI half is in
test_4b_tui.py).
"""

from __future__ import annotations

import json

from doctorbook.core.base.db import Database
from doctorbook.core.base.rbac import Role
from doctorbook.core.booking import booking
from tests.booking.conftest import IN_3_DAYS_10, add_slot
from tests.cli.conftest import PW
from tests.conftest import make_user
from tests.search.conftest import make_visible_doctor


def test_a_patient_cancels_within_the_window_and_it_is_audited(cli, db: Database) -> None:
    with db.unit_of_work() as uow:
        make_user(uow, email="admin@clinic.example", role=Role.ADMIN)
        admin = make_user(uow, email="boss@clinic.example", role=Role.ADMIN)
        doctor = make_visible_doctor(uow, admin, "house@clinic.example", name="Dr House")
        alice = make_user(uow, email="alice@example.com", name="Alice")
        slot = add_slot(uow, doctor.user_id, IN_3_DAYS_10)  # 3 days ahead; the window is 24 h
        mine = booking.book(uow, actor=alice, slot_id=slot)
    assert cli("login", "--email", "alice@example.com", "--password-stdin",
               input=PW + "\n").exit_code == 0

    done = cli("appointments", "cancel", str(mine.id), "--reason", "feeling better")
    assert done.exit_code == 0, done.output
    shown = json.loads(cli("appointments", "show", str(mine.id), "--json").stdout)
    assert shown["status"] == "cancelled" and shown["late_cancel"] is False

    assert cli("login", "--email", "boss@clinic.example", "--password-stdin", input=PW + "\n",
               DOCTORBOOK_PROFILE="boss").exit_code == 0
    trail = cli("audit", "list", "--entity", f"appointment:{mine.id}", "--json",
                DOCTORBOOK_PROFILE="boss")
    assert trail.exit_code == 0, trail.output
    data = json.loads(trail.stdout)
    entries = data if isinstance(data, list) else data["entries"]
    cancelled = [e for e in entries if e["action"] == "appointment.cancelled"]
    assert len(cancelled) == 1
    assert cancelled[0]["actor_id"] == alice.user_id
    assert cancelled[0]["data"]["from"] == "confirmed" and cancelled[0]["data"]["to"] == "cancelled"
    # The slot is bookable again at once.
    reopened = json.loads(cli("doctors", "show", str(doctor.user_id), "--date", "2026-11-27",
                              "--json").stdout)
    assert slot in [s["slot_id"] for s in reopened["slots"]["slots"]]
