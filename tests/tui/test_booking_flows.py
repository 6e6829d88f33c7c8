"""Pilot flows of booking on the real database: a patient books from a doctor's profile and
cancels from My appointments; the desk finds or creates patients and works a doctor's day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from doctorbook.core.base.clock import FixedClock
from doctorbook.core.base.db import Database
from doctorbook.core.base.models import Appointment, AuthSession, AvailabilitySlot, User
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.base.settings import Settings
from doctorbook.core.booking import booking
from doctorbook.core.doctors import doctors
from doctorbook.tui.app import KIOSK_BOOKED, make_app
from doctorbook.tui.dialogs.book_slot import BookSlotDialog
from doctorbook.tui.dialogs.confirm import ConfirmDialog
from doctorbook.tui.dialogs.new_patient import NewPatientDialog
from doctorbook.tui.dialogs.text_prompt import TextPrompt
from doctorbook.tui.screens.day_view import DayViewScreen
from doctorbook.tui.screens.doctor_profile import DoctorProfileScreen
from doctorbook.tui.screens.login import LoginScreen
from doctorbook.tui.screens.patient_appointments import PatientAppointmentsScreen
from doctorbook.tui.screens.patient_home import PatientHomeScreen
from doctorbook.tui.screens.patient_lookup import PatientLookupScreen
from doctorbook.tui.screens.search import SearchScreen
from doctorbook.tui.screens.staff_home import StaffHomeScreen
from tests.conftest import PASSWORD, make_user
from tests.search.conftest import add_slot
from tests.tui.conftest import (
    add_specialties,
    binding_ids,
    fill,
    logged_in_store,
    make_admin,
    make_doctor,
    notifications,
    row_values,
    settle,
)

SIZE = (80, 24)
# The clock reads Tue 24 Nov 2026 09:00Z, 10:00 in Berlin; the doctor's lead time is 2 h.
WED_0930 = datetime(2026, 11, 25, 8, 30, tzinfo=UTC)
THU_1000 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
TODAY_1400 = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)
TODAY_1030 = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)  # inside the lead time: short notice


class Clinic:
    """An admin, a receptionist, Dr Henry Heart in Berlin and two patients."""

    def __init__(self, db: Database) -> None:
        self.db = db
        admin = make_admin(db)
        add_specialties(db, admin, "Cardiology")
        self.doctor_id = make_doctor(db, admin, email="henry@example.com", name="Henry Heart",
                                     specialty_names=("Cardiology",))
        with db.unit_of_work() as uow:
            self.alice = make_user(uow, email="alice@example.com", name="Alice Patient")
            self.bob = make_user(uow, email="bob@example.com", name="Bob Patient")
            self.desk = make_user(uow, email="rita@example.com", name="Rita Desk",
                                  role=Role.RECEPTIONIST)

    def slots(self, *starts: datetime) -> list[int]:
        with self.db.unit_of_work() as uow:
            return [add_slot(uow, self.doctor_id, start) for start in starts]

    def book(self, patient: Actor, slot_id: int, reason: str | None = None) -> int:
        with self.db.unit_of_work() as uow:
            return booking.book(uow, actor=patient, slot_id=slot_id, reason=reason).id

    def appointment(self, appointment_id: int) -> Appointment:
        with self.db.unit_of_work() as uow:
            row = uow.session.get(Appointment, appointment_id)
            assert row is not None
            uow.session.expunge_all()  # detached with what was read, for the asserts
            return row

    def appointments_of(self, email: str) -> list[Appointment]:
        with self.db.unit_of_work() as uow:
            found = list(uow.session.scalars(
                select(Appointment).join(User, User.id == Appointment.patient_id)
                .where(User.email == email).order_by(Appointment.id)
            ))
            uow.session.expunge_all()
            return found


@pytest.fixture
def clinic(db: Database) -> Clinic:
    return Clinic(db)


def rows(pilot: Pilot[None], selector: str) -> list[list[object]]:
    table: DataTable[object] = pilot.app.screen.query_one(selector, DataTable)
    return [row_values(table, i) for i in range(table.row_count)]


def text_of(pilot: Pilot[None], selector: str) -> str:
    return str(pilot.app.screen.query_one(selector, Static).render())


async def open_profile(pilot: Pilot[None]) -> None:
    """From the patient's home: search, then Enter on the (only) doctor."""
    await settle(pilot)
    await pilot.press("s")
    await settle(pilot)
    assert isinstance(pilot.app.screen, SearchScreen)
    pilot.app.screen.query_one("#results", DataTable).focus()
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, DoctorProfileScreen)


# --- the patient ---------------------------------------------------------------------------


