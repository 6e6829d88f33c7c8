"""Reviews from the TUI, on the real database: a patient reviews a completed visit from My
appointments (with the optional NPS answer), is told why another visit can't be reviewed, and
sees ratings and reviews on a doctor's profile, a page at a time. Searching, opening a profile
and booking from it are recorded as product events tied to one search."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import DataTable, Select, Static, TextArea

from doctorbook.core.base.clock import FixedClock
from doctorbook.core.base.db import Database
from doctorbook.core.base.models import Event, NpsResponse, Review
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.base.settings import Settings
from doctorbook.core.booking import lifecycle
from doctorbook.core.feedback import reviews
from doctorbook.tui.app import DoctorbookApp, make_app
from doctorbook.tui.dialogs.book_slot import BookSlotDialog
from doctorbook.tui.dialogs.review_form import ReviewForm
from doctorbook.tui.screens.doctor_profile import DoctorProfileScreen
from doctorbook.tui.screens.patient_home import ALREADY_REVIEWED, THANKS, PatientHomeScreen
from doctorbook.tui.screens.search import SearchScreen
from doctorbook.tui.widgets.ratings import RatingsPanel
from tests.conftest import PASSWORD, make_user
from tests.tui.conftest import (
    binding_ids,
    logged_in_store,
    notifications,
    settle,
    steady_cursors,
)
from tests.tui.test_booking_flows import THU_1000, Clinic, open_profile, rows

SIZE = (80, 24)
SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
SnapCompare = Callable[..., bool]
#: Visits that happened (the clock reads Tue 24 Nov 2026 09:00Z).
TUE_17_1000 = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
WED_18_1000 = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Anything shown in the terminal's local time comes out the same on every machine."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def clinic(db: Database) -> Clinic:
    return Clinic(db)


def doctor_of(clinic: Clinic) -> Actor:
    return Actor(clinic.doctor_id, Role.DOCTOR, "henry@example.com")


def visit(
    clinic: Clinic, clock: FixedClock, patient: Actor, starts_at: datetime,
    outcome: str = "complete",
) -> int:
    """A visit that happened: booked 3 h before (the clock is moved back for it), then checked
    in and completed (or recorded as a no-show); the clock is put back."""
    shift = starts_at - timedelta(hours=3) - clock.now()
    clock.advance(shift)
    try:
        (slot,) = clinic.slots(starts_at)
        appointment = clinic.book(patient, slot)
        doctor = doctor_of(clinic)
        actions = ("check_in", "complete") if outcome == "complete" else ()
        for action in actions:
            with clinic.db.unit_of_work() as uow:
                lifecycle.change_status(uow, actor=doctor, appointment_id=appointment,
                                        action=action)
    finally:
        clock.advance(-shift)
    if outcome == "no_show":
        with clinic.db.unit_of_work() as uow:
            lifecycle.change_status(uow, actor=doctor_of(clinic), appointment_id=appointment,
                                    action="no_show")
    return appointment


def reviewed_visit(
    clinic: Clinic, clock: FixedClock, patient: Actor, starts_at: datetime, rating: int,
    comment: str | None = None,
) -> int:
    """A completed visit, reviewed by its patient an hour after it started."""
    appointment = visit(clinic, clock, patient, starts_at)
    shift = starts_at + timedelta(hours=1) - clock.now()
    clock.advance(shift)
    try:
        with clinic.db.unit_of_work() as uow:
            reviews.submit_review(uow, actor=patient, appointment_id=appointment,
                                  rating=rating, comment=comment)
    finally:
        clock.advance(-shift)
    return appointment


#: (first name, rating, comment) of twelve reviews, oldest first: one per day from 1 Nov.
REVIEWS = (
    ("Olga", 5, "Explained everything twice, without being asked."),
    ("Piet", 4, None),
    ("Quinn", 2, "Waited forty minutes past my time."),
    ("Rosa", 5, "Kind and thorough."),
    ("Sami", 4, "Good, if a little rushed."),
    ("Tomas", 5, None),
    ("Uma", 3, "Fine."),
    ("Vera", 5, "The best cardiologist I have seen."),
    ("Wim", 4, "Clear advice on blood pressure."),
    ("Xenia", 1, "Cancelled on me twice before this visit."),
    ("Yusuf", 5, "Friendly staff, on time."),
    ("Zoe", 4, "Listened carefully.\nWould come back."),
)


def many_reviews(clinic: Clinic, clock: FixedClock) -> None:
    """Twelve patients each reviewed one visit in November: two pages of reviews."""
    for day, (name, rating, comment) in enumerate(REVIEWS, start=1):
        with clinic.db.unit_of_work() as uow:
            patient = make_user(uow, email=f"{name.lower()}@example.com",
                                name=f"{name} Patient")
        reviewed_visit(clinic, clock, patient, datetime(2026, 11, day, 9, tzinfo=UTC),
                       rating, comment)


def text_of(pilot: Pilot[None], selector: str) -> str:
    return str(pilot.app.screen.query_one(selector, Static).render())


def detail_text(app: DoctorbookApp) -> str:
    """The line under the patient's lists, about the highlighted visit."""
    return str(app.screen.query_one("#visit-detail", Static).render())


