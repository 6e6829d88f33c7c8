"""The admin's metrics dashboard on the real database: a history seeded through core (searches,
profiles opened from them, bookings, cancellations, visits, e-mails, reviews and NPS), shown
with the same numbers as `metrics.compute`; periods, weekly buckets, who gets the screen;
snapshots at 80x24 and 120x36."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import DataTable, Sparkline, Static

from doctorbook.core.base import events
from doctorbook.core.base.clock import FixedClock
from doctorbook.core.base.db import Database
from doctorbook.core.base.models import User
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.base.settings import Settings
from doctorbook.core.booking import booking, lifecycle, search
from doctorbook.core.doctors import doctors
from doctorbook.core.feedback import metrics, reviews
from doctorbook.core.feedback.metrics import Metrics
from doctorbook.tui.app import DoctorbookApp, make_app
from doctorbook.tui.screens.admin_home import AdminHomeScreen
from doctorbook.tui.screens.metrics import RATES, SERIES, MetricsScreen
from tests.conftest import PASSWORD
from tests.tui.conftest import binding_ids, logged_in_store, notifications, settle
from tests.tui.test_booking_flows import Clinic
from tests.tui.test_reviews_tui import visit

SIZE = (80, 24)
SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
SnapCompare = Callable[..., bool]
ADMIN = "ada@clinic.example"
TODAY = date(2026, 11, 24)


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Anything shown in the terminal's local time comes out the same on every machine."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@contextlib.contextmanager
def at(clock: FixedClock, when: datetime) -> Iterator[None]:
    """Run the block with the clock at `when`, then put it back."""
    shift = when - clock.now()
    clock.advance(shift)
    try:
        yield
    finally:
        clock.advance(-shift)


def morning(days_ago: int) -> datetime:
    return datetime(2026, 11, 24, 9, tzinfo=UTC) - timedelta(days=days_ago)


class History:
    """Henry Heart's clinic with six weeks of use behind it."""

    def __init__(self, db: Database, clock: FixedClock) -> None:
        self.db = db
        self.clock = clock
        self.clinic = Clinic(db)

    def searched(self, count: int = 1) -> list[str]:
        ids = []
        for _ in range(count):
            with self.db.unit_of_work() as uow:
                search_id, _results = search.search_recorded(uow, specialty="Cardiology")
            ids.append(str(search_id))
        return ids

    def opened(self, search_id: str, patient: Actor) -> None:
        with self.db.unit_of_work() as uow:
            doctors.show_doctor(uow, actor=patient, doctor_id=self.clinic.doctor_id,
                                search_id=search_id)

    def booked(self, patient: Actor, starts_at: datetime, search_id: str | None = None) -> int:
        (slot,) = self.clinic.slots(starts_at)
        with self.db.unit_of_work() as uow:
            return booking.book(uow, actor=patient, slot_id=slot, search_id=search_id).id

    def cancelled(self, actor: Actor, appointment_id: int, reason: str | None = None) -> None:
        with self.db.unit_of_work() as uow:
            lifecycle.cancel(uow, actor=actor, appointment_id=appointment_id, reason=reason)

    def mailed(self, sent: int, failed: int = 0) -> None:
        """E-mail outcomes as the dispatcher records them."""
        with self.db.unit_of_work() as uow:
            for kind, count in (("email_sent", sent), ("email_failed", failed)):
                for _ in range(count):
                    events.record(uow, kind)
            uow.commit()


def admin_of(db: Database) -> Actor:
    with db.unit_of_work() as uow:
        admin_id = uow.session.scalar(select(User.id).where(User.email == ADMIN))
    assert admin_id is not None
    return Actor(admin_id, Role.ADMIN, ADMIN)


def seed(db: Database, clock: FixedClock) -> History:
    """Searches, opens and bookings on several days, cancellations (one late), a completed
    visit reviewed with an NPS answer, a no-show, e-mails sent and failed; and one search 40
    days ago, before the default period."""
    h = History(db, clock)
    alice, bob = h.clinic.alice, h.clinic.bob
    with at(clock, morning(40)):
        h.searched()
    with at(clock, morning(20)):
        first, second, *_ = h.searched(4)
        h.opened(first, alice)
        h.opened(second, bob)
        h.booked(alice, morning(18), first)
        h.mailed(sent=2)
    with at(clock, morning(9)):
        (third, *_) = h.searched(3)
        h.opened(third, bob)
        kept_back = h.booked(bob, morning(7), third)
        h.cancelled(bob, kept_back)  # two days ahead: in time
        h.mailed(sent=1, failed=1)
    done = visit(h.clinic, clock, alice, morning(5))
    with at(clock, morning(5) + timedelta(hours=2)), db.unit_of_work() as uow:
        reviews.submit_review(uow, actor=alice, appointment_id=done, rating=4,
                              comment="Good.", nps=9)
    visit(h.clinic, clock, bob, morning(4), outcome="no_show")
    with at(clock, morning(2)):
        fourth, fifth = h.searched(2)
        h.opened(fourth, alice)
        h.opened(fifth, alice)
        soon = h.booked(alice, morning(2) + timedelta(hours=3), fifth)
        h.cancelled(h.clinic.desk, soon, "The doctor is ill")  # inside the 24 h window: late
        h.booked(bob, morning(1))
        h.mailed(sent=3)
    h.searched()  # today
    return h