async def test_patient_books_a_slot_with_a_reason_and_sees_it_in_my_appointments(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    clinic.slots(THU_1000, THU_1000 + timedelta(minutes=30))
    app = make_app(settings=settings, db=db, store=logged_in_store(db, "alice@example.com",
                                                                    PASSWORD))
    async with app.run_test(size=SIZE) as pilot:
        await open_profile(pilot)
        picker: DataTable[str] = app.screen.query_one("#slot-picker", DataTable)
        assert picker.has_focus
        assert [str(r.label) for r in picker.ordered_rows] == ["Thu 26 Nov"]
        assert row_values(picker, 0)[:3] == ["10:00", "10:30", ""]
        await pilot.press("enter")  # the cursor starts on the first slot
        await pilot.pause()
        assert isinstance(app.screen, BookSlotDialog)
        assert text_of(pilot, "#book-doctor") == "Dr Henry Heart"
        assert text_of(pilot, "#book-clinic") == "Central Clinic, Hauptstr. 1, Berlin"
        assert text_of(pilot, "#book-when") == "Thu 26 Nov 2026 at 10:00 (Europe/Berlin time)"
        await fill(pilot, "#book-reason", "Chest pain on the stairs")
        await pilot.press("enter")
        await settle(pilot)

        assert isinstance(app.screen, DoctorProfileScreen)
        assert (
            "information",
            "Booked: Dr Henry Heart, Thu 26 Nov 10:00 (Europe/Berlin) — confirmed",
        ) in notifications(app)
        assert row_values(picker, 0)[:2] == ["10:30", ""]  # the booked slot left the picker

        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PatientHomeScreen)
        assert rows(pilot, "#upcoming") == [[
            "Thu 26 Nov 2026 10:00", "Henry Heart", "Confirmed", "Wed 25 Nov 10:00",
            "Chest pain on the stairs",
        ]]
    [booked] = clinic.appointments_of("alice@example.com")
    assert (booked.status, booked.reason, booked.starts_at) == (
        "confirmed", "Chest pain on the stairs", THU_1000
    )


async def test_cancelling_the_book_dialog_books_nothing(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    clinic.slots(THU_1000)
    app = make_app(settings=settings, db=db, store=logged_in_store(db, "alice@example.com",
                                                                    PASSWORD))
    async with app.run_test(size=SIZE) as pilot:
        await open_profile(pilot)
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, BookSlotDialog)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DoctorProfileScreen)
    assert clinic.appointments_of("alice@example.com") == []


async def test_a_slot_taken_meanwhile_is_an_error_and_the_slots_reload(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    taken, _free = clinic.slots(THU_1000, THU_1000 + timedelta(minutes=30))
    app = make_app(settings=settings, db=db, store=logged_in_store(db, "alice@example.com",
                                                                    PASSWORD))
    async with app.run_test(size=SIZE) as pilot:
        await open_profile(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, BookSlotDialog)
        clinic.book(clinic.bob, taken)  # Bob was quicker, from another terminal
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DoctorProfileScreen)
        assert (
            "error", "The 10:00 slot on Thu 26 Nov with Dr Henry Heart is no longer available;"
            " pick another time"
        ) in notifications(app)
        picker: DataTable[str] = app.screen.query_one("#slot-picker", DataTable)
        assert row_values(picker, 0)[:2] == ["10:30", ""]
    assert clinic.appointments_of("alice@example.com") == []


async def test_patient_cancels_inside_the_window_and_is_told_why_not_after_it(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    soon, later = clinic.slots(WED_0930, THU_1000)
    too_late = clinic.book(clinic.alice, soon, "Check-up")
    in_time = clinic.book(clinic.alice, later)
    app = make_app(settings=settings, db=db, store=logged_in_store(db, "alice@example.com",
                                                                    PASSWORD))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, PatientHomeScreen)
        assert [r[3] for r in rows(pilot, "#upcoming")] == [
            "call the clinic", "Wed 25 Nov 10:00"
        ]
        # The cursor is on Wednesday's visit: its window has closed. Cancel is not offered,
        # and the line under the lists says why.
        assert "cancel-visit" not in binding_ids(app)
        assert (
            "You can't cancel this visit online: online cancellation closed Tue 24 Nov 09:30 "
            "(24 h before the visit); please call the clinic."
        ) in text_of(pilot, "#visit-detail")
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, PatientHomeScreen)

        await pilot.press("down")
        assert "cancel-visit" in binding_ids(app)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert "Dr Henry Heart on Thu 26 Nov 10:00 (Europe/Berlin)" in text_of(
            pilot, "#confirm-question")
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, PatientHomeScreen)
        assert (
            "information", "Cancelled: Dr Henry Heart, Thu 26 Nov 10:00 (Europe/Berlin)."
        ) in notifications(app)
        # Cancelled, it is no longer upcoming: it is listed with the past visits.
        assert [r[2:4] for r in rows(pilot, "#upcoming")] == [["Confirmed", "call the clinic"]]
        assert [r[2] for r in rows(pilot, "#past")] == ["Cancelled"]
    assert clinic.appointment(too_late).status == "confirmed"
    assert clinic.appointment(in_time).status == "cancelled"