def review_lines(pilot: Pilot[None]) -> list[str]:
    """The first line of each review shown on the profile."""
    panel = pilot.app.screen.query_one(RatingsPanel)
    return [str(s.render()).splitlines()[0] for s in panel.query(".review").results(Static)]


def patient_app(
    settings: Settings, db: Database, email: str = "alice@example.com"
) -> DoctorbookApp:
    return make_app(settings=settings, db=db, store=logged_in_store(db, email, PASSWORD))


async def focus_past(pilot: Pilot[None]) -> None:
    """Move the focus to My appointments' past visits (Tab, from the upcoming ones)."""
    await settle(pilot)
    assert isinstance(pilot.app.screen, PatientHomeScreen)
    pilot.app.screen.query_one("#past", DataTable).focus()
    await pilot.pause()


async def write_review(
    pilot: Pilot[None], rating: int, comment: str = "", nps: int | None = None
) -> None:
    """In the open review form: pick the rating (typing its digit), write, answer the NPS."""
    screen = pilot.app.screen
    assert isinstance(screen, ReviewForm)
    assert screen.query_one("#review-rating", Select).has_focus
    await pilot.press("enter", str(rating), "enter")
    if comment:
        area = screen.query_one("#review-comment", TextArea)
        area.focus()
        area.insert(comment)
        await pilot.pause()
    if nps is not None:
        screen.query_one("#review-nps", Select).value = nps
        await pilot.pause()



def reviews_of(db: Database, appointment_id: int) -> list[Review]:
    with db.unit_of_work() as uow:
        found = list(uow.session.scalars(
            select(Review).where(Review.appointment_id == appointment_id)))
        uow.session.expunge_all()
        return found


def nps_of(db: Database, appointment_id: int) -> list[int]:
    with db.unit_of_work() as uow:
        return list(uow.session.scalars(
            select(NpsResponse.score).where(NpsResponse.appointment_id == appointment_id)))


# --- reviewing from My appointments --------------------------------------------------------


async def test_the_patient_reviews_a_completed_visit_with_a_comment_and_nps(
    settings: Settings, db: Database, clinic: Clinic, clock: FixedClock
) -> None:
    done = visit(clinic, clock, clinic.alice, TUE_17_1000)
    app = patient_app(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "review" not in binding_ids(app)  # the upcoming visits have the focus
        await focus_past(pilot)
        assert rows(pilot, "#past") == [["Tue 17 Nov 2026 10:00", "Henry Heart", "Completed",
                                         ""]]
        assert "review" in binding_ids(app)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ReviewForm)
        assert text_of(pilot, "#review-about") == (
            "Dr Henry Heart · Tue 17 Nov 10:00 (Europe/Berlin)")
        await write_review(pilot, 4, "Thorough and kind.", nps=9)
        assert text_of(pilot, "#review-counter") == "18 / 2,000"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PatientHomeScreen)
        assert ("information", THANKS) in notifications(app)
    [review] = reviews_of(db, done)
    assert (review.rating, review.comment, review.patient_id) == (
        4, "Thorough and kind.", clinic.alice.user_id)
    assert nps_of(db, done) == [9]