@pytest.fixture
def history(db: Database, clock: FixedClock) -> History:
    return seed(db, clock)


def admin_app(settings: Settings, db: Database, email: str = ADMIN) -> DoctorbookApp:
    return make_app(settings=settings, db=db, store=logged_in_store(db, email, PASSWORD))


def computed(
    db: Database, first_day: date | None = None, last_day: date | None = None, by: str = "day"
) -> Metrics:
    """What core computes for the period (the CLI prints the same)."""
    admin = admin_of(db)
    with db.unit_of_work() as uow:
        return metrics.compute(uow, actor=admin, first_day=first_day, last_day=last_day, by=by)


def table(pilot: Pilot[None]) -> dict[str, list[str]]:
    """The rates table, by core's rate name: [metric, value, numerator, denominator]."""
    shown: DataTable[object] = pilot.app.screen.query_one("#metrics-table", DataTable)
    return {
        str(shown.coordinate_to_cell_key((row, 0)).row_key.value):
        [str(cell) for cell in shown.get_row_at(row)]
        for row in range(shown.row_count)
    }


def text_of(pilot: Pilot[None], selector: str) -> str:
    return str(pilot.app.screen.query_one(selector, Static).render())


def charts(pilot: Pilot[None]) -> dict[str, list[float]]:
    return {name: list(pilot.app.screen.query_one(f"#chart-{name}", Sparkline).data or [])
            for name, _label in SERIES}


def assert_shows(pilot: Pilot[None], expected: Metrics) -> None:
    """The screen shows exactly core's numbers: rates, counts per bucket, ratings, NPS."""
    rates = expected.totals.rates()
    shown = table(pilot)
    assert list(shown) == [name for name, *_words in RATES]
    for name, ratio in rates.items():
        value, numerator, denominator = shown[name][1:]
        assert value == ratio.percent(), name
        assert int(numerator.split()[0]) == ratio.numerator, name
        assert int(denominator.split()[0]) == ratio.denominator, name
    for name, _label in SERIES:
        assert charts(pilot)[name] == [getattr(b.counts, name) for b in expected.buckets]
        assert text_of(pilot, f"#chart-{name}-total") == str(getattr(expected.totals, name))


async def open_metrics(pilot: Pilot[None]) -> None:
    await settle(pilot)
    assert isinstance(pilot.app.screen, AdminHomeScreen)
    await pilot.press("m")
    await settle(pilot)
    assert isinstance(pilot.app.screen, MetricsScreen)


