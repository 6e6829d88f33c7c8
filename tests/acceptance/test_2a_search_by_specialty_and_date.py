"""Brief 2, acceptance a: given a patient filters by specialty and date, then the results show
matching doctors with next available slots.

The CLI half runs here; the TUI half belongs with the patient search screen.
"""

from __future__ import annotations

import json
from datetime import datetime

from doctorbook.core.base.db import Database
from doctorbook.core.base.rbac import Role
from doctorbook.core.scheduling import schedule, slots
from tests.cli.conftest import PW
from tests.conftest import make_user
from tests.search.conftest import make_visible_doctor


def test_patient_filters_by_specialty_and_date_and_sees_next_slots(cli, registered, db: Database):
    with db.unit_of_work() as uow:
        admin = make_user(uow, email="admin@clinic.example", role=Role.ADMIN)
        working = [
            make_visible_doctor(uow, admin, "heart.berlin@example.com", name="Dr Heart Berlin"),
            make_visible_doctor(uow, admin, "heart.ny@example.com", name="Dr Heart York",
                                timezone="America/New_York", city="New York"),
            make_visible_doctor(uow, admin, "skin@example.com", name="Dr Skin",
                                specialty="Dermatology"),
        ]
        # A cardiologist whose only open slots (of the 7 days generated) are on Wednesday,
        # the day before the date asked for.
        wednesday = make_visible_doctor(uow, admin, "wed@example.com", name="Dr Wednesday")
        schedule.add_rule(uow, actor=wednesday, weekday="wed", start="09:00", end="12:00")
        slots.generate(uow, actor=wednesday, days=7)
        for doc in working:
            schedule.add_rule(uow, actor=doc, weekday="thu", start="14:00", end="16:00")
            slots.generate(uow, actor=doc, days=7)
    registered("pat@example.com", "Pat Patient")
    assert cli("login", "--email", "pat@example.com", "--password-stdin",
               input=PW + "\n").exit_code == 0

    # Without the date, the Wednesday doctor leads (soonest), so the date is what filters.
    anyday = json.loads(cli("search", "--specialty", "Cardiology", "--json").stdout)["results"]
    assert anyday[0]["name"] == "Dr Wednesday"

    out = cli("search", "--specialty", "Cardiology", "--date", "2026-11-26", "--json")
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout)["results"]
    # Only the matching specialty, only doctors with slots from that date, soonest first.
    assert [r["name"] for r in rows] == ["Dr Heart Berlin", "Dr Heart York"]
    for row, zone in zip(rows, ("+01:00", "-05:00"), strict=True):
        assert row["specialties"] == ["Cardiology"]
        starts = [datetime.fromisoformat(s["starts_at"]) for s in row["next_slots"]]
        assert [s.strftime("%Y-%m-%d %H:%M") for s in starts] == [
            "2026-11-26 14:00", "2026-11-26 14:30", "2026-11-26 15:00"]
        assert all(s["starts_at"].endswith(zone) for s in row["next_slots"])

    table = cli("search", "--specialty", "Cardiology", "--date", "2026-11-26", COLUMNS="140")
    assert table.exit_code == 0
    assert "Dr Heart Berlin" in table.stdout and "Thu 26 Nov 14:00" in table.stdout
    assert "Dr Skin" not in table.stdout and "Dr Wednesday" not in table.stdout
