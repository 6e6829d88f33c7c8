"""Brief 4, acceptance a: given a patient attempts to view another user's appointment, then
access is denied (CLI here; core's own refusal in tests/booking; the TUI never lists it).
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


def test_a_patient_cannot_see_or_touch_another_patients_appointment(
    cli, registered, db: Database
) -> None:
    with db.unit_of_work() as uow:
        admin = make_user(uow, email="admin@clinic.example", role=Role.ADMIN)
        doctor = make_visible_doctor(uow, admin, "house@clinic.example", name="Dr House")
        alice = make_user(uow, email="alice@example.com", name="Alice")
        theirs = booking.book(uow, actor=alice,
                              slot_id=add_slot(uow, doctor.user_id, IN_3_DAYS_10))
    registered("mallory@example.com", "Mallory")
    assert cli("login", "--email", "mallory@example.com", "--password-stdin",
               input=PW + "\n").exit_code == 0

    for args in (("show", str(theirs.id)), ("show", str(theirs.id), "--json"),
                 ("cancel", str(theirs.id)),
                 ("reschedule", str(theirs.id), "1")):
        denied = cli("appointments", *args)
        assert denied.exit_code == 1, (args, denied.output)
        assert "access denied" in denied.stderr
        assert "Alice" not in denied.output and "check" not in denied.stdout
    listed = json.loads(cli("appointments", "list", "--json").stdout)
    items = listed if isinstance(listed, list) else listed["appointments"]
    assert items == []
    # The owner is not refused.
    assert cli("login", "--email", "alice@example.com", "--password-stdin", input=PW + "\n",
               DOCTORBOOK_PROFILE="alice").exit_code == 0
    assert cli("appointments", "show", str(theirs.id), DOCTORBOOK_PROFILE="alice").exit_code == 0
