"""Brief 6 from the TUI: given a completed appointment, the patient reviews it from My
appointments (a rating and a comment) and the review appears on the doctor's profile."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.widgets import DataTable

from doctorbook.core.base.clock import FixedClock
from doctorbook.core.base.db import Database
from doctorbook.core.base.settings import Settings
from doctorbook.tui.app import make_app
from doctorbook.tui.dialogs.review_form import ReviewForm
from doctorbook.tui.screens.doctor_profile import DoctorProfileScreen
from doctorbook.tui.screens.patient_home import THANKS, PatientHomeScreen
from doctorbook.tui.screens.search import SearchScreen
from tests.conftest import PASSWORD
from tests.tui.conftest import logged_in_store, notifications, settle
from tests.tui.test_booking_flows import Clinic
from tests.tui.test_reviews_tui import review_lines, text_of, visit, write_review

VISIT = datetime(2026, 11, 17, 9, tzinfo=UTC)  # Tue 17 Nov, 10:00 in Berlin


async def test_the_patient_reviews_a_completed_visit_and_it_appears_on_the_profile(
    settings: Settings, db: Database, clock: FixedClock
) -> None:
    clinic = Clinic(db)
    visit(clinic, clock, clinic.alice, VISIT)  # booked, checked in, completed
    app = make_app(settings=settings, db=db,
                   store=logged_in_store(db, "alice@example.com", PASSWORD))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, PatientHomeScreen)
        await pilot.press("tab")  # from the upcoming visits to the past ones
        await pilot.pause()
        assert app.screen.query_one("#past", DataTable).has_focus
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ReviewForm)
        await write_review(pilot, 5, "Took the time to explain my ECG.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PatientHomeScreen)
        assert ("information", THANKS) in notifications(app)

        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        app.screen.query_one("#results", DataTable).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DoctorProfileScreen)
        assert text_of(pilot, "#fact-rating") == "5.0 / 5 (1 review)"
        assert text_of(pilot, "#ratings-summary") == "★ 5.0 / 5 · 1 review"
        assert review_lines(pilot) == ["★★★★★  Alice · verified visit · November 2026"]
        [review] = [str(s.render()) for s in app.screen.query(".review").results()]
        assert review.splitlines()[1] == "Took the time to explain my ECG."
