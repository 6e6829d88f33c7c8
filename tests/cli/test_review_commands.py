"""CLI: `review` (the patient of a completed visit, once), the ratings on `doctors show` and
`search`, and `reviews hide` (admin, audited): happy paths, each refusal, exit codes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import pytest

from doctorbook.core.base.db import Database
from tests.cli.test_booking_commands import (
    IN_3_DAYS_10,
    TOMORROW_10,
    Clinic,
    one_line_error,
    seed_clinic,
)

# Wilson auto-confirms; the visits are Wed 25 Nov 09:00 UTC and Fri 27 Nov 09:00 UTC.
AT_THE_DESK = {TOMORROW_10: "2026-11-25T08:40:00Z", IN_3_DAYS_10: "2026-11-27T08:40:00Z"}
WED_NOON = {"DOCTORBOOK_NOW": "2026-11-25T12:00:00Z"}
FRI_NOON = {"DOCTORBOOK_NOW": "2026-11-27T12:00:00Z"}


@dataclass(frozen=True)
class Visits:
    clinic: Clinic
    alice: int  # completed, Wed 25 Nov
    bob: int  # completed, Fri 27 Nov


def complete(clinic: Clinic, db: Database, patient: str, at: datetime) -> int:
    """Booked now (24 Nov), checked in by the desk and completed by Dr Wilson on the day."""
    appointment = str(clinic.book(patient, clinic.slot(db, clinic.wilson, at)))
    on_the_day = {"DOCTORBOOK_NOW": AT_THE_DESK[at]}
    for who, verb in (("desk", "check-in"), ("wilson", "complete")):
        out = clinic(who, "appointments", verb, appointment, **on_the_day)
        assert out.exit_code == 0, out.output
    return int(appointment)


@pytest.fixture
def visits(cli, db) -> Visits:
    clinic = seed_clinic(cli, db)
    return Visits(clinic, complete(clinic, db, "alice", TOMORROW_10),
                  complete(clinic, db, "bob", IN_3_DAYS_10))


def review(clinic: Clinic, who: str, appointment: int, *args: str, **env: str):
    return clinic(who, "review", str(appointment), *args, **env)


def reviewed(visits: Visits) -> tuple[int, int]:
    """Alice gives 4 on Wednesday, Bob 2 on Friday; their review ids."""
    ids = []
    for who, visit, rating, env in (("alice", visits.alice, "4", WED_NOON),
                                    ("bob", visits.bob, "2", FRI_NOON)):
        out = review(visits.clinic, who, visit, "--rating", rating, "--json", **env)
        assert out.exit_code == 0, out.output
        ids.append(json.loads(out.stdout)["id"])
    return ids[0], ids[1]


def profile(clinic: Clinic, *args: str) -> dict:
    out = clinic("bob", "doctors", "show", str(clinic.wilson), "--json", *args)
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)


def test_the_patient_reviews_a_completed_visit_once(visits):
    clinic = visits.clinic
    # Control characters are refused (one line, exit 2), never silently dropped.
    one_line_error(review(clinic, "alice", visits.alice, "--rating", "4", "--comment",
                          "Kind\x1b[31m and thorough.\x07", **WED_NOON), 2,
                   "the comment must not contain control characters (found '\\x1b')")
    out = review(clinic, "alice", visits.alice, "--rating", "4", "--comment",
                 "  Kind[31m and thorough.  ", **WED_NOON)
    assert out.exit_code == 0, out.output
    assert out.stdout.startswith("Thank you: review ")
    assert f"of appointment {visits.alice} (4/5) is published" in out.stdout
    one_line_error(review(clinic, "alice", visits.alice, "--rating", "5", **WED_NOON), 1,
                   f"you have already reviewed appointment {visits.alice}")
    [entry] = profile(clinic)["reviews"]
    # Padding is dropped; what looks like an escape's tail stays as plain text.
    assert entry["comment"] == "Kind[31m and thorough."

    piped = review(clinic, "bob", visits.bob, "--rating", "5", "--comment", "-", "--nps", "9",
                   "--json", input="Line one\nline two\n", **FRI_NOON)
    assert piped.exit_code == 0, piped.output
    data = json.loads(piped.stdout)
    assert set(data) >= {"id", "appointment_id", "doctor_id", "rating", "comment", "nps"}
    assert (data["appointment_id"], data["doctor_id"]) == (visits.bob, clinic.wilson)
    assert (data["rating"], data["comment"], data["nps"]) == (5, "Line one\nline two", 9)


def test_refusals_each_say_why(visits, db):
    clinic = visits.clinic
    upcoming = clinic.book("alice", clinic.slot(db, clinic.wilson, IN_3_DAYS_10.replace(hour=13)))
    one_line_error(review(clinic, "alice", upcoming, "--rating", "5"), 1,
                   f"appointment {upcoming} is confirmed; you can review a visit once it is "
                   "completed")
    one_line_error(review(clinic, "bob", visits.alice, "--rating", "5"), 1,
                   "only the patient of that visit may review it")
    one_line_error(review(clinic, "wilson", visits.alice, "--rating", "5"), 1, "may not")
    one_line_error(review(clinic, "alice", 999999, "--rating", "5"), 1, "no appointment 999999")
    for bad in ("0", "6", "-1"):
        one_line_error(review(clinic, "alice", visits.alice, "--rating", bad), 2,
                       "the rating must be a whole number from 1 to 5")
    one_line_error(review(clinic, "alice", visits.alice, "--rating", "5", "--comment",
                          "x" * 2001), 2, "the comment is too long (2001 characters")
    one_line_error(review(clinic, "alice", visits.alice, "--rating", "5", "--nps", "11"), 2,
                   "from 0 to 10")
    # Bad input is refused before asking who you are.
    one_line_error(review(clinic, "nobody", visits.alice, "--rating", "9"), 2, "from 1 to 5")
    one_line_error(review(clinic, "nobody", visits.alice, "--rating", "5"), 1, "not logged in")
    missing = clinic("alice", "review", str(visits.alice))
    assert missing.exit_code == 2 and "--rating" in missing.stderr
    # None of that left a review behind; exactly 2,000 characters are fine.
    assert profile(clinic)["reviews"] == []
    ok = review(clinic, "alice", visits.alice, "--rating", "5", "--comment", "y" * 2000)
    assert ok.exit_code == 0, ok.output


def test_the_profile_shows_the_ratings_newest_first(visits):
    clinic = visits.clinic
    empty = profile(clinic)
    assert empty["reviews"] == [] and empty["ratings"]["count"] == 0
    assert empty["ratings"]["average"] is None
    text = clinic("bob", "doctors", "show", str(clinic.wilson), COLUMNS="80")
    assert "No reviews yet." in text.stdout

    alice_review, bob_review = reviewed(visits)
    shown = profile(clinic)
    assert (shown["rating"], shown["review_count"]) == (3.0, 2)
    ratings = shown["ratings"]
    assert (ratings["average"], ratings["count"], ratings["page"], ratings["pages"]) == (
        3.0, 2, 1, 1)
    assert ratings["distribution"] == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 0}
    # Newest first, with the first name and the visit's month only.
    assert [(r["id"], r["patient"], r["visit"], r["rating"]) for r in shown["reviews"]] == [
        (bob_review, "Bob", "November 2026", 2), (alice_review, "Alice", "November 2026", 4)]
    assert ratings["reviews"] == shown["reviews"]
    # Every key the list had before ratings were real is still there.
    assert all(set(r) >= {"rating", "comment", "patient", "created_at", "verified_visit"}
               for r in shown["reviews"])
    assert "Patient" not in json.dumps(shown["reviews"])  # never the surname

    text = clinic("alice", "doctors", "show", str(clinic.wilson), COLUMNS="80")
    assert text.exit_code == 0, text.output
    for line in ("Rating 3.0 / 5 from 2 reviews",
                 f"\u2605\u2605\u2606\u2606\u2606  Bob, verified visit, November 2026  "
                 f"(review {bob_review})",
                 f"\u2605\u2605\u2605\u2605\u2606  Alice, verified visit, November 2026  "
                 f"(review {alice_review})"):
        assert line in text.stdout, (line, text.stdout)
    assert text.stdout.index("Bob, verified") < text.stdout.index("Alice, verified")
    assert max(len(line) for line in text.stdout.splitlines()) <= 80
    assert "No reviews yet." not in text.stdout

    later = profile(clinic, "--page", "2")
    assert later["reviews"] == [] and later["ratings"]["page"] == 2
    assert later["ratings"]["count"] == 2

    [row] = [r for r in json.loads(clinic("alice", "search", "--json").stdout)["results"]
             if r["doctor_id"] == clinic.wilson]
    assert (row["rating"], row["review_count"]) == (3.0, 2)
    table = clinic("alice", "search", COLUMNS="160")
    assert "3.0 \u2605 (2)" in table.stdout


def test_an_admin_hides_a_review_and_it_leaves_the_average(visits):
    clinic = visits.clinic
    alice_review, bob_review = reviewed(visits)
    for who in ("alice", "bob", "desk", "wilson"):
        one_line_error(clinic(who, "reviews", "hide", str(bob_review), "--reason", "Rude"), 1,
                       "may not")
    one_line_error(clinic("admin", "reviews", "hide", str(bob_review), "--reason", "  "), 2,
                   "give a reason")
    assert clinic("admin", "reviews", "hide", str(bob_review)).exit_code == 2
    one_line_error(clinic("admin", "reviews", "hide", "999999", "--reason", "x"), 1,
                   "no review 999999")

    out = clinic("admin", "reviews", "hide", str(bob_review), "--reason", "Names a nurse")
    assert out.exit_code == 0, out.output
    assert out.stdout.startswith(f"Hid review {bob_review}: it no longer shows")
    one_line_error(clinic("admin", "reviews", "hide", str(bob_review), "--reason", "x"), 1,
                   "already hidden")

    shown = profile(clinic)
    assert (shown["rating"], shown["review_count"]) == (4.0, 1)
    assert (shown["ratings"]["average"], shown["ratings"]["count"]) == (4.0, 1)
    assert [r["id"] for r in shown["reviews"]] == [alice_review]

    audit = clinic("admin", "audit", "list", "--entity", f"review:{bob_review}", "--json")
    assert audit.exit_code == 0, audit.output
    entries = {e["action"]: e for e in json.loads(audit.stdout)["entries"]}
    assert set(entries) == {"review.submitted", "review.hidden"}
    hidden = entries["review.hidden"]
    assert hidden["actor_id"] == clinic.admin and hidden["actor_role"] == "admin"
    assert hidden["data"]["reason"] == "Names a nurse"