async def test_the_kiosk_logs_out_after_a_booking(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    clinic.slots(THU_1000)
    app = make_app(settings=settings, db=db, store=None, kiosk=True)
    async with app.run_test(size=SIZE) as pilot:
        await fill(pilot, "#email", "alice@example.com")
        await fill(pilot, "#password", PASSWORD)
        await pilot.press("enter")
        await settle(pilot)
        await open_profile(pilot)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("enter")  # Book, no reason
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert app.user is None
        shown = notifications(app)
        assert (
            "information", "Booked: Dr Henry Heart, Thu 26 Nov 10:00 (Europe/Berlin) — confirmed"
        ) in shown
        assert ("information", KIOSK_BOOKED) in shown
    [booked] = clinic.appointments_of("alice@example.com")
    assert booked.reason is None
    with db.unit_of_work() as uow:
        sessions = uow.session.scalars(
            select(AuthSession).where(AuthSession.user_id == clinic.alice.user_id))
        assert [s.revoked_at is not None for s in sessions] == [True]


async def test_staff_on_a_public_profile_are_sent_to_the_day_view(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    clinic.slots(THU_1000)
    app = make_app(settings=settings, db=db, store=logged_in_store(db, "rita@example.com",
                                                                    PASSWORD))
    async with app.run_test(size=SIZE) as pilot:
        await open_profile(pilot)
        assert "book-slot" not in binding_ids(app)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DoctorProfileScreen)
        assert notifications(app)[-1][0] == "warning"
    assert clinic.appointments_of("alice@example.com") == []


# --- the front desk ------------------------------------------------------------------------


async def test_only_the_desk_and_admins_get_the_patient_and_day_view_keys(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    expected = {
        "rita@example.com": {"patients", "day-view"},
        "ada@clinic.example": {"patients", "day-view"},
        "henry@example.com": set(),
        "alice@example.com": set(),
    }
    for email, keys in expected.items():
        app = make_app(settings=settings, db=db, store=logged_in_store(db, email, PASSWORD))
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert binding_ids(app) & {"patients", "day-view"} == keys, email
            if not keys:
                await pilot.press("v")
                await pilot.pause()
                assert not isinstance(app.screen, DayViewScreen)


async def test_desk_finds_a_patient_and_books_for_them_from_the_day_view(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    first, short_notice = clinic.slots(WED_0930, TODAY_1030)
    app = make_app(settings=settings, db=db, store=logged_in_store(db, "rita@example.com",
                                                                    PASSWORD))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, StaffHomeScreen)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, PatientLookupScreen)
        assert [r[0] for r in rows(pilot, "#patients-table")] == ["Alice Patient", "Bob Patient"]
        await fill(pilot, "#patient-query", "ALI")
        await settle(pilot)
        assert rows(pilot, "#patients-table") == [["Alice Patient", "alice@example.com", "—", "—"]]
        await pilot.press("enter")  # to the list ...
        await pilot.press("enter")  # ... and choose Alice: her appointments (none yet)
        await settle(pilot)
        assert isinstance(app.screen, PatientAppointmentsScreen)
        assert "Alice Patient has no appointments yet" in text_of(
            pilot, "#patient-visits-empty")
        await pilot.press("b")  # book new: the day view, booking for her
        await settle(pilot)

        assert isinstance(app.screen, DayViewScreen)
        assert "Booking for: Alice Patient <alice@example.com>" in text_of(pilot, "#day-patient")
        assert text_of(pilot, "#day-date").startswith("Tue 24 Nov 2026 (today)")
        assert rows(pilot, "#day-slots") == [
            ["10:30-11:00", "—", "Open · short notice", ""],
        ]
        await pilot.press("right_square_bracket")  # the next day
        await settle(pilot)
        assert text_of(pilot, "#day-date").startswith("Wed 25 Nov 2026\n")
        assert rows(pilot, "#day-slots") == [["09:30-10:00", "—", "Open", ""]]
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, BookSlotDialog)
        assert text_of(pilot, "#book-patient") == "Alice Patient <alice@example.com>"
        await fill(pilot, "#book-reason", "Booked by phone")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DayViewScreen)
        assert rows(pilot, "#day-slots") == [
            ["09:30-10:00", "Alice Patient", "Confirmed", "Booked by phone"]
        ]
        assert (
            "information", "Booked: Alice Patient with Dr Henry Heart, Wed 25 Nov 09:30 "
            "(Europe/Berlin) — confirmed",
        ) in notifications(app)

        # Back to today: inside the lead time the desk may still book, overriding the policy.
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, BookSlotDialog)
        assert "Short notice" in text_of(pilot, "#book-note")
        await pilot.press("enter")
        await settle(pilot)
        assert rows(pilot, "#day-slots") == [
            ["10:30-11:00", "Alice Patient", "Confirmed", ""],
        ]
    by_slot = {a.slot_id: a for a in clinic.appointments_of("alice@example.com")}
    assert by_slot[first].booked_by_id == clinic.desk.user_id
    assert by_slot[first].reason == "Booked by phone"
    assert by_slot[short_notice].policy_override


