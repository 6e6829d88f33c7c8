"""Front-desk bugs of issue 13 (part 8), under the pilot on the real database: what is offered
for a visit (no-show, complete, cancel, review, resend), where a visit is listed, the dialogs'
way back, and the patient's whole reason at 80 columns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from textual.widgets import Button, DataTable

from doctorbook.core.base.clock import FixedClock
from doctorbook.core.base.db import Database
from doctorbook.core.base.models import EmailOutbox
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.base.settings import Settings
from doctorbook.core.booking import lifecycle
from doctorbook.core.booking.appointments import load_view
from doctorbook.tui.app import DoctorbookApp, make_app
from doctorbook.tui.dialogs.confirm import ConfirmDialog
from doctorbook.tui.dialogs.text_prompt import TextPrompt
from doctorbook.tui.screens.doctor_home import DoctorHomeScreen
from doctorbook.tui.screens.patient_home import PatientHomeScreen
from tests.conftest import PASSWORD
from tests.tui.conftest import binding_ids, logged_in_store, notifications, row_values, settle
from tests.tui.test_booking_flows import THU_1000, Clinic, clinic

__all__ = ["clinic"]

SIZE = (80, 24)
# The clock reads Tue 24 Nov 2026 09:00Z, 10:00 in Berlin.
TODAY_1000 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
LONG_REASON = "Blood pressure check and a new prescription for the tablets"


def doctor(clinic: Clinic) -> Actor:
    return Actor(clinic.doctor_id, Role.DOCTOR, "henry@example.com")


def book_earlier(clinic: Clinic, clock: FixedClock, patient: Actor, starts_at: datetime,
                 reason: str | None = None) -> int:
    """A visit at `starts_at` (maybe now), booked a day before (the clock is moved back)."""
    clock.advance(timedelta(days=-1))
    try:
        (slot,) = clinic.slots(starts_at)
        return clinic.book(patient, slot, reason)
    finally:
        clock.advance(timedelta(days=1))


def act(clinic: Clinic, appointment_id: int, *actions: str) -> None:
    for action in actions:
        with clinic.db.unit_of_work() as uow:
            lifecycle.change_status(uow, actor=doctor(clinic), appointment_id=appointment_id,
                                    action=action)


def status_of(db: Database, appointment_id: int) -> str:
    with db.unit_of_work() as uow:
        return load_view(uow, appointment_id).status


def app_of(settings: Settings, db: Database, email: str) -> DoctorbookApp:
    return make_app(settings=settings, db=db, store=logged_in_store(db, email, PASSWORD))


def table_rows(app: DoctorbookApp, selector: str) -> list[list[object]]:
    table: DataTable[object] = app.screen.query_one(selector, DataTable)
    return [row_values(table, i) for i in range(table.row_count)]


def detail(app: DoctorbookApp) -> str:
    return str(app.screen.query_one("#visit-detail").render())


async def test_a_visit_completed_today_is_past_and_not_offered_for_cancelling(
    settings: Settings, db: Database, clinic: Clinic, clock: FixedClock
) -> None:
    done = book_earlier(clinic, clock, clinic.alice, TODAY_1000)
    act(clinic, done, "check_in", "complete")  # 10:00-10:30, completed at 10:00
    (later,) = clinic.slots(THU_1000)
    clinic.book(clinic.alice, later)
    app = app_of(settings, db, "alice@example.com")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, PatientHomeScreen)
        assert [r[0] for r in table_rows(app, "#upcoming")] == ["Thu 26 Nov 2026 10:00"]
        assert [r[:3] for r in table_rows(app, "#past")] == [
            ["Tue 24 Nov 2026 10:00", "Henry Heart", "Completed"]]
        # Thursday's visit is highlighted: it may be cancelled.
        assert "cancel-visit" in binding_ids(app)
        app.screen.query_one("#past", DataTable).focus()
        await settle(pilot)
        assert "cancel-visit" not in binding_ids(app)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, PatientHomeScreen)
    assert status_of(db, done) == "completed"


async def test_the_whole_reason_shows_under_the_lists_at_80_columns(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    (slot,) = clinic.slots(THU_1000)
    clinic.book(clinic.alice, slot, LONG_REASON)
    app = app_of(settings, db, "alice@example.com")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        cut = str(table_rows(app, "#upcoming")[0][-1])
        assert LONG_REASON.startswith(cut.rstrip("…"))  # the table has room for a part
        shown = app.screen.query_one("#visit-detail")
        assert shown.display and shown.region.bottom <= SIZE[1] - 1  # above the key bar
        assert f"Reason: {LONG_REASON}" in detail(app)
        assert "Press c to cancel this visit." in detail(app)


async def test_a_reviewed_visit_is_not_offered_for_review(
    settings: Settings, db: Database, clinic: Clinic, clock: FixedClock
) -> None:
    from tests.tui.test_reviews_tui import reviewed_visit, visit

    reviewed_visit(clinic, clock, clinic.alice, datetime(2026, 11, 17, 9, 0, tzinfo=UTC), 5)
    visit(clinic, clock, clinic.alice, datetime(2026, 11, 18, 9, 0, tzinfo=UTC))
    app = app_of(settings, db, "alice@example.com")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#past", DataTable).focus()
        await settle(pilot)
        # Wednesday's (latest first) awaits a review; Tuesday's has one already.
        assert "review" in binding_ids(app)
        assert "Press r to review this visit." in detail(app)
        await pilot.press("down")
        await settle(pilot)
        assert "review" not in binding_ids(app)
        assert "You have already reviewed this visit." in detail(app)
        await pilot.press("r")  # refreshes: no form to fill for nothing
        await settle(pilot)
        assert isinstance(app.screen, PatientHomeScreen)
        assert not notifications(app)


async def test_the_patient_s_cancel_dialog_offers_to_keep_the_visit(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    (slot,) = clinic.slots(THU_1000)
    kept = clinic.book(clinic.alice, slot)
    app = app_of(settings, db, "alice@example.com")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        labels = [str(b.label) for b in app.screen.query(Button)]
        assert labels == ["Yes, cancel it", "Keep visit"]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PatientHomeScreen)
    assert status_of(db, kept) == "confirmed"


async def test_complete_asks_first(
    settings: Settings, db: Database, clinic: Clinic, clock: FixedClock
) -> None:
    here = book_earlier(clinic, clock, clinic.alice, TODAY_1000)
    act(clinic, here, "check_in")
    app = app_of(settings, db, "henry@example.com")
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DoctorHomeScreen)
        assert "complete-appointment" in binding_ids(app)
        await pilot.press("k")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # not yet
        await settle(pilot)
        assert status_of(db, here) == "checked_in"
        await pilot.press("k")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert status_of(db, here) == "completed"
        assert ("information", "Completed: Alice Patient · Tue 24 Nov 10:00.") in notifications(
            app)


async def test_the_doctor_s_cancel_dialog_offers_to_keep_the_visit(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    (slot,) = clinic.slots(THU_1000)
    kept = clinic.book(clinic.alice, slot)
    app = app_of(settings, db, "henry@example.com")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, TextPrompt)
        labels = [str(b.label) for b in app.screen.query(Button)]
        assert labels == ["Cancel the visit", "Keep visit"]
        assert "escape" in {b.binding.key for b in app.screen.active_bindings.values()
                            if b.binding.description == "Keep visit"}
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DoctorHomeScreen)
    assert status_of(db, kept) == "confirmed"


async def test_resend_queues_the_confirmation_and_says_to_whom(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    (slot,) = clinic.slots(THU_1000)
    upcoming = clinic.book(clinic.alice, slot)

    def mails() -> int:
        with db.unit_of_work() as uow:
            return int(uow.session.scalar(select(func.count()).select_from(EmailOutbox).where(
                EmailOutbox.entity_id == str(upcoming),
                EmailOutbox.kind == "appointment_update")) or 0)

    before = mails()
    app = app_of(settings, db, "henry@example.com")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "resend-confirmation" in binding_ids(app)
        await pilot.press("e")
        await settle(pilot)
        assert ("information", "Confirmation queued again for Alice Patient "
                "(alice@example.com) · Thu 26 Nov 10:00.") in notifications(app)
        assert mails() == before + 1

        # A cancelled visit has no confirmation to send.
        with db.unit_of_work() as uow:
            lifecycle.cancel(uow, actor=clinic.alice, appointment_id=upcoming)
        await pilot.press("f5")
        await settle(pilot)
        assert "resend-confirmation" not in binding_ids(app)
