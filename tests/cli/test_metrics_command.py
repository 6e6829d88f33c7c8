"""CLI: `metrics` (admin only): a seeded history with known answers, every rate with its
numerator and denominator in --json, an 80-column table, weekly buckets, bad input exits 2."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from doctorbook.core.base import events
from doctorbook.core.base.clock import FixedClock
from doctorbook.core.base.db import Database
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.booking import booking, lifecycle, search
from doctorbook.core.doctors import doctors
from tests.cli.test_booking_commands import PEOPLE, Clinic, one_line_error, seed_clinic

PERIOD = ("--from", "2026-11-09", "--to", "2026-11-29")


def at(clock: FixedClock, instant: datetime) -> None:
    clock.advance(instant - clock.now())


@pytest.fixture
def history(cli, db: Database, clock: FixedClock) -> Clinic:
    """Two weeks apart, 20 searches and 5 profiles opened from them each time; in the second
    week 4 bookings from searches, 1 cancelled (days ahead: not late), 1 visit completed and
    reviewed (4 stars, would recommend: 10), 1 no-show; 9 e-mails sent and 1 failed."""
    clinic = seed_clinic(cli, db)
    alice = Actor(clinic.alice, Role.PATIENT, PEOPLE["alice"])
    bob = Actor(clinic.bob, Role.PATIENT, PEOPLE["bob"])
    searches: list[object] = []
    for day in (datetime(2026, 11, 10, 9, tzinfo=UTC), datetime(2026, 11, 24, 9, tzinfo=UTC)):
        at(clock, day)
        with db.unit_of_work() as uow:
            ids = [search.search_recorded(uow)[0] for _ in range(20)]
            for search_id in ids[:5]:
                doctors.show_doctor(uow, actor=Actor.anonymous(), doctor_id=clinic.wilson,
                                    search_id=search_id)
        searches += ids
    wed_9, wed_10 = (datetime(2026, 11, 25, h, tzinfo=UTC) for h in (9, 10))
    fri_9, fri_10 = (datetime(2026, 11, 27, h, tzinfo=UTC) for h in (9, 10))
    plan = ((alice, wed_9), (bob, wed_10), (alice, fri_9), (bob, fri_10))
    slots = {starts: clinic.slot(db, clinic.wilson, starts) for _, starts in plan}
    booked = {}
    with db.unit_of_work() as uow:
        for (patient, starts), search_id in zip(plan, searches[-4:], strict=True):
            booked[starts] = booking.book(uow, actor=patient, slot_id=slots[starts],
                                          search_id=search_id).id
        lifecycle.cancel(uow, actor=alice, appointment_id=booked[fri_9])
        for _ in range(9):
            events.record(uow, "email_sent")
        events.record(uow, "email_failed")
        uow.commit()
    for who, verb, ident, now in (
        ("desk", "check-in", booked[wed_9], "2026-11-25T08:40:00Z"),
        ("wilson", "complete", booked[wed_9], "2026-11-25T09:10:00Z"),
        ("wilson", "no-show", booked[wed_10], "2026-11-25T10:20:00Z"),
    ):
        out = clinic(who, "appointments", verb, str(ident), DOCTORBOOK_NOW=now)
        assert out.exit_code == 0, out.output
    out = clinic("alice", "review", str(booked[wed_9]), "--rating", "4", "--nps", "10",
                 DOCTORBOOK_NOW="2026-11-25T12:00:00Z")
    assert out.exit_code == 0, out.output
    return clinic


def metrics(clinic: Clinic, *args: str) -> dict:
    out = clinic("admin", "metrics", *PERIOD, *args, "--json")
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)


def test_every_rate_comes_with_its_parts(history):
    data = metrics(history)
    assert (data["from"], data["to"], data["timezone"]) == ("2026-11-09", "2026-11-29", "UTC")
    assert data["counts"] == {
        "searches": 40, "opens": 10, "bookings": 4, "bookings_from_search": 4,
        "cancellations": 1,
        "late_cancellations": 0, "completed": 1, "no_shows": 1, "emails_sent": 9,
        "emails_failed": 1,
    }
    rates = {name: (data[name]["numerator"], data[name]["denominator"], data[name]["value"])
             for name in ("search_ctr", "booking_conversion", "cancellation_rate",
                          "late_cancellation_rate", "no_show_rate", "email_delivery")}
    assert rates == {
        "search_ctr": (10, 40, 0.25),
        "booking_conversion": (4, 40, 0.1),
        "cancellation_rate": (1, 4, 0.25),
        "late_cancellation_rate": (0, 4, 0.0),
        "no_show_rate": (1, 2, 0.5),
        "email_delivery": (9, 10, 0.9),
    }
    assert data["ratings"] == {"average": 4.0, "count": 1, "sum": 4,
                               "distribution": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0}}
    assert data["nps"] == {"score": 100.0, "responses": 1, "promoters": 1, "passives": 0,
                           "detractors": 0}


def test_the_table_fits_80_columns(history):
    out = history("admin", "metrics", *PERIOD, COLUMNS="80")
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, out.stdout
    for name, value, top, bottom in (
        ("Search CTR", "25.0 %", "10 opened", "40 searches"),
        ("Booking conversion", "10.0 %", "4 booked from a search", "40 searches"),
        ("Cancellation rate", "25.0 %", "1 cancelled", "4 booked"),
        ("Late cancellations", "0.0 %", "0 late", "4 booked"),
        ("No-show rate", "50.0 %", "1 no-shows", "2 done + no-shows"),
        ("E-mail delivery", "90.0 %", "9 sent", "10 sent + failed"),
        ("Average rating", "4.0 / 5", "4 stars", "1 reviews"),
        ("NPS", "+100.0", "1 pro - 0 det", "1 responses"),
    ):
        [row] = [line for line in lines if f" {name} " in line]
        cells = [cell.strip() for cell in row.strip("│┃ ").split("│")]
        assert cells == [name, value, top, bottom], row
    assert "Ratings by stars: 5\u2605 0  4\u2605 1  3\u2605 0  2\u2605 0  1\u2605 0" in lines
    assert "NPS answers: 1 promoters (9-10), 0 passives (7-8), 0 detractors (0-6)" in lines
    assert "Per " not in out.stdout  # the buckets only with --by


def test_weekly_buckets(history):
    data = metrics(history, "--by", "week")
    assert data["by"] == "week"
    weeks = {b["start"]: b["counts"] for b in data["series"]}
    assert list(weeks) == ["2026-11-09", "2026-11-16", "2026-11-23"]
    assert (weeks["2026-11-09"]["searches"], weeks["2026-11-09"]["opens"]) == (20, 5)
    assert set(weeks["2026-11-16"].values()) == {0}
    assert weeks["2026-11-23"] == {
        "searches": 20, "opens": 5, "bookings": 4, "bookings_from_search": 4,
        "cancellations": 1,
        "late_cancellations": 0, "completed": 1, "no_shows": 1, "emails_sent": 9,
        "emails_failed": 1,
    }
    assert data["series"][0]["search_ctr"] == {"value": 0.25, "numerator": 5,
                                               "denominator": 20}
    table = history("admin", "metrics", *PERIOD, "--by", "week", COLUMNS="80")
    assert table.exit_code == 0, table.output
    assert max(len(line) for line in table.stdout.splitlines()) <= 80, table.stdout
    assert "Per week (UTC)" in table.stdout and "Week of" in table.stdout
    [row] = [line for line in table.stdout.splitlines() if "2026-11-23" in line]
    assert [c.strip() for c in row.strip("│ ").split("│")] == [
        "2026-11-23", "20", "5", "4", "1", "9", "1"]
    days = metrics(history, "--by", "day")["series"]
    assert len(days) == 21 and days[0]["start"] == "2026-11-09"
    assert [d["counts"]["searches"] for d in days if d["counts"]["searches"]] == [20, 20]


@pytest.mark.parametrize("who", ["alice", "wilson", "desk"])
def test_only_admins_see_metrics(cli, db, who):
    clinic = seed_clinic(cli, db)
    one_line_error(clinic(who, "metrics"), 1, "may not")
    one_line_error(clinic(who, "metrics", "--json"), 1, "may not")
    one_line_error(cli("metrics", DOCTORBOOK_PROFILE="nobody"), 1, "not logged in")


def test_defaults_to_the_last_30_days(cli, db):
    clinic = seed_clinic(cli, db)
    data = json.loads(clinic("admin", "metrics", "--json").stdout)
    # The CLI's clock reads 2026-11-24.
    assert (data["from"], data["to"], data["by"]) == ("2026-10-26", "2026-11-24", "day")
    assert data["search_ctr"] == {"value": None, "numerator": 0, "denominator": 0}
    out = clinic("admin", "metrics", COLUMNS="80")
    assert out.exit_code == 0 and "n/a" in out.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--from", "2026-11-20", "--to", "2026-11-10"], "--from must not be after --to"),
    (["--from", "20/11/2026"], "--from must be YYYY-MM-DD"),
    (["--to", "2026-02-30"], "--to must be YYYY-MM-DD"),
    (["--by", "month"], "--by must be day or week"),
    (["--from", "2024-01-01", "--to", "2026-11-24"], "at most 731 days"),
])
def test_bad_input_exits_2_before_asking_who_you_are(cli, args, message):
    one_line_error(cli("metrics", *args, DOCTORBOOK_PROFILE="nobody"), 2, message)


def test_search_shows_its_id_and_each_search_counts(cli, db):
    clinic = seed_clinic(cli, db)
    first = json.loads(clinic("alice", "search", "--json").stdout)
    assert set(first) >= {"search_id", "results"}
    clinic("alice", "search")
    opened = clinic("bob", "doctors", "show", str(clinic.wilson), "--search-id",
                    first["search_id"], "--json")
    assert opened.exit_code == 0, opened.output
    slot = clinic.slot(db, clinic.wilson, datetime(2026, 11, 25, 9, tzinfo=UTC))
    clinic.book("alice", slot, "--search-id", first["search_id"])
    data = json.loads(clinic("admin", "metrics", "--json").stdout)
    assert (data["counts"]["searches"], data["counts"]["opens"],
            data["counts"]["bookings"]) == (2, 1, 1)
    for args in (["doctors", "show", str(clinic.wilson)], ["book", str(slot)]):
        one_line_error(clinic("alice", *args, "--search-id", "not-a-uuid"), 2,
                       "not a search id")


def test_the_late_flag_counts_late_cancellations(cli, db):
    clinic = seed_clinic(cli, db)
    soon = clinic.book("bob", clinic.slot(db, clinic.wilson,
                                          datetime(2026, 11, 24, 15, tzinfo=UTC)))
    out = clinic("desk", "appointments", "cancel", str(soon), "--reason", "Doctor ill")
    assert out.exit_code == 0, out.output
    data = json.loads(clinic("admin", "metrics", "--json").stdout)
    assert data["late_cancellation_rate"] == {"value": 1.0, "numerator": 1, "denominator": 1}
    assert data["cancellation_rate"]["numerator"] == 1