async def test_desk_creates_a_patient_on_the_spot_and_books_for_them(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    clinic.slots(TODAY_1400)
    app = make_app(settings=settings, db=db, store=logged_in_store(db, "rita@example.com",
                                                                    PASSWORD))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, DayViewScreen)
        assert "No patient selected" in text_of(pilot, "#day-patient")
        await pilot.press("b")  # nobody chosen yet: find the patient first
        await settle(pilot)
        assert isinstance(app.screen, PatientLookupScreen)
        await fill(pilot, "#patient-query", "Carol Jones")
        await settle(pilot)
        assert rows(pilot, "#patients-table") == []
        await pilot.press("enter")  # nobody found: Enter offers a new patient record
        await pilot.pause()
        assert isinstance(app.screen, NewPatientDialog)
        assert app.screen.query_one("#patient-name", Input).value == "Carol Jones"
        assert app.screen.focused is app.screen.query_one("#patient-email", Input)
        await fill(pilot, "#patient-email", "alice@example.com")  # taken
        await fill(pilot, "#patient-phone", "+49 30 555 1234")
        await pilot.press("enter")  # on to the date of birth
        await pilot.press("enter")
        await settle(pilot)
        # Refused in the dialog, which stays open with what was typed, at the e-mail.
        assert isinstance(app.screen, NewPatientDialog)
        assert "An account with e-mail alice@example.com already exists" in text_of(
            pilot, "#new-patient-hint")
        assert app.screen.focused is app.screen.query_one("#patient-email", Input)
        assert app.screen.query_one("#patient-phone", Input).value == "+49 30 555 1234"
        assert not [n for n in notifications(app) if n[0] == "error"]
        await fill(pilot, "#patient-email", "carol@mail.example")
        await fill(pilot, "#patient-born", "12.03.1980")
        await pilot.press("enter")
        await settle(pilot)

        # Created and chosen: the booking that was started goes on.
        assert isinstance(app.screen, BookSlotDialog)
        assert text_of(pilot, "#book-patient") == "Carol Jones <carol@mail.example>"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DayViewScreen)
        assert rows(pilot, "#day-slots") == [["14:00-14:30", "Carol Jones", "Confirmed", ""]]
    [carol] = clinic.appointments_of("carol@mail.example")
    assert carol.booked_by_id == clinic.desk.user_id
    with db.unit_of_work() as uow:
        user = uow.session.get(User, carol.patient_id)
        assert user is not None
        assert (user.phone, user.password_hash) == ("+49 30 555 1234", None)
        assert user.date_of_birth == date(1980, 3, 12)