async def test_a_review_without_comment_or_nps_sends_only_the_rating(
    settings: Settings, db: Database, clinic: Clinic, clock: FixedClock
) -> None:
    done = visit(clinic, clock, clinic.alice, TUE_17_1000)
    app = patient_app(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await focus_past(pilot)
        await pilot.press("r")
        await pilot.pause()
        await write_review(pilot, 5)
        await pilot.click("#review-send")
        await settle(pilot)
        assert ("information", THANKS) in notifications(app)
    [review] = reviews_of(db, done)
    assert (review.rating, review.comment) == (5, None)
    assert nps_of(db, done) == []


async def test_the_form_asks_for_a_rating_and_counts_the_comment(
    settings: Settings, db: Database, clinic: Clinic, clock: FixedClock
) -> None:
    done = visit(clinic, clock, clinic.alice, TUE_17_1000)
    app = patient_app(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await focus_past(pilot)
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("ctrl+s")  # no rating yet
        await pilot.pause()
        assert isinstance(app.screen, ReviewForm)
        assert ("warning", "Choose a rating from 1 to 5 stars.") in notifications(app)

        await write_review(pilot, 3, "x" * 2001)
        counter = app.screen.query_one("#review-counter", Static)
        assert str(counter.render()) == "2,001 / 2,000"
        assert counter.has_class("-error")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ReviewForm)
        assert (
            "warning", "The comment is too long: 2,001 characters (at most 2,000)."
        ) in notifications(app)

        await pilot.press("escape")  # cancelled: nothing is sent
        await settle(pilot)
        assert isinstance(app.screen, PatientHomeScreen)
    assert reviews_of(db, done) == []


async def test_a_visit_that_was_not_completed_is_not_reviewed_and_the_patient_is_told_why(
    settings: Settings, db: Database, clinic: Clinic, clock: FixedClock
) -> None:
    missed = visit(clinic, clock, clinic.alice, WED_18_1000, outcome="no_show")
    (slot,) = clinic.slots(THU_1000)
    clinic.book(clinic.alice, slot)
    app = patient_app(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "review" not in binding_ids(app)
        await pilot.press("r")  # on the upcoming visit, r only refreshes
        await settle(pilot)
        assert isinstance(app.screen, PatientHomeScreen)
        assert notifications(app) == []

        await focus_past(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, PatientHomeScreen)
        assert (
            "warning",
            "You can review a visit once it is completed; this one is a no-show.",
        ) in notifications(app)
    assert reviews_of(db, missed) == []


async def test_a_visit_is_reviewed_once(
    settings: Settings, db: Database, clinic: Clinic, clock: FixedClock
) -> None:
    earlier = reviewed_visit(clinic, clock, clinic.alice, TUE_17_1000, 5, "Great.")
    later = visit(clinic, clock, clinic.alice, WED_18_1000)
    app = patient_app(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await focus_past(pilot)
        # Wednesday's visit first (latest first): reviewed here, then refused here.
        await pilot.press("r")
        await pilot.pause()
        await write_review(pilot, 4)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert ("information", THANKS) in notifications(app)
        # Reviewed: not offered again (r refreshes), and the line under the lists says so.
        assert "review" not in binding_ids(app)
        assert ALREADY_REVIEWED in detail_text(app)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, PatientHomeScreen)

        # Tuesday's was reviewed before this session: not offered either, no form to fill.
        await pilot.press("down")
        assert "review" not in binding_ids(app)
        assert ALREADY_REVIEWED in detail_text(app)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, PatientHomeScreen)
        assert ("error", f"You have already reviewed appointment {earlier}"
                ) not in notifications(app)
    assert [r.rating for r in reviews_of(db, earlier)] == [5]
    assert [r.rating for r in reviews_of(db, later)] == [4]


# --- ratings and reviews on the profile ----------------------------------------------------


async def test_the_profile_shows_no_reviews_yet(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    clinic.slots(THU_1000)
    app = patient_app(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await open_profile(pilot)
        assert text_of(pilot, "#fact-rating") == "No ratings yet"
        assert text_of(pilot, "#ratings-summary") == "No reviews yet."
        assert not app.screen.query_one("#ratings-distribution").display
        assert review_lines(pilot) == []
        assert not {"newer-reviews", "older-reviews"} & binding_ids(app)


async def test_the_profile_shows_ratings_and_pages_through_reviews_newest_first(
    settings: Settings, db: Database, clinic: Clinic, clock: FixedClock
) -> None:
    many_reviews(clinic, clock)
    clinic.slots(THU_1000, THU_1000 + timedelta(minutes=30))
    app = patient_app(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await open_profile(pilot)
        screen = app.screen
        assert isinstance(screen, DoctorProfileScreen)
        assert text_of(pilot, "#fact-rating") == "3.9 / 5 (12 reviews)"
        assert text_of(pilot, "#ratings-summary") == "★ 3.9 / 5 · 12 reviews"
        bars = text_of(pilot, "#ratings-distribution").splitlines()
        assert [line[:4] + line[-2:] for line in bars] == [
            "5 ★  5", "4 ★  4", "3 ★  1", "2 ★  1", "1 ★  1"]
        assert bars[0] == "5 ★ " + "█" * 20 + " 5"
        assert review_lines(pilot)[:2] == [
            "★★★★☆  Zoe · verified visit · November 2026",
            "★★★★★  Yusuf · verified visit · November 2026",
        ]
        assert len(review_lines(pilot)) == 10
        zoe = screen.query(".review").results(Static).__next__()
        assert str(zoe.render()).splitlines()[1:] == ["Listened carefully.", "Would come back."]
        assert text_of(pilot, "#reviews-page") == "Page 1 of 2 · ] older reviews"
        assert "older-reviews" in binding_ids(app)
        assert "newer-reviews" not in binding_ids(app)

        picker: DataTable[str] = screen.query_one("#slot-picker", DataTable)
        assert picker.has_focus
        await pilot.press("]")
        await settle(pilot)
        assert review_lines(pilot) == [
            "★★★★☆  Piet · verified visit · November 2026",
            "★★★★★  Olga · verified visit · November 2026",
        ]
        assert text_of(pilot, "#reviews-page") == "Page 2 of 2 · [ newer reviews"
        assert {"newer-reviews", "book-slot"} <= binding_ids(app)
        assert "older-reviews" not in binding_ids(app)
        assert picker.has_focus  # the picker keeps its keys: move and book from here
        await pilot.press("right", "enter")
        await pilot.pause()
        assert isinstance(app.screen, BookSlotDialog)
        assert text_of(pilot, "#book-when") == "Thu 26 Nov 2026 at 10:30 (Europe/Berlin time)"
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("[")
        await settle(pilot)
        assert review_lines(pilot)[0] == "★★★★☆  Zoe · verified visit · November 2026"
        assert text_of(pilot, "#reviews-page") == "Page 1 of 2 · ] older reviews"


async def test_booking_keeps_the_page_of_reviews(
    settings: Settings, db: Database, clinic: Clinic, clock: FixedClock
) -> None:
    many_reviews(clinic, clock)
    clinic.slots(THU_1000)
    app = patient_app(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await open_profile(pilot)
        await pilot.press("]")
        await settle(pilot)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("enter")  # book, no reason
        await settle(pilot)
        assert isinstance(app.screen, DoctorProfileScreen)
        assert app.screen.query_one("#doctor-slots").display  # the only slot is taken
        assert text_of(pilot, "#reviews-page") == "Page 2 of 2 · [ newer reviews"


# --- product events: a search, the profile opened from it, the booking made from it --------


def events_of(db: Database) -> list[Event]:
    with db.unit_of_work() as uow:
        found = list(uow.session.scalars(select(Event).order_by(Event.id)))
        uow.session.expunge_all()
        return found


async def test_search_open_and_book_are_recorded_with_one_search_id(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    clinic.slots(THU_1000, THU_1000 + timedelta(minutes=30))
    app = patient_app(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await open_profile(pilot)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DoctorProfileScreen)  # reloaded after the booking
    [appointment] = clinic.appointments_of("alice@example.com")
    recorded = [(e.kind, e.search_id, e.doctor_id, e.appointment_id, e.count)
                for e in events_of(db)]
    search_id = recorded[0][1]
    assert search_id is not None
    assert recorded == [
        ("search_shown", search_id, None, None, 1),
        ("result_opened", search_id, clinic.doctor_id, None, None),
        ("booking_made", search_id, clinic.doctor_id, appointment.id, None),
    ]


async def test_every_search_is_recorded_and_the_profile_names_the_one_it_came_from(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    clinic.slots(THU_1000)
    app = patient_app(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        search = app.screen
        assert isinstance(search, SearchScreen)
        first = search.search_id
        search.query_one("#specialty", Select).value = "Cardiology"
        await settle(pilot)
        second = search.search_id
        assert None not in (first, second) and first != second
        search.query_one("#results", DataTable).focus()
        await pilot.press("enter")
        await settle(pilot)
        profile = app.screen
        assert isinstance(profile, DoctorProfileScreen)
        assert profile.search_id == second
    kinds = [(e.kind, e.search_id) for e in events_of(db)]
    assert kinds == [("search_shown", first), ("search_shown", second),
                     ("result_opened", second)]


# --- snapshots ------------------------------------------------------------------------------


@SIZES
def test_profile_with_reviews_snapshot(
    snap_compare: SnapCompare, settings: Settings, db: Database, clinic: Clinic,
    clock: FixedClock, size: tuple[int, int],
) -> None:
    many_reviews(clinic, clock)
    clinic.slots(THU_1000, THU_1000 + timedelta(minutes=30))

    async def run_before(pilot: Pilot[None]) -> None:
        await open_profile(pilot)
        if size[1] < 36:
            # At 80x24 the ratings are below the slots: the page scrolls down to them.
            pilot.app.screen.query_one("#reviews-title").scroll_visible(top=True,
                                                                       animate=False)
            await pilot.pause()

    assert snap_compare(patient_app(settings, db), terminal_size=size, run_before=run_before)


@SIZES
def test_review_form_snapshot(
    snap_compare: SnapCompare, settings: Settings, db: Database, clinic: Clinic,
    clock: FixedClock, size: tuple[int, int],
) -> None:
    visit(clinic, clock, clinic.alice, TUE_17_1000)

    async def run_before(pilot: Pilot[None]) -> None:
        await focus_past(pilot)
        await pilot.press("r")
        await pilot.pause()
        await write_review(pilot, 4, "Thorough and kind; explained the ECG step by step.",
                           nps=9)
        await steady_cursors(pilot)

    assert snap_compare(patient_app(settings, db), terminal_size=size, run_before=run_before)
