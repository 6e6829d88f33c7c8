"""Brief 2b: a patient sees a doctor's rating and reviews on the profile. In the TUI: the
average (one decimal) and count, the 5-to-1 distribution, and the reviews newest first with the
patient's first name and the visit's month; from the CLI, `doctors show ID --json` carries the
same."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from doctorbook.core.base.clock import FixedClock
from doctorbook.core.base.db import Database
from doctorbook.core.base.settings import Settings
from doctorbook.tui.app import make_app
from doctorbook.tui.screens.doctor_profile import DoctorProfileScreen
from tests.cli.conftest import Cli
from tests.conftest import PASSWORD, make_user
from tests.tui.conftest import logged_in_store
from tests.tui.test_booking_flows import Clinic, open_profile
from tests.tui.test_reviews_tui import review_lines, reviewed_visit, text_of


def two_reviews(db: Database, clock: FixedClock) -> Clinic:
    """Alice gave Dr Henry Heart 5 stars after her visit on 10 November, Bob 3 after his on
    17 November; Carol, who has not been yet, is looking for a cardiologist."""
    clinic = Clinic(db)
    reviewed_visit(clinic, clock, clinic.alice, datetime(2026, 11, 10, 9, tzinfo=UTC), 5,
                   "Explained everything, twice.")
    reviewed_visit(clinic, clock, clinic.bob, datetime(2026, 11, 17, 9, tzinfo=UTC), 3,
                   "Good doctor, long wait.")
    with db.unit_of_work() as uow:
        make_user(uow, email="carol@example.com", name="Carol Patient")
    return clinic


async def test_a_patient_sees_the_rating_and_the_reviews_on_a_profile(
    settings: Settings, db: Database, clock: FixedClock
) -> None:
    two_reviews(db, clock)
    app = make_app(settings=settings, db=db,
                   store=logged_in_store(db, "carol@example.com", PASSWORD))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_profile(pilot)  # search, Enter on Dr Henry Heart
        assert isinstance(app.screen, DoctorProfileScreen)
        assert text_of(pilot, "#fact-rating") == "4.0 / 5 (2 reviews)"
        assert text_of(pilot, "#ratings-summary") == "★ 4.0 / 5 · 2 reviews"
        bars = text_of(pilot, "#ratings-distribution").splitlines()
        assert [(line[0], line.split()[-1]) for line in bars] == [
            ("5", "1"), ("4", "0"), ("3", "1"), ("2", "0"), ("1", "0")]
        assert review_lines(pilot) == [
            "★★★☆☆  Bob · verified visit · November 2026",
            "★★★★★  Alice · verified visit · November 2026",
        ]
        shown = [str(s.render()) for s in app.screen.query(".review").results()]
        assert shown[0].endswith("\nGood doctor, long wait.")
        assert "Patient" not in "".join(shown)  # first names only


def test_doctors_show_json_carries_the_rating_and_the_reviews(
    cli: Cli, db: Database, clock: FixedClock
) -> None:
    clinic = two_reviews(db, clock)
    out = cli("doctors", "show", str(clinic.doctor_id), "--json")
    assert out.exit_code == 0, out.output
    shown = json.loads(out.stdout)
    assert (shown["rating"], shown["review_count"]) == (4.0, 2)
    ratings = shown["ratings"]
    assert (ratings["average"], ratings["count"], ratings["page"], ratings["pages"]) == (
        4.0, 2, 1, 1)
    assert ratings["distribution"] == {"1": 0, "2": 0, "3": 1, "4": 0, "5": 1}
    assert [(r["patient"], r["visit"], r["rating"], r["comment"], r["verified_visit"])
            for r in shown["reviews"]] == [
        ("Bob", "November 2026", 3, "Good doctor, long wait.", True),
        ("Alice", "November 2026", 5, "Explained everything, twice.", True),
    ]