async def test_desk_checks_in_reschedules_and_cancels_with_a_reason(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    two, half_past, three, _half_past_three = clinic.slots(
        *(TODAY_1400 + timedelta(minutes=30 * i) for i in range(4)))
    alice = clinic.book(clinic.alice, two, "Check-up")
    bob = clinic.book(clinic.bob, half_past)
    app = make_app(settings=settings, db=db, store=logged_in_store(db, "rita@example.com",
                                                                    PASSWORD))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, DayViewScreen)
        assert rows(pilot, "#day-slots") == [
            ["14:00-14:30", "Alice Patient", "Confirmed", "Check-up"],
            ["14:30-15:00", "Bob Patient", "Confirmed", ""],
            ["15:00-15:30", "—", "Open", ""],
            ["15:30-16:00", "—", "Open", ""],
        ]
        await pilot.press("up", "up")  # the cursor starts on the first free slot
        assert {"check-in", "cancel-visit", "reschedule"} <= binding_ids(app)
        assert "book-slot" not in binding_ids(app)

        await pilot.press("i")
        await settle(pilot)
        assert rows(pilot, "#day-slots")[0][2] == "Checked in"
        assert ("information", "Checked in: Alice Patient's visit on Tue 24 Nov 14:00.") in (
            notifications(app))

        # r marks Bob's visit to move; Escape stops without moving it (and stays).
        await pilot.press("down", "r")
        await pilot.pause()
        assert app.screen.query_one("#day-moving").display
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DayViewScreen)
        assert not app.screen.query_one("#day-moving").display
        assert ("information", "Not moved.") in notifications(app)

        # Bob moves from 14:30 to 15:00: r marks his visit, Enter on the open slot moves it.
        await pilot.press("r")
        await pilot.pause()
        assert app.screen.query_one("#day-moving").display
        assert rows(pilot, "#day-slots")[1][2] == "Confirmed · moving"
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert [r[1:3] for r in rows(pilot, "#day-slots")] == [
            ["Alice Patient", "Checked in"], ["—", "Open"], ["Bob Patient", "Confirmed"],
            ["—", "Open"],
        ]
        assert not app.screen.query_one("#day-moving").display

        # The cursor followed Bob to 15:00; c asks for the reason, which core requires.
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, TextPrompt)
        await fill(pilot, "#prompt-value", "Dr Heart is ill")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DayViewScreen)
        assert [r[1:3] for r in rows(pilot, "#day-slots")][2] == ["—", "Open"]

    assert clinic.appointment(alice).status == "checked_in"
    old_bob, new_bob = clinic.appointments_of("bob@example.com")
    assert old_bob.id == bob
    assert (old_bob.status, old_bob.cancel_reason) == ("cancelled", booking.RESCHEDULED)
    assert (new_bob.slot_id, new_bob.rescheduled_from_id) == (three, bob)
    assert (new_bob.status, new_bob.cancel_reason) == ("cancelled", "Dr Heart is ill")
    with db.unit_of_work() as uow:
        slot = uow.session.get(AvailabilitySlot, three)
        assert slot is not None and slot.status == "open"


async def test_the_day_view_follows_the_clock_of_the_clinic(
    settings: Settings, db: Database, clinic: Clinic, clock: FixedClock
) -> None:
    """At 23:30 UTC it is already Wednesday in Berlin: 'today' is the clinic's today."""
    clock.advance(timedelta(hours=14, minutes=30))
    clinic.slots(THU_1000)
    app = make_app(settings=settings, db=db, store=logged_in_store(db, "rita@example.com",
                                                                    PASSWORD))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert text_of(pilot, "#day-date").startswith("Wed 25 Nov 2026 (today)")
        assert "Dr Henry Heart has no slots on Wed 25 Nov 2026." in text_of(pilot, "#day-empty")
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert rows(pilot, "#day-slots") == [["10:00-10:30", "—", "Open", ""]]


async def test_desk_confirms_a_pending_visit_on_a_date_it_jumped_to(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    """A doctor without auto-confirm: the visit waits as pending; o confirms it (and only
    then i checks it in)."""
    with db.unit_of_work() as uow:
        doctors.update_profile(uow, actor=Actor(clinic.doctor_id, Role.DOCTOR,
                                                "henry@example.com"), auto_confirm=False)
    [slot] = clinic.slots(THU_1000)
    pending = clinic.book(clinic.alice, slot)
    app = make_app(settings=settings, db=db, store=logged_in_store(db, "rita@example.com",
                                                                    PASSWORD))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, TextPrompt)
        await fill(pilot, "#prompt-value", "26.11.2026")
        await pilot.press("enter")
        await settle(pilot)
        assert ("error", "Not a date: '26.11.2026'; write today, tomorrow, yesterday, "
                         "mon…sun, +3, -1 or YYYY-MM-DD.") in notifications(app)
        await pilot.press("g")
        await pilot.pause()
        await fill(pilot, "#prompt-value", "2026-11-26")
        await pilot.press("enter")
        await settle(pilot)
        assert rows(pilot, "#day-slots") == [["10:00-10:30", "Alice Patient", "Pending", ""]]
        assert {"confirm-visit", "cancel-visit", "reschedule"} <= binding_ids(app)
        assert "check-in" not in binding_ids(app)
        await pilot.press("o")
        await settle(pilot)
        assert rows(pilot, "#day-slots")[0][2] == "Confirmed"
        assert "check-in" in binding_ids(app)
    assert clinic.appointment(pending).status == "confirmed"
