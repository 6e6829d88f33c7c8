"""CLI: `book` and the appointment verbs (show, cancel, confirm, check-in, complete, no-show,
note, reschedule): happy paths, one refusal each, exit codes and JSON keys."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from typer.testing import Result

from doctorbook.core.base.db import Database
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.doctors import doctors
from tests.cli.conftest import PW, Cli
from tests.conftest import make_user
from tests.search.conftest import add_slot, make_visible_doctor

# The CLI's clock reads 2026-11-24T09:00Z: 10:00 on Tuesday in Berlin.
TOMORROW_10 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # Wed 25 Nov 10:00 Berlin
IN_3_DAYS_10 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # Fri 27 Nov 10:00 Berlin
IN_1_HOUR = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # inside the 2 h lead time
THIS_AFTERNOON = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # bookable, inside 24 h window
LATE_WED_UTC = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)  # Thu 26 Nov 00:30 in Berlin

REQUIRED_KEYS = {"id", "status", "starts_at", "ends_at", "doctor_id", "patient_id"}
BOOKED_RE = re.compile(r"Booked appointment (\d+)")


@dataclass(frozen=True)
class Clinic:
    """Dr House (pending until confirmed) and Dr Wilson (auto-confirms), both in Berlin with
    a 2 h lead time and a 24 h cancellation window; the desk, an admin, two patients. Each
    person is logged in under a CLI profile of their first name."""

    cli: Cli
    admin: int
    house: int
    wilson: int
    alice: int
    bob: int

    def __call__(self, who: str, *args: str, input: str | None = None, **env: str) -> Result:
        return self.cli(*args, input=input, DOCTORBOOK_PROFILE=who, **env)

    def slot(self, db: Database, doctor: int, at: datetime) -> int:
        with db.unit_of_work() as uow:
            return add_slot(uow, doctor, at)

    def book(self, who: str, slot: int, *extra: str) -> int:
        out = self(who, "book", str(slot), *extra)
        assert out.exit_code == 0, out.output
        match = BOOKED_RE.search(out.stdout)
        assert match, out.stdout
        return int(match.group(1))


PEOPLE = {
    "admin": "admin@clinic.example",
    "desk": "desk@clinic.example",
    "house": "house@clinic.example",
    "wilson": "wilson@clinic.example",
    "alice": "alice@example.com",
    "bob": "bob@example.com",
}


def seed_clinic(cli: Cli, db: Database) -> Clinic:
    with db.unit_of_work() as uow:
        admin = make_user(uow, email=PEOPLE["admin"], name="Ada Admin", role=Role.ADMIN)
        make_user(uow, email=PEOPLE["desk"], name="Rita Desk", role=Role.RECEPTIONIST)
        house = make_visible_doctor(uow, admin, PEOPLE["house"], name="Dr Gregory House")
        wilson = make_visible_doctor(uow, admin, PEOPLE["wilson"], name="Dr James Wilson",
                                     specialty="Oncology")
        doctors.update_profile(uow, actor=house, auto_confirm=False)
        alice = make_user(uow, email=PEOPLE["alice"], name="Alice Patient")
        bob = make_user(uow, email=PEOPLE["bob"], name="Bob Patient")
    for profile, email in PEOPLE.items():
        login = cli("login", "--email", email, "--password-stdin", input=PW + "\n",
                    DOCTORBOOK_PROFILE=profile)
        assert login.exit_code == 0, login.output
    assert admin.user_id and alice.user_id and bob.user_id
    return Clinic(cli=cli, admin=admin.user_id, house=house.user_id or 0,
                  wilson=wilson.user_id or 0, alice=alice.user_id, bob=bob.user_id)


@pytest.fixture
def clinic(cli: Cli, db: Database) -> Clinic:
    return seed_clinic(cli, db)


def one_line_error(out: Result, code: int, message: str) -> None:
    assert out.exit_code == code, out.output
    assert message in out.stderr, out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr


def test_patient_books_and_the_slot_is_gone(clinic, db):
    slot = clinic.slot(db, clinic.wilson, TOMORROW_10)
    before = json.loads(clinic("alice", "doctors", "show", str(clinic.wilson), "--json").stdout)
    assert slot in [s["slot_id"] for s in before["slots"]["slots"]]
    out = clinic("alice", "book", str(slot), "--reason", "Check-up")
    assert out.exit_code == 0, out.output
    appointment = int(BOOKED_RE.search(out.stdout).group(1))
    assert out.stdout.strip() == (
        f"Booked appointment {appointment} with Dr James Wilson on "
        "Wed 25 Nov 2026 10:00\u201310:30 (Europe/Berlin) — confirmed")
    shown = json.loads(clinic("alice", "doctors", "show", str(clinic.wilson), "--json").stdout)
    assert slot not in [s["slot_id"] for s in shown["slots"]["slots"]]

    # Someone else was a moment too late.
    one_line_error(clinic("bob", "book", str(slot)), 1, "no longer available")

    listed = json.loads(clinic("alice", "appointments", "list", "--json").stdout)
    assert listed["scope"] == "all"
    [row] = listed["appointments"]
    assert set(row) >= REQUIRED_KEYS | {"timezone", "local_starts_at", "doctor_name"}
    assert row["id"] == appointment and row["status"] == "confirmed"
    assert row["starts_at"].startswith("2026-11-25T09:00:00")
    assert row["local_starts_at"] == "2026-11-25T10:00:00+01:00"
    table = clinic("alice", "appointments", "list", COLUMNS="200")
    # One clinic timezone: named once in the title; this year's dates go without the year.
    assert "Appointments, Europe/Berlin time" in table.stdout
    assert "Wed 25 Nov 10:00\u201310:30" in table.stdout
    assert "Dr James Wilson" in table.stdout and "confirmed" in table.stdout


def test_book_json_and_pending_when_the_doctor_confirms(clinic, db):
    slot = clinic.slot(db, clinic.house, IN_3_DAYS_10)
    out = clinic("alice", "book", str(slot), "--reason", "Limp", "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert set(data) >= REQUIRED_KEYS | {"slot_id", "reason", "timezone"}
    assert data["status"] == "pending" and data["slot_id"] == slot
    assert data["patient_id"] == clinic.alice and data["doctor_id"] == clinic.house
    assert data["reason"] == "Limp" and data["timezone"] == "Europe/Berlin"
    human = clinic("bob", "book", str(clinic.slot(db, clinic.house, TOMORROW_10)))
    assert "— pending until the clinic confirms it" in human.stdout


def test_desk_books_for_a_patient_and_patients_only_for_themselves(clinic, db):
    slot = clinic.slot(db, clinic.house, TOMORROW_10)
    one_line_error(clinic("desk", "book", str(slot)), 2, "which patient")
    one_line_error(clinic("desk", "book", str(slot), "--patient", "nobody@example.com"), 1,
                   "no patient nobody@example.com")
    one_line_error(clinic("alice", "book", str(slot), "--patient", "bob@example.com"), 1,
                   "patients book only for themselves")
    out = clinic("desk", "book", str(slot), "--patient", "Bob@Example.com")
    assert out.exit_code == 0, out.output
    assert "for Bob Patient with Dr Gregory House" in out.stdout
    mine = json.loads(clinic("bob", "appointments", "list", "--json").stdout)["appointments"]
    assert [a["slot_id"] for a in mine] == [slot]
    one_line_error(clinic("alice", "book", "999999"), 1, "no slot 999999")


def test_lead_time_refusal_and_audited_override(clinic, db):
    soon = clinic.slot(db, clinic.house, IN_1_HOUR)
    refused = clinic("alice", "book", str(soon))
    one_line_error(refused, 1, "too short notice")
    assert "--override-policy" not in refused.stderr  # no hint at what a patient can't do
    one_line_error(clinic("alice", "book", str(soon), "--override-policy"), 1,
                   "only clinic staff")
    desk = clinic("desk", "book", str(soon), "--patient", PEOPLE["alice"])
    one_line_error(desk, 1, "staff can override the booking policy")

    appointment = clinic.book("desk", soon, "--patient", PEOPLE["alice"], "--override-policy")
    audit = clinic("admin", "audit", "list", "--entity", f"appointment:{appointment}", "--json")
    assert audit.exit_code == 0, audit.output
    entries = json.loads(audit.stdout)["entries"]
    actions = {e["action"]: e for e in entries}
    assert set(actions) == {"appointment.policy_overridden", "appointment.booked"}
    override = actions["appointment.policy_overridden"]
    assert override["actor_role"] == "receptionist"
    assert override["data"]["rule"] == "lead_time"
    assert actions["appointment.booked"]["data"]["policy_override"] is True


def test_show_and_notes_only_for_the_appointments_doctor(clinic, db):
    appointment = clinic.book("alice", clinic.slot(db, clinic.house, TOMORROW_10),
                              "--reason", "Knee pain")
    ident = str(appointment)
    shown = clinic("alice", "appointments", "show", ident, COLUMNS="200")
    assert shown.exit_code == 0, shown.output
    for text in (f"Appointment {appointment}", "pending", "Dr Gregory House",
                 "Wed 25 Nov 2026 10:00\u201310:30 (Europe/Berlin)", "Knee pain",
                 "Online cancel"):
        assert text in shown.stdout, (text, shown.stdout)
    assert "Notes" not in shown.stdout
    data = json.loads(clinic("alice", "appointments", "show", ident, "--json").stdout)
    assert set(data) >= REQUIRED_KEYS | {"rescheduled_to_id", "reason"}
    assert "notes" not in data

    one_line_error(clinic("bob", "appointments", "show", ident), 1, "access denied")
    one_line_error(clinic("wilson", "appointments", "show", ident), 1, "access denied")
    one_line_error(clinic("alice", "appointments", "show", "999999"), 1, "no appointment")

    added = clinic("house", "appointments", "note", ident, "Allergic to penicillin")
    assert added.exit_code == 0, added.output
    assert re.match(rf"Added note \d+ to appointment {appointment}", added.stdout)
    piped = clinic("house", "appointments", "note", ident, "-", "--json",
                   input="Line one\nline two\n")
    assert piped.exit_code == 0, piped.output
    assert set(json.loads(piped.stdout)) == {"appointment_id", "note_id"}
    one_line_error(clinic("house", "appointments", "note", ident, "   "), 2, "the note is empty")
    one_line_error(clinic("wilson", "appointments", "note", ident, "x"), 1, "access denied")
    one_line_error(clinic("desk", "appointments", "note", ident, "x"), 1, "may not")

    doctor_view = clinic("house", "appointments", "show", ident, COLUMNS="200")
    assert "Notes" in doctor_view.stdout and "Allergic to penicillin" in doctor_view.stdout
    notes = json.loads(clinic("house", "appointments", "show", ident, "--json").stdout)["notes"]
    assert [n["body"] for n in notes] == ["Allergic to penicillin", "Line one\nline two"]
    assert set(notes[0]) >= {"id", "body", "created_at", "author"}
    # The desk sees the appointment, never the doctor's notes.
    desk_view = clinic("desk", "appointments", "show", ident, COLUMNS="200")
    assert desk_view.exit_code == 0 and "penicillin" not in desk_view.stdout
    desk_json = json.loads(clinic("desk", "appointments", "show", ident, "--json").stdout)
    assert "notes" not in desk_json
    assert "penicillin" not in clinic("alice", "appointments", "show", ident).stdout


def test_confirm_check_in_complete(clinic, db):
    ident = str(clinic.book("alice", clinic.slot(db, clinic.house, TOMORROW_10)))
    one_line_error(clinic("alice", "appointments", "confirm", ident), 1, "may not")
    one_line_error(clinic("wilson", "appointments", "confirm", ident), 1, "access denied")
    confirmed = clinic("house", "appointments", "confirm", ident)
    assert confirmed.exit_code == 0, confirmed.output
    assert confirmed.stdout.strip() == (
        f"Confirmed appointment {ident}: Alice Patient with Dr Gregory House on "
        "Wed 25 Nov 2026 10:00\u201310:30 (Europe/Berlin) — now confirmed")
    one_line_error(clinic("house", "appointments", "confirm", ident), 1,
                   "can't confirm the visit on Wed 25 Nov 10:00 (Europe/Berlin) with Dr "
                   "Gregory House: it is confirmed")

    one_line_error(clinic("alice", "appointments", "check-in", ident), 1, "may not")
    one_line_error(clinic("desk", "appointments", "complete", ident), 1,
                   "only a checked-in appointment")
    # A day ahead is too early: the patient checks in at the desk on the day.
    one_line_error(clinic("desk", "appointments", "check-in", ident), 1, "check-in opens")
    morning = {"DOCTORBOOK_NOW": "2026-11-25T08:40:00Z"}
    checked = clinic("desk", "appointments", "check-in", ident, **morning)
    assert checked.exit_code == 0 and "now checked in" in checked.stdout

    one_line_error(clinic("bob", "appointments", "complete", ident), 1, "may not")
    done = clinic("house", "appointments", "complete", ident, "--json", **morning)
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    assert set(data) >= REQUIRED_KEYS and data["status"] == "completed"
    # Over and done: nothing more to change.
    one_line_error(clinic("desk", "appointments", "no-show", ident), 1, "it is completed")
    one_line_error(clinic("alice", "appointments", "cancel", ident), 1, "already completed")


def test_no_show_only_once_the_visit_has_started(clinic, db):
    ident = str(clinic.book("alice", clinic.slot(db, clinic.wilson, TOMORROW_10)))
    one_line_error(clinic("desk", "appointments", "no-show", ident), 1,
                   "once the start time has passed")
    later = {"DOCTORBOOK_NOW": "2026-11-25T09:45:00Z"}
    one_line_error(clinic("alice", "appointments", "no-show", ident, **later), 1, "may not")
    out = clinic("wilson", "appointments", "no-show", ident, **later)
    assert out.exit_code == 0, out.output
    assert out.stdout.startswith(f"Recorded appointment {ident} as a no-show: ")
    assert out.stdout.strip().endswith("— now no-show")


def test_resend_the_confirmation_desk_and_doctor_not_the_patient(clinic, db):
    ident = str(clinic.book("alice", clinic.slot(db, clinic.wilson, TOMORROW_10)))
    one_line_error(clinic("alice", "appointments", "resend", ident), 1, "may not")
    out = clinic("desk", "appointments", "resend", ident)
    assert out.exit_code == 0, out.output
    assert out.stdout.startswith(f"Confirmation of appointment {ident} queued again for ")
    as_json = clinic("wilson", "appointments", "resend", ident, "--json")
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout)["id"] == int(ident)
    later = {"DOCTORBOOK_NOW": "2026-11-25T09:45:00Z"}
    one_line_error(clinic("desk", "appointments", "resend", ident, **later), 1,
                   "no confirmation to send again: the visit on Wed 25 Nov 10:00")


def test_cancel_by_patient_and_desk(clinic, db):
    slot = clinic.slot(db, clinic.house, IN_3_DAYS_10)
    ident = str(clinic.book("alice", slot))
    one_line_error(clinic("bob", "appointments", "cancel", ident), 1, "access denied")
    out = clinic("alice", "appointments", "cancel", ident)
    assert out.exit_code == 0, out.output
    assert out.stdout.startswith(f"Cancelled appointment {ident}: Alice Patient with ")
    assert f"now cancelled; slot #{slot} is open again" in out.stdout
    shown = json.loads(clinic("bob", "doctors", "show", str(clinic.house), "--date",
                              "2026-11-27", "--json").stdout)
    assert slot in [s["slot_id"] for s in shown["slots"]["slots"]]
    one_line_error(clinic("alice", "appointments", "cancel", ident), 1, "already cancelled")

    # Inside the 24 h window the patient must call; the desk cancels, with a reason.
    late = str(clinic.book("alice", clinic.slot(db, clinic.house, THIS_AFTERNOON)))
    refused = clinic("alice", "appointments", "cancel", late)
    one_line_error(refused, 1, "too late to cancel the visit on Tue 24 Nov 16:00 "
                               "(Europe/Berlin) with Dr Gregory House: online cancellation "
                               "closed Mon 23 Nov 16:00 (24 h before the visit)")
    assert "please call the clinic" in refused.stderr
    one_line_error(clinic("desk", "appointments", "cancel", late), 2, "give a reason")
    desk = clinic("desk", "appointments", "cancel", late, "--reason", "Doctor ill", "--json")
    assert desk.exit_code == 0, desk.output
    data = json.loads(desk.stdout)
    assert data["status"] == "cancelled" and data["cancel_reason"] == "Doctor ill"
    assert data["late_cancel"] is True


def test_reschedule(clinic, db):
    first = clinic.slot(db, clinic.house, TOMORROW_10)
    second = clinic.slot(db, clinic.house, IN_3_DAYS_10)
    taken = clinic.slot(db, clinic.house, LATE_WED_UTC)
    clinic.book("bob", taken)
    old = clinic.book("alice", first)
    one_line_error(clinic("bob", "appointments", "reschedule", str(old), str(second)), 1,
                   "access denied")
    one_line_error(clinic("alice", "appointments", "reschedule", str(old), str(taken)), 1,
                   "no longer available")
    out = clinic("alice", "appointments", "reschedule", str(old), str(second))
    assert out.exit_code == 0, out.output
    match = re.match(rf"Moved appointment {old} to appointment (\d+): Alice Patient with "
                     r"Dr Gregory House on Fri 27 Nov 2026 10:00\u201310:30 \(Europe/Berlin\) "
                     rf"— now pending \(appointment {old} is cancelled\)", out.stdout)
    assert match, out.stdout
    new = int(match.group(1))
    before = json.loads(clinic("alice", "appointments", "show", str(old), "--json").stdout)
    assert before["status"] == "cancelled" and before["rescheduled_to_id"] == new
    after = json.loads(clinic("alice", "appointments", "show", str(new), "--json").stdout)
    assert after["rescheduled_from_id"] == old and after["slot_id"] == second
    assert "Moved from" in clinic("alice", "appointments", "show", str(new)).stdout

    # The desk may move it inside the lead time, overriding the policy.
    soon = clinic.slot(db, clinic.house, IN_1_HOUR)
    one_line_error(clinic("desk", "appointments", "reschedule", str(new), str(soon)), 1,
                   "too short notice")
    moved = clinic("desk", "appointments", "reschedule", str(new), str(soon),
                   "--override-policy", "--json")
    assert moved.exit_code == 0, moved.output
    data = json.loads(moved.stdout)
    assert set(data) >= REQUIRED_KEYS and data["rescheduled_from_id"] == new


def test_list_filters_by_doctor_and_clinic_date(clinic, db):
    clinic.book("alice", clinic.slot(db, clinic.house, TOMORROW_10))
    clinic.book("bob", clinic.slot(db, clinic.wilson, TOMORROW_10))
    late = clinic.book("alice", clinic.slot(db, clinic.house, LATE_WED_UTC))

    def ids(*args: str) -> list[int]:
        out = clinic("desk", "appointments", "list", *args, "--json")
        assert out.exit_code == 0, out.output
        return [a["id"] for a in json.loads(out.stdout)["appointments"]]

    assert len(ids()) == 3
    assert all(a["doctor_id"] == clinic.house for a in json.loads(
        clinic("desk", "appointments", "list", "--doctor", str(clinic.house), "--json").stdout
    )["appointments"])
    assert len(ids("--doctor", str(clinic.house))) == 2
    # 23:30 UTC on Wednesday is already Thursday in Berlin.
    assert late not in ids("--date", "2026-11-25") and len(ids("--date", "2026-11-25")) == 2
    assert ids("--date", "2026-11-26") == [late]
    assert ids("--doctor", str(clinic.wilson), "--date", "2026-11-26") == []
    none = clinic("desk", "appointments", "list", "--date", "2027-01-01")
    assert none.exit_code == 0 and "No appointments match" in none.stdout


def test_list_table_names_each_zone_when_clinics_differ(clinic, db):
    with db.unit_of_work() as uow:
        admin = Actor(clinic.admin, Role.ADMIN, PEOPLE["admin"])
        york = make_visible_doctor(uow, admin, "york@clinic.example", name="Dr York",
                                   timezone="America/New_York", city="New York",
                                   specialty="Neurology")
    clinic.book("alice", clinic.slot(db, clinic.house, TOMORROW_10))
    # Next year, so the year is spelt out: 5 Jan 2027 09:00 in New York.
    clinic.book("bob", clinic.slot(db, york.user_id or 0,
                                   datetime(2027, 1, 5, 14, 0, tzinfo=UTC)))
    table = clinic("desk", "appointments", "list", COLUMNS="200")
    assert table.exit_code == 0, table.output
    assert "Appointments, clinic time" in table.stdout
    assert "Wed 25 Nov 2026 10:00\u201310:30 (Europe/Berlin)" in table.stdout
    assert "Tue 05 Jan 2027 09:00\u201309:30 (America/New_York)" in table.stdout


@pytest.mark.parametrize("args", [
    ["book", "abc"],
    ["book", "0"],
    ["appointments", "show", "abc"],
    ["appointments", "cancel", "abc"],
    ["appointments", "confirm", "abc"],
    ["appointments", "check-in", "abc"],
    ["appointments", "complete", "abc"],
    ["appointments", "no-show", "abc"],
    ["appointments", "resend", "abc"],
    ["appointments", "note", "abc", "text"],
    ["appointments", "reschedule", "abc", "1"],
    ["appointments", "reschedule", "1", "abc"],
    ["appointments", "list", "--doctor", "abc"],
])
def test_bad_ids_are_usage_errors(cli, args):
    one_line_error(cli(*args), 2, "id must be a whole number from 1 to 9223372036854775807")


@pytest.mark.parametrize("value", ["2026-13-01", "tomorrow", "25/11/2026"])
def test_bad_list_date_is_one_line_exit_2(cli, value):
    one_line_error(cli("appointments", "list", "--date", value), 2,
                   "--date must be YYYY-MM-DD")


def test_commands_need_a_login(cli):
    for args in (["book", "1"], ["appointments", "show", "1"], ["appointments", "cancel", "1"],
                 ["appointments", "confirm", "1"], ["appointments", "note", "1", "x"],
                 ["appointments", "reschedule", "1", "2"]):
        one_line_error(cli(*args, DOCTORBOOK_PROFILE="nobody"), 1, "not logged in")
