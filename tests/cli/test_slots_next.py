"""CLI: `slots next DOCTOR_ID` and `slots earliest SPECIALTY`, for people and for scripts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import Result

from doctorbook.core.base.db import Database
from doctorbook.core.base.rbac import Role
from tests.cli.conftest import PW, Cli
from tests.conftest import make_user
from tests.search.conftest import add_slot, make_visible_doctor

# The CLI's clock reads Tue 24 Nov 2026 09:00Z: 10:00 in Berlin, 04:00 in New York.
IN_1_HOUR = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # inside the 2 h lead time
MON_0900 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # Mon 30 Nov 09:00 in Berlin
WED_0900_NY = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)  # Wed 25 Nov 09:00 in New York


@dataclass(frozen=True)
class Clinic:
    """Dr Gregory House (Berlin) and Dr Allison Cameron (New York), cardiologists; the desk
    and Alice, a patient, each logged in under a CLI profile of their own."""

    cli: Cli
    db: Database
    house: int
    cameron: int

    def __call__(self, who: str, *args: str) -> Result:
        return self.cli(*args, DOCTORBOOK_PROFILE=who, COLUMNS="200")

    def slot(self, doctor: int, at: datetime) -> int:
        with self.db.unit_of_work() as uow:
            return add_slot(uow, doctor, at)


@pytest.fixture
def clinic(cli: Cli, db: Database) -> Clinic:
    with db.unit_of_work() as uow:
        admin = make_user(uow, email="admin@clinic.example", name="Ada Admin", role=Role.ADMIN)
        make_user(uow, email="desk@clinic.example", name="Rita Desk", role=Role.RECEPTIONIST)
        make_user(uow, email="alice@example.com", name="Alice Patient")
        house = make_visible_doctor(uow, admin, "house@clinic.example", name="Dr Gregory House")
        cameron = make_visible_doctor(uow, admin, "cameron@clinic.example",
                                      name="Dr Allison Cameron", timezone="America/New_York",
                                      city="New York")
    for profile, email in (("desk", "desk@clinic.example"), ("alice", "alice@example.com")):
        login = cli("login", "--email", email, "--password-stdin", input=PW + "\n",
                    DOCTORBOOK_PROFILE=profile)
        assert login.exit_code == 0, login.output
    return Clinic(cli, db, house.user_id or 0, cameron.user_id or 0)


def one_line_error(out: Result, code: int, message: str) -> None:
    assert out.exit_code == code, out.output
    assert message in out.stderr, out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr


def test_next_shows_the_next_open_slot_across_days(clinic: Clinic) -> None:
    monday = clinic.slot(clinic.house, MON_0900)
    clinic.slot(clinic.house, MON_0900 + timedelta(minutes=30))
    out = clinic("desk", "slots", "next", str(clinic.house))
    assert out.exit_code == 0, out.output
    assert out.stdout.splitlines() == [
        f"Mon 30 Nov 2026 09:00-09:30 (Europe/Berlin), slot #{monday}",
        f"Book it with: doctorbook book {monday} --patient EMAIL",
    ]
    data = json.loads(clinic("desk", "slots", "next", str(clinic.house), "--json").stdout)
    assert data == {"doctor_id": clinic.house, "slot": {
        "slot_id": monday, "starts_at": "2026-11-30T09:00:00+01:00",
        "ends_at": "2026-11-30T09:30:00+01:00", "timezone": "Europe/Berlin",
        "short_notice": False}}


def test_next_marks_short_notice_and_says_when_there_is_none(clinic: Clinic) -> None:
    none = clinic("desk", "slots", "next", str(clinic.house))
    assert none.exit_code == 0 and none.stdout.strip() == "No open slot in the next 60 days."
    as_json = json.loads(clinic("desk", "slots", "next", str(clinic.house), "--json").stdout)
    assert as_json == {"doctor_id": clinic.house, "slot": None}
    clinic.slot(clinic.house, IN_1_HOUR)
    out = clinic("desk", "slots", "next", str(clinic.house))
    assert "Tue 24 Nov 2026 11:00-11:30 (Europe/Berlin)" in out.stdout
    assert "Short notice: inside the doctor's lead time" in out.stdout
    assert json.loads(clinic("desk", "slots", "next", str(clinic.house), "--json")
                      .stdout)["slot"]["short_notice"] is True


def test_next_refuses_like_the_day_view(clinic: Clinic) -> None:
    one_line_error(clinic("alice", "slots", "next", str(clinic.house)), 1,
                   "only clinic staff and the doctor see a doctor's day")
    one_line_error(clinic("desk", "slots", "next", "987654"), 1, "no doctor 987654")
    one_line_error(clinic("desk", "slots", "next", "x"), 2, "doctor id must be a whole number")
    out = clinic("desk", "slots", "next", "987654", "--json")
    assert json.loads(out.stderr)["error"]["code"] == "not_found"


def test_earliest_lists_each_doctor_soonest_first(clinic: Clinic) -> None:
    clinic.slot(clinic.house, MON_0900)
    ny = clinic.slot(clinic.cameron, WED_0900_NY)
    clinic.slot(clinic.cameron, WED_0900_NY + timedelta(hours=1))
    out = clinic("desk", "slots", "earliest", "cardiology")
    assert out.exit_code == 0, out.output
    assert out.stdout.index("Dr Allison Cameron") < out.stdout.index("Dr Gregory House")
    assert "Wed 25 Nov 09:00" in out.stdout and "Mon 30 Nov 09:00" in out.stdout
    assert "New York Clinic, New York" in out.stdout
    data = json.loads(clinic("desk", "slots", "earliest", "Cardiology", "--json").stdout)
    assert data["specialty"] == "Cardiology"
    first = data["results"][0]
    assert (first["doctor_name"], first["slot_id"], first["starts_at"]) == (
        "Dr Allison Cameron", ny, "2026-11-25T09:00:00-05:00")
    assert set(data["results"][0]) == {
        "doctor_id", "doctor_name", "clinic", "city", "timezone", "slot_id", "starts_at",
        "ends_at", "short_notice"}
    limited = json.loads(clinic("desk", "slots", "earliest", "Cardiology", "--limit", "1",
                                "--json").stdout)
    assert [r["doctor_id"] for r in limited["results"]] == [clinic.cameron]


def test_earliest_refusals_and_the_empty_case(clinic: Clinic) -> None:
    empty = clinic("desk", "slots", "earliest", "Cardiology")
    assert empty.exit_code == 0
    assert "No open slot with a doctor of that specialty" in empty.stdout
    one_line_error(clinic("desk", "slots", "earliest", "Astrology"), 1,
                   "no specialty named 'Astrology' (known: Cardiology)")
    one_line_error(clinic("desk", "slots", "earliest", "Cardiology", "--limit", "0"), 2,
                   "limit must be from 1 to 100")
    one_line_error(clinic("alice", "slots", "earliest", "Cardiology"), 1, "may not do this")
