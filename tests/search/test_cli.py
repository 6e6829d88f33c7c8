"""CLI: `search` and `doctors show` list open slots in clinic time; bad input exits 2."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from doctorbook.core.base.db import Database
from doctorbook.core.base.rbac import Role
from doctorbook.core.scheduling import schedule, slots
from tests.conftest import make_user
from tests.search.conftest import add_slot, make_visible_doctor


@pytest.fixture
def clinics(db: Database) -> dict[str, int]:
    """Dr Berlin (Europe/Berlin) and Dr York (America/New_York), cardiologists working
    Wednesdays and Thursdays 09:00-11:00 local, slots generated for 14 days; and a dermatologist
    in Berlin without slots."""
    with db.unit_of_work() as uow:
        admin = make_user(uow, email="admin@clinic.example", role=Role.ADMIN)
        berlin = make_visible_doctor(uow, admin, "dr.b@example.com", name="Dr Berlin")
        york = make_visible_doctor(uow, admin, "dr.n@example.com", name="Dr York",
                                   timezone="America/New_York", city="New York")
        derm = make_visible_doctor(uow, admin, "dr.d@example.com", name="Dr Derm",
                                   specialty="Dermatology")
        for doc in (berlin, york):
            for weekday in ("wed", "thu"):
                schedule.add_rule(uow, actor=doc, weekday=weekday, start="09:00", end="11:00",
                                  slot_minutes=60)
            slots.generate(uow, actor=doc, days=14)
        return {"berlin": berlin.user_id, "york": york.user_id, "derm": derm.user_id}


def test_search_json_keeps_its_keys_and_clinic_offsets(cli, clinics):
    out = cli("search", "--specialty", "cardiology", "--date", "2026-11-26", "--json")
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout)["results"]
    assert [r["name"] for r in rows] == ["Dr Berlin", "Dr York"]
    for row in rows:
        assert set(row) >= {"doctor_id", "name", "specialties", "clinic", "city", "price",
                            "rating", "review_count", "next_slots"}
        assert row["rating"] is None and row["review_count"] == 0
        assert all(set(s) == {"slot_id", "starts_at"} for s in row["next_slots"])
    assert [s["starts_at"] for s in rows[0]["next_slots"]] == [
        "2026-11-26T09:00:00+01:00", "2026-11-26T10:00:00+01:00", "2026-12-02T09:00:00+01:00"]
    assert [s["starts_at"] for s in rows[1]["next_slots"]] == [
        "2026-11-26T09:00:00-05:00", "2026-11-26T10:00:00-05:00", "2026-12-02T09:00:00-05:00"]
    one = json.loads(cli("search", "--slots", "1", "--json").stdout)["results"]
    # Without a date the doctor without slots is still listed, last.
    assert [(r["name"], len(r["next_slots"])) for r in one] == [
        ("Dr Berlin", 1), ("Dr York", 1), ("Dr Derm", 0)]
    assert one[0]["next_slots"][0]["starts_at"] == "2026-11-25T09:00:00+01:00"


def test_search_table_shows_clinic_local_times(cli, clinics):
    out = cli("search", "--date", "2026-11-26", "--slots", "2", COLUMNS="160")
    assert out.exit_code == 0, out.output
    assert "Thu 26 Nov 09:00" in out.stdout and "Thu 26 Nov 10:00" in out.stdout
    assert "Dr Derm" not in out.stdout
    assert out.stdout.index("Dr Berlin") < out.stdout.index("Dr York")
    none = cli("search", "--date", "2027-06-01")
    assert none.exit_code == 0 and "No doctors match on or after that date" in none.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["search", "--date", "26/11/2026"], "--date must be YYYY-MM-DD"),
    (["search", "--date", "2026-02-30"], "--date must be YYYY-MM-DD"),
    (["search", "--slots", "11"], "slots must be from 0 to 10"),
    (["search", "--slots", "-1"], "slots must be from 0 to 10"),
    (["doctors", "show", "1", "--date", "tomorrow"], "--date must be YYYY-MM-DD"),
])
def test_bad_input_exits_2_with_one_line(cli, args, message):
    out = cli(*args)
    assert out.exit_code == 2, out.output
    assert message in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_doctors_show_lists_a_week_of_open_slots(cli, clinics, db):
    doctor = str(clinics["york"])
    # Now is 04:00 Tuesday in New York: the week runs Tue 24 - Mon 30 Nov there.
    shown = json.loads(cli("doctors", "show", doctor, "--json").stdout)
    assert shown["slots"]["timezone"] == "America/New_York"
    assert shown["slots"]["from"] == "2026-11-24" and shown["slots"]["days"] == 7
    assert [s["starts_at"] for s in shown["slots"]["slots"]] == [
        "2026-11-25T09:00:00-05:00", "2026-11-25T10:00:00-05:00",
        "2026-11-26T09:00:00-05:00", "2026-11-26T10:00:00-05:00"]
    assert shown["next_slots"] == shown["slots"]["slots"][:3]

    # A booked slot disappears; the lead time hides one starting too soon.
    booked = shown["slots"]["slots"][0]["slot_id"]
    with db.unit_of_work() as uow:
        from sqlalchemy import update

        from doctorbook.core.base.models import AvailabilitySlot
        uow.session.execute(update(AvailabilitySlot).where(AvailabilitySlot.id == booked)
                            .values(status="booked"))
        uow.commit()
        add_slot(uow, clinics["york"], datetime(2026, 11, 24, 10, 30, tzinfo=UTC))
        later = add_slot(uow, clinics["york"], datetime(2026, 11, 24, 11, 0, tzinfo=UTC))
    week = json.loads(cli("doctors", "show", doctor, "--date", "2026-11-24", "--json").stdout)
    assert [s["slot_id"] for s in week["slots"]["slots"]][:2] == [
        later, shown["slots"]["slots"][1]["slot_id"]]

    nextweek = json.loads(cli("doctors", "show", doctor, "--date", "2026-12-02",
                              "--json").stdout)
    assert [s["starts_at"][:16] for s in nextweek["slots"]["slots"]] == [
        "2026-12-02T09:00", "2026-12-02T10:00", "2026-12-03T09:00", "2026-12-03T10:00"]

    human = cli("doctors", "show", doctor, "--date", "2026-12-02", COLUMNS="120")
    assert human.exit_code == 0, human.output
    lines = human.stdout.splitlines()
    wed = next(line for line in lines if "Wed 02 Dec" in line)
    assert "09:00 #" in wed and "10:00 #" in wed
    assert any("Fri 04 Dec" in line and "—" in line for line in lines)
    assert "Book one with: doctorbook book SLOT_ID" in human.stdout


def test_a_profile_without_open_slots_says_so(cli, clinics):
    out = cli("doctors", "show", str(clinics["derm"]))
    assert out.exit_code == 0, out.output
    assert "No open slots in the 7 days from Tue 24 Nov (Europe/Berlin)" in out.stdout
    shown = json.loads(cli("doctors", "show", str(clinics["derm"]), "--json").stdout)
    assert shown["next_slots"] == [] and shown["slots"]["slots"] == []


def test_anonymous_users_search_and_view_profiles(cli, clinics):
    # No stored login under this profile and no token: anonymous.
    anon = {"DOCTORBOOK_PROFILE": "nobody"}
    found = cli("search", "--specialty", "Cardiology", "--date", "2026-12-03", "--json", **anon)
    assert found.exit_code == 0, found.output
    rows = json.loads(found.stdout)["results"]
    assert rows and all(r["next_slots"] for r in rows)
    shown = cli("doctors", "show", str(rows[0]["doctor_id"]), "--json", **anon)
    assert shown.exit_code == 0 and "email" not in json.loads(shown.stdout)