async def test_the_dashboard_shows_the_same_numbers_as_core(
    settings: Settings, db: Database, history: History
) -> None:
    expected = computed(db)
    totals = expected.totals
    # The history is what the seed says (so the comparison below is not of two zeros).
    assert (totals.searches, totals.opens, totals.bookings, totals.cancellations,
            totals.late_cancellations, totals.completed, totals.no_shows, totals.emails_sent,
            totals.emails_failed) == (10, 5, 6, 2, 1, 1, 1, 6, 1)
    app = admin_app(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await open_metrics(pilot)
        assert text_of(pilot, "#metrics-period") == (
            "Metrics · Mon 26 Oct to Tue 24 Nov 2026 · 30 days (UTC) · per day")
        assert_shows(pilot, expected)
        assert table(pilot)["search_ctr"] == ["Search CTR", "50.0 %", "5 opened", "10 searches"]
        assert table(pilot)["no_show_rate"] == [
            "No-show rate", "50.0 %", "1 no-shows", "2 done + no-shows"]
        assert len(charts(pilot)["searches"]) == 30
        assert text_of(pilot, "#metrics-ratings") == (
            "Ratings · 4.0 / 5 from 1 review (4 stars) · 5★ 0 · 4★ 1 · 3★ 0 · 2★ 0 · 1★ 0")
        assert text_of(pilot, "#metrics-nps") == (
            "NPS +100.0 · 1 answer: 1 promoter (9-10), 0 passives (7-8), 0 detractors (0-6)")
        assert text_of(pilot, "#chart-from") == "Mon 26 Oct"
        assert text_of(pilot, "#chart-to") == "Tue 24 Nov"
        assert "metrics-later" not in binding_ids(app)  # the period ends today


async def test_periods_move_by_their_length_and_buckets_switch_to_weeks(
    settings: Settings, db: Database, history: History
) -> None:
    app = admin_app(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await open_metrics(pilot)
        assert {"metrics-earlier", "metrics-by-week"} <= binding_ids(app)

        await pilot.press("[")
        await settle(pilot)
        earlier = computed(db, first_day=date(2026, 9, 26), last_day=date(2026, 10, 25))
        assert earlier.totals.searches == 1
        assert text_of(pilot, "#metrics-period") == (
            "Metrics · Sat 26 Sep to Sun 25 Oct 2026 · 30 days (UTC) · per day")
        assert_shows(pilot, earlier)
        assert "metrics-later" in binding_ids(app)

        await pilot.press("b")  # weeks, same period
        await settle(pilot)
        weekly = computed(db, first_day=date(2026, 9, 26), last_day=date(2026, 10, 25),
                          by="week")
        assert [b.start for b in weekly.buckets][:2] == [date(2026, 9, 21), date(2026, 9, 28)]
        assert_shows(pilot, weekly)
        assert text_of(pilot, "#metrics-period").endswith("· per week (Mon-Sun)")
        assert text_of(pilot, "#chart-from") == "week of Mon 21 Sep"
        assert text_of(pilot, "#chart-to") == "week of Mon 19 Oct"
        assert {"metrics-by-day"} <= binding_ids(app)
        assert "metrics-by-week" not in binding_ids(app)

        await pilot.press("]")  # back to the last 30 days, still weekly
        await settle(pilot)
        assert_shows(pilot, computed(db, by="week"))
        assert "metrics-later" not in binding_ids(app)
        await pilot.press("b")
        await settle(pilot)
        assert_shows(pilot, computed(db))

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, AdminHomeScreen)


async def test_an_empty_clinic_shows_zeros_and_no_rates(settings: Settings, db: Database) -> None:
    Clinic(db)
    app = admin_app(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await open_metrics(pilot)
        assert all(row[1] == "n/a" and row[2].startswith("0 ") and row[3].startswith("0 ")
                   for row in table(pilot).values())
        assert text_of(pilot, "#metrics-ratings") == "Ratings · no reviews in this period"
        assert text_of(pilot, "#metrics-nps") == "NPS · no answers in this period"
        assert notifications(app) == []


async def test_the_metrics_key_is_the_admins_and_listed_in_the_help(
    settings: Settings, db: Database
) -> None:
    Clinic(db)
    app = admin_app(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "metrics" in binding_ids(app)
        await pilot.press("f1")
        await pilot.pause()
        helped: DataTable[object] = app.screen.query_one("#help-keys", DataTable)
        assert ["m", "Metrics"] in [[str(c) for c in helped.get_row_at(i)]
                                    for i in range(helped.row_count)]
    app = admin_app(settings, db, "rita@example.com")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "metrics" not in binding_ids(app)
        await pilot.press("m")
        await settle(pilot)
        assert not any(isinstance(s, MetricsScreen) for s in app.screen_stack)


async def test_the_metrics_key_bar_keeps_help_in_80_columns(
    settings: Settings, db: Database, history: History
) -> None:
    from textual.widgets._footer import FooterKey

    app = admin_app(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await open_metrics(pilot)
        await pilot.press("[")  # both [ and ] offered
        await settle(pilot)
        shown = {key.key: key for key in app.screen.query(FooterKey)}
        assert {"left_square_bracket", "right_square_bracket", "b", "f1"} <= set(shown)
        assert shown["f1"].region.right <= SIZE[0]


# --- snapshots ------------------------------------------------------------------------------


@SIZES
def test_metrics_dashboard_snapshot(
    snap_compare: SnapCompare, settings: Settings, db: Database, history: History,
    size: tuple[int, int],
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await open_metrics(pilot)

    assert snap_compare(admin_app(settings, db), terminal_size=size, run_before=run_before)


@SIZES
def test_metrics_by_week_snapshot(
    snap_compare: SnapCompare, settings: Settings, db: Database, history: History,
    size: tuple[int, int],
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await open_metrics(pilot)
        await pilot.press("b")
        await settle(pilot)

    assert snap_compare(admin_app(settings, db), terminal_size=size, run_before=run_before)
