"""Issue 10 (part A, the TUI): every screen shows people's text literally and never draws a
control character (DESIGN.md 6, "Text from users is data").

One database per module holds hostile text in every field a screen shows. Markup that core
accepts ("Eve [/bold] Evil", "rash [/]", "[link=file:///etc/passwd]x[/link]") goes in through
core; raw control characters (ESC sequences, OSC 52, C1 CSI, bidi overrides, CR), which core now
refuses, are written straight into the tables with SQL, as data stored before validation
existed would be. Each role then logs in under the pilot and opens every screen and dialog
that shows that text, checking on each: the app did not crash, the markup is drawn as typed,
no strip holds a control character (U+FFFD is drawn in its place), and notifications are plain.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from textual import events
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select

from doctorbook.core.base import audit
from doctorbook.core.base.clock import FixedClock
from doctorbook.core.base.db import Database, make_engine
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.base.settings import Settings
from doctorbook.core.booking import booking, lifecycle
from doctorbook.core.doctors import doctors
from doctorbook.core.feedback import reviews
from doctorbook.core.scheduling import schedule
from doctorbook.tui.app import DoctorbookApp, make_app
from doctorbook.tui.dialogs.book_slot import BookSlotDialog
from doctorbook.tui.dialogs.confirm import ConfirmDialog
from doctorbook.tui.dialogs.detail import DetailDialog
from doctorbook.tui.dialogs.new_patient import NewPatientDialog
from doctorbook.tui.dialogs.text_prompt import TextPrompt
from doctorbook.tui.screens.admin_home import AdminHomeScreen
from doctorbook.tui.screens.appointment_detail import AppointmentDetailScreen
from doctorbook.tui.screens.audit_log import AuditLogScreen
from doctorbook.tui.screens.day_view import DayViewScreen
from doctorbook.tui.screens.doctor_home import DoctorHomeScreen
from doctorbook.tui.screens.doctor_profile import DoctorProfileScreen
from doctorbook.tui.screens.doctors_admin import DoctorsAdminScreen
from doctorbook.tui.screens.doctors_joining import DoctorsJoiningScreen
from doctorbook.tui.screens.help import HelpScreen
from doctorbook.tui.screens.metrics import MetricsScreen
from doctorbook.tui.screens.outbox import OutboxScreen
from doctorbook.tui.screens.patient_appointments import PatientAppointmentsScreen
from doctorbook.tui.screens.patient_home import PatientHomeScreen
from doctorbook.tui.screens.patient_lookup import PatientLookupScreen
from doctorbook.tui.screens.profile_form import ProfileFormScreen
from doctorbook.tui.screens.schedule_editor import ScheduleEditorScreen
from doctorbook.tui.screens.search import SearchScreen
from doctorbook.tui.screens.specialties import SpecialtiesScreen
from doctorbook.tui.screens.staff_home import StaffHomeScreen
from tests.conftest import NOW, PASSWORD, _create_from_template, _drop, make_user
from tests.hostile import CURATED, has_control
from tests.search.conftest import add_slot
from tests.tui.conftest import (
    add_specialties,
    ask_to_join,
    fill,
    logged_in_store,
    make_admin,
    make_doctor,
    notifications,
    settle,
)

SIZE = (80, 24)
#: For what lies below the fold (reviews, notes) or right of column 80 (the last cells).
TALL = (120, 50)
FFFD = "\ufffd"
ESC = "\x1b"
OSC52 = f"{ESC}]52;c;cm0gLXJmIH4=\x07"
NO_CRASH_NOTES = ("Unexpected", "Something went wrong")

# --- the hostile text ----------------------------------------------------------------------------
# Markup core accepts goes in through core; every string is in tests/hostile.CURATED or made of
# pieces of it, and each has a short distinctive piece that fits a cut cell.

ADMIN_NAME = "Ada [/] Admin"
DESK_NAME = "Rita [red]Desk"
EVE = "Eve [/bold] Evil"  # a patient, through core
EVE_REASON = "rash [/]"
EVE_CANCEL = "[link=file:///etc/passwd]x[/link]"
MAL_REASON_CORE = "[@click=app.quit]quit[/]"
NOTE_MARKUP = "[red]red\nsecond [/] line"
REVIEW_MARKUP = "[@click=app.quit]q[/] great"
SPEC_A = "[bold]Cardio"
SPEC_B_CORE = "Derm [/]"
DOC_A = "Gregory [/bold] House"
A_CLINIC = "[on #ff0000]Plainsboro"
A_ADDRESS = "[$accent]Main[/]"
A_CITY = "[red]Princeton"
A_BIO = "[link=file:///etc/passwd]click[/link] bio"
DOC_B_CORE = "Bea [/] Doc"
B_CLINIC_CORE = "[reverse on red]Clinic"
B_ADDRESS_CORE = "[b][i]x[/b] Road"
B_CITY_CORE = "[/not-open] Town"
B_BIO_CORE = "[blink]ALERT[/blink]"
EXC_MARKUP = "[/bold] conference"
REQ_NAME = "[b][i]x[/b] Jana"
REQ_MESSAGE = "$var [$x] hello"
OUTBOX_ERROR_MARKUP = "[red]boom[/] SMTP 550"

# Raw control characters, written with SQL (core refuses them now).
MAL = f"Mal{ESC}[2Jlory {OSC52}Evil\u202e"
MAL_PHONE = "+49\x9b31m 555"
MAL_REASON = "cough\x9b31m\u202eevil [/]"
MAL_CANCEL = f"ill{ESC}[2J\rover"
NOTE_CONTROL = f"BP{ESC}[31m high{ESC}[0m\nline two\u202e"
REVIEW_CONTROL = f"great{ESC}]52;c;cm0=\x07 doc\u202e"
SPEC_B = f"Derm{ESC}[2J [/]"
DOC_B = f"Bea{ESC}[2J [/] Doc"
B_CLINIC = B_CLINIC_CORE + "\x9b31m"
B_ADDRESS = B_ADDRESS_CORE + f"{ESC}]0;pwned title\x07"
B_CITY = f"Spring{ESC}[2Jfield {B_CITY_CORE}"
B_BIO = f"{B_BIO_CORE}\nsecond{ESC}[2J line\u202e"
EXC_CONTROL = f"trip{ESC}[2J\u202e"
REQ2_NAME = f"Req{ESC}[2Juest"
REQ2_MESSAGE = "msg\x9b31m\u202e"
OUTBOX_ERROR_CONTROL = f"SMTP{ESC}[2J 550 {OSC52}"
OUTBOX_SUBJECT_CONTROL = f"Subj{ESC}[2Ject\u202e"
AUDIT_DATA = f"[/] x{ESC}[2J\u202e"

# What a screen draws of them: a control character becomes U+FFFD, the markup stays.
MAL_SHOWN = f"Mal{FFFD}[2Jlory"
DOC_B_SHOWN = f"Bea{FFFD}[2J [/] Doc"
SPEC_B_SHOWN = f"Derm{FFFD}[2J [/]"

HOSTILE = [
    ADMIN_NAME, DESK_NAME, EVE, EVE_REASON, EVE_CANCEL, MAL_REASON_CORE, NOTE_MARKUP,
    REVIEW_MARKUP, SPEC_A, SPEC_B_CORE, DOC_A, A_CLINIC, A_ADDRESS, A_CITY, A_BIO, DOC_B_CORE,
    B_CLINIC_CORE, B_ADDRESS_CORE, B_CITY_CORE, B_BIO_CORE, EXC_MARKUP, REQ_NAME, REQ_MESSAGE,
    OUTBOX_ERROR_MARKUP, MAL, MAL_PHONE, MAL_REASON, MAL_CANCEL, NOTE_CONTROL, REVIEW_CONTROL,
    SPEC_B, DOC_B, B_CLINIC, B_ADDRESS, B_CITY, B_BIO, EXC_CONTROL, REQ2_NAME, REQ2_MESSAGE,
    OUTBOX_ERROR_CONTROL, OUTBOX_SUBJECT_CONTROL, AUDIT_DATA,
]

ADMIN = "ada@clinic.example"
DESK = "rita@clinic.example"
A_EMAIL = "house@clinic.example"
B_EMAIL = "bea@clinic.example"
EVE_EMAIL = "eve@example.com"
MAL_EMAIL = "mallory@example.com"
# The clock reads Tue 24 Nov 2026 09:00Z, 10:00 in Berlin.
WED_10 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
THU_11 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
FRI_10 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Hostile:
    db: Database
    doctor_a: int
    doctor_b: int
    eve_visit: int
    mal_visit: int


# --- seeding -------------------------------------------------------------------------------------


def _sql(db: Database, statement: str, **params: object) -> None:
    with db.unit_of_work() as uow:
        uow.session.execute(text(statement), params)
        uow.commit()


def _past_visit(
    db: Database, clock: FixedClock, doctor: Actor, patient: Actor, starts_at: datetime,
    comment: str,
) -> int:
    """A visit that happened (booked 3 h before, checked in, completed) and was reviewed an
    hour after it started; the clock is put back."""
    shift = starts_at - timedelta(hours=3) - clock.now()
    clock.advance(shift)
    try:
        with db.unit_of_work() as uow:
            slot = add_slot(uow, doctor.user_id, starts_at)
        with db.unit_of_work() as uow:
            visit = booking.book(uow, actor=patient, slot_id=slot).id
        for action in ("check_in", "complete"):
            with db.unit_of_work() as uow:
                lifecycle.change_status(uow, actor=doctor, appointment_id=visit, action=action)
        clock.advance(timedelta(hours=4))
        with db.unit_of_work() as uow:
            reviews.submit_review(uow, actor=patient, appointment_id=visit, rating=4,
                                  comment=comment)
    finally:
        clock.advance(NOW - clock.now())
    return visit


def _book(db: Database, patient: Actor, doctor_id: int, at: datetime, reason: str | None) -> int:
    with db.unit_of_work() as uow:
        slot = add_slot(uow, doctor_id, at)
    with db.unit_of_work() as uow:
        return booking.book(uow, actor=patient, slot_id=slot, reason=reason).id


def seed(db: Database, clock: FixedClock) -> Hostile:
    admin = make_admin(db, ADMIN, ADMIN_NAME)
    add_specialties(db, admin, SPEC_A, SPEC_B_CORE)
    a_id = make_doctor(db, admin, email=A_EMAIL, name=DOC_A, specialty_names=(SPEC_A,),
                       city=A_CITY, clinic=A_CLINIC, bio=A_BIO)
    b_id = make_doctor(db, admin, email=B_EMAIL, name=DOC_B_CORE,
                       specialty_names=(SPEC_B_CORE,), city=B_CITY_CORE, clinic=B_CLINIC_CORE,
                       bio=B_BIO_CORE)
    doctor_a = Actor(a_id, Role.DOCTOR, A_EMAIL)
    doctor_b = Actor(b_id, Role.DOCTOR, B_EMAIL)
    with db.unit_of_work() as uow:
        doctors.update_profile(uow, actor=doctor_a, address=A_ADDRESS)
    with db.unit_of_work() as uow:
        doctors.update_profile(uow, actor=doctor_b, address=B_ADDRESS_CORE)
    with db.unit_of_work() as uow:
        eve = make_user(uow, email=EVE_EMAIL, name=EVE)
        mal = make_user(uow, email=MAL_EMAIL, name="Mallory Evil")
        make_user(uow, email=DESK, name=DESK_NAME, role=Role.RECEPTIONIST)

    # Dr B's coming days: Eve and Mallory booked, two cancelled with a reason.
    eve_visit = _book(db, eve, b_id, WED_10, EVE_REASON)
    mal_visit = _book(db, mal, b_id, WED_10 + timedelta(minutes=30), "cough")
    eve_cancelled = _book(db, eve, b_id, THU_11, None)
    mal_cancelled = _book(db, mal, b_id, THU_11 + timedelta(minutes=30), None)
    _book(db, mal, b_id, FRI_10, MAL_REASON_CORE)
    for visit, reason in ((eve_cancelled, EVE_CANCEL), (mal_cancelled, "ill")):
        with db.unit_of_work() as uow:
            lifecycle.cancel(uow, actor=doctor_b, appointment_id=visit, reason=reason)
    with db.unit_of_work() as uow:
        lifecycle.add_note(uow, actor=doctor_b, appointment_id=eve_visit, text=NOTE_MARKUP)
    with db.unit_of_work() as uow:
        lifecycle.add_note(uow, actor=doctor_b, appointment_id=eve_visit, text="to be replaced")
    # Open slots of Dr B's, for the booking dialogs.
    with db.unit_of_work() as uow:
        for minutes in (0, 30):
            add_slot(uow, b_id, FRI_10 + timedelta(hours=2, minutes=minutes))
    # Wednesday is a day off now (the visits booked are no longer covered), and so is 2 Dec.
    with db.unit_of_work() as uow:
        schedule.add_exception(uow, actor=doctor_b, on="2026-11-25", kind="off",
                               reason=EXC_MARKUP)
    with db.unit_of_work() as uow:
        schedule.add_exception(uow, actor=doctor_b, on="2026-12-02", kind="off", reason="trip")
    # Visits with Dr A that happened, reviewed.
    _past_visit(db, clock, doctor_a, eve, datetime(2026, 11, 10, 9, tzinfo=UTC), REVIEW_MARKUP)
    _past_visit(db, clock, doctor_a, mal, datetime(2026, 11, 11, 9, tzinfo=UTC), "fine")
    ask_to_join(db, "jana@example.com", REQ_NAME, REQ_MESSAGE)
    ask_to_join(db, "otto@example.com", "Otto Other", "hello")
    with db.unit_of_work() as uow:
        audit.record(uow, actor=admin, action="appointment.note", entity_kind="appointment",
                     entity_id=mal_visit, data={"reason": AUDIT_DATA})
        uow.commit()

    # Stored before core refused control characters: straight into the tables.
    _sql(db, "UPDATE users SET name = :v, phone = :p WHERE email = :e", v=MAL, p=MAL_PHONE,
         e=MAL_EMAIL)
    _sql(db, "UPDATE users SET name = :v WHERE id = :i", v=DOC_B, i=b_id)
    _sql(db, "UPDATE doctors SET clinic_name = :c, address = :a, city = :t, bio = :b "
         "WHERE user_id = :i", c=B_CLINIC, a=B_ADDRESS, t=B_CITY, b=B_BIO, i=b_id)
    _sql(db, "UPDATE specialties SET name = :v WHERE name = :old", v=SPEC_B, old=SPEC_B_CORE)
    _sql(db, "UPDATE appointments SET reason = :v WHERE id = :i", v=MAL_REASON, i=mal_visit)
    _sql(db, "UPDATE appointments SET cancel_reason = :v WHERE id = :i", v=MAL_CANCEL,
         i=mal_cancelled)
    _sql(db, "UPDATE appointment_notes SET body = :v WHERE body = 'to be replaced'",
         v=NOTE_CONTROL)
    _sql(db, "UPDATE reviews SET comment = :v WHERE comment = 'fine'", v=REVIEW_CONTROL)
    _sql(db, "UPDATE schedule_exceptions SET reason = :v WHERE reason = 'trip'", v=EXC_CONTROL)
    _sql(db, "UPDATE doctor_requests SET name = :n, message = :m WHERE email = :e",
         n=REQ2_NAME, m=REQ2_MESSAGE, e="otto@example.com")
    # Two e-mails about the visits failed: one error is markup, the other escapes.
    _sql(db, "UPDATE email_outbox SET status = 'failed', attempts = 5, max_attempts = 5, "
         "last_error = :v WHERE entity_kind = 'appointment' AND entity_id = :i",
         v=OUTBOX_ERROR_MARKUP, i=str(eve_visit))
    _sql(db, "UPDATE email_outbox SET status = 'failed', attempts = 5, max_attempts = 5, "
         "last_error = :v, subject = :s, to_name = :n "
         "WHERE entity_kind = 'appointment' AND entity_id = :i",
         v=OUTBOX_ERROR_CONTROL, s=OUTBOX_SUBJECT_CONTROL, n=MAL, i=str(mal_visit))
    return Hostile(db, a_id, b_id, eve_visit, mal_visit)


@pytest.fixture(scope="module")
def hostile(server_url: str, template_url: str) -> Iterator[Hostile]:
    """One database for the whole module: every flow only reads (or is refused)."""
    name = f"dbk_hostile_{os.getpid()}"
    url = _create_from_template(server_url, name)
    clock = FixedClock(NOW)
    database = Database(engine=make_engine(url), clock=clock)
    try:
        yield seed(database, clock)
    finally:
        database.dispose()
        _drop(server_url, name)


# --- what is drawn -------------------------------------------------------------------------------


def drawn(app: DoctorbookApp) -> list[str]:
    """The current screen as the terminal gets it, a line per strip."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


class Screens:
    """Checks each screen and dialog a flow opens. A crash fails at once; anything else wrong
    is collected, and the flow fails at its end with all of it (so one broken screen doesn't
    hide the next)."""

    def __init__(self, pilot: Pilot[None]) -> None:
        self.pilot = pilot
        self.app: DoctorbookApp = pilot.app  # type: ignore[assignment]
        self.problems: list[str] = []

    def __call__(self, *shown: str, said: tuple[str, ...] = ()) -> str:
        """After `settle`: no crash, no control character drawn, plain notifications, and
        each of `shown` drawn as it is (a short piece: cells are cut at 40 columns); each of
        `said` in a notification's message."""
        app = self.app
        where = type(app.screen).__name__
        assert not app.crashed, f"the app crashed on {where}"
        assert app.return_code != 1, f"the app ended with 1 on {where}"
        lines = drawn(app)
        for number, line in enumerate(lines):
            if has_control(line) or ESC in line:
                self.problems.append(
                    f"{where} draws a control character on line {number}: {line.strip()!r}")
        messages = notifications(app)
        for severity, message in messages:
            if message.startswith(NO_CRASH_NOTES) or has_control(message.replace("\n", " ")):
                self.problems.append(f"{where}: notification {severity} {message!r}")
        for piece in said:
            if not any(piece in message for _, message in messages):
                self.problems.append(f"{where}: no notification says {piece!r}: {messages}")
        screen = "\n".join(lines)
        for piece in shown:
            if piece not in screen:
                drawing = "\n".join(line.rstrip() for line in lines if line.strip())
                self.problems.append(f"{where} does not draw {piece!r}:\n{drawing}")
        # Checked (and drawn, as toasts): gone, so they never cover the next screen's text.
        app.clear_notifications()
        return screen

    async def tall(self, *shown: str) -> str:
        """The same at TALL (what is below the fold or right of column 80), then 80x24."""
        await self.pilot.resize_terminal(*TALL)
        await settle(self.pilot)
        try:
            return self(*shown)
        finally:
            await self.pilot.resize_terminal(*SIZE)
            await settle(self.pilot)

    async def press(self, *keys: str) -> None:
        """Press the keys, then wait until what they started (workers, their answers) is done."""
        await self.pilot.press(*keys)
        await settle(self.pilot)

    async def help(self, *shown: str) -> None:
        """F1: the help's title names the screen (often a person) and its keys, literally."""
        await self.press("f1")
        assert isinstance(self.app.screen, HelpScreen)
        self(*shown)
        await self.press("escape")

    async def options(self, selector: str, *shown: str) -> None:
        """A Select's list of options, opened, checked and closed again."""
        select = self.app.screen.query_one(selector, Select)
        select.focus()
        await self.press("enter")
        assert select.expanded
        self(*shown)
        await self.press("escape")

    def done(self) -> None:
        assert not self.problems, "\n\n".join(self.problems)


def app_for(settings: Settings, hostile: Hostile, email: str) -> DoctorbookApp:
    return make_app(settings=settings, db=hostile.db,
                    store=logged_in_store(hostile.db, email, PASSWORD))


def test_the_hostile_text_is_curated() -> None:
    """The markup pieces come from the shared list; the SQL ones hold control characters."""
    for piece in ("[/]", "[/bold]", "[red]red", "[@click=app.quit]", "[link=file:///etc/passwd]",
                  "[$accent]", "[on #ff0000]", "[blink]ALERT[/blink]", "[b][i]x[/b]",
                  "[reverse on red]", "[/not-open]", "$var [$x]", "\x9b31m", "\u202e",
                  f"{ESC}[2J", f"{ESC}]52;c;cm0gLXJmIH4=\x07", f"{ESC}]0;pwned title\x07"):
        assert any(piece in c for c in CURATED), piece
    controlled = (MAL, MAL_PHONE, MAL_REASON, MAL_CANCEL, NOTE_CONTROL, REVIEW_CONTROL, SPEC_B,
                  DOC_B, B_CLINIC, B_ADDRESS, B_CITY, B_BIO, EXC_CONTROL, REQ2_NAME,
                  REQ2_MESSAGE, OUTBOX_ERROR_CONTROL, OUTBOX_SUBJECT_CONTROL, AUDIT_DATA)
    assert all(has_control(s) for s in controlled)
    # Core's markup ones are single-line but for the note (whose line break is allowed).
    assert not any(has_control(s.replace("\n", " ")) for s in set(HOSTILE) - set(controlled))


# --- patients ------------------------------------------------------------------------------------

REVIEW_CONTROL_SHOWN = f"great{FFFD}]52;c;cm0={FFFD} doc{FFFD}"
MAL_REASON_SHOWN = f"cough{FFFD}31m{FFFD}evil [/]"


async def search_and_open_profiles(check: Screens, *, doctor_a: bool) -> None:
    """From a patient's home: the search (and its specialties), Dr B's profile and the booking
    dialog; then (`doctor_a`) Dr A's profile with the reviews."""
    app = check.app
    await check.press("s")
    assert isinstance(app.screen, SearchScreen)
    check(DOC_B_SHOWN, DOC_A, SPEC_A, SPEC_B_SHOWN, f"Spring{FFFD}[2Jf", "[red]Prince")
    await check.tall(A_CITY, "[on #ff0000]Plain", f"Spring{FFFD}[2Jfield {B_CITY_CORE}",
                     "[reverse on red]C")
    await check.options("#specialty", SPEC_A, SPEC_B_SHOWN)

    results = app.screen.query_one("#results", DataTable)
    results.focus()
    await check.press("enter")  # Dr B, who has open slots, comes first
    assert isinstance(app.screen, DoctorProfileScreen)
    check(DOC_B_SHOWN, SPEC_B_SHOWN, f"{B_CLINIC_CORE}{FFFD}31m",
          f"{B_ADDRESS_CORE}{FFFD}]0;pwned title{FFFD}", f"Spring{FFFD}[2Jfield {B_CITY_CORE}",
          B_BIO_CORE, f"second{FFFD}[2J line{FFFD}")
    await check.press("enter")  # the first open slot
    assert isinstance(app.screen, BookSlotDialog)
    check(f"Dr {DOC_B_SHOWN}", f"{B_CLINIC_CORE}{FFFD}31m, [b][i]x[/b]")
    await check.press("escape")
    if not doctor_a:
        return
    await check.press("escape")
    assert isinstance(app.screen, SearchScreen)
    results.focus()
    await check.press("down", "enter")
    assert isinstance(app.screen, DoctorProfileScreen)
    check(DOC_A, SPEC_A, A_CLINIC, A_ADDRESS, A_CITY, A_BIO)
    await check.tall(REVIEW_MARKUP, REVIEW_CONTROL_SHOWN, f"{MAL_SHOWN} · verified")
    await check.help(DOC_A)


async def test_patient_screens(settings: Settings, hostile: Hostile) -> None:
    """Mallory (her name full of escapes) reads her visits, searches, opens both doctors'
    profiles and the booking dialog, and starts cancelling a visit."""
    app = app_for(settings, hostile, MAL_EMAIL)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        check = Screens(pilot)
        await settle(pilot)
        assert isinstance(app.screen, PatientHomeScreen)
        check(MAL_SHOWN, DOC_B_SHOWN, DOC_A, f"cough{FFFD}31")
        await check.tall(MAL_REASON_SHOWN, MAL_REASON_CORE)
        await check.help(MAL_SHOWN)

        await check.press("c")  # the cursor is on Wednesday's visit: still in time to cancel
        assert isinstance(app.screen, ConfirmDialog)
        check(f"Cancel your visit with Dr {DOC_B_SHOWN}")
        await check.press("n")
        assert isinstance(app.screen, PatientHomeScreen)

        await search_and_open_profiles(check, doctor_a=True)
        check.done()


async def test_kiosk_screens(settings: Settings, hostile: Hostile) -> None:
    """Eve (markup in her name) at the kiosk: her visits, the search, Dr B's profile and the
    booking dialog."""
    app = make_app(settings=settings, db=hostile.db, store=None, kiosk=True)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        check = Screens(pilot)
        await fill(pilot, "#email", EVE_EMAIL)
        await fill(pilot, "#password", PASSWORD)
        await check.press("enter")
        assert isinstance(app.screen, PatientHomeScreen)
        check(EVE, DOC_B_SHOWN, DOC_A, EVE_REASON)
        await check.help(EVE)
        await search_and_open_profiles(check, doctor_a=False)
        check.done()


# --- the front desk ------------------------------------------------------------------------------


async def test_desk_screens(settings: Settings, hostile: Hostile) -> None:
    """Rita finds Eve, works Dr B's Wednesday (Mallory's visit, the doctor picker, cancel and
    move dialogs) and starts booking Eve on Friday."""
    app = app_for(settings, hostile, DESK)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        check = Screens(pilot)
        await settle(pilot)
        assert isinstance(app.screen, StaffHomeScreen)
        check(DESK_NAME)  # nobody arrives today (Eve's own visits are checked below)
        await check.help(DESK_NAME)

        await check.press("p")
        assert isinstance(app.screen, PatientLookupScreen)
        check(EVE, MAL_SHOWN, f"+49{FFFD}31m 555")
        await fill(pilot, "#patient-query", "eve@")
        await settle(pilot)
        check(EVE)
        await check.press("enter", "enter")  # to the list, and choose Eve: her visits
        assert isinstance(app.screen, PatientAppointmentsScreen)
        check(f"{EVE} · appointments", f"Dr {DOC_B_SHOWN}")
        await check.press("b")  # book new: the day view, booking for her
        assert isinstance(app.screen, DayViewScreen)
        check(f"Booking for: {EVE} <{EVE_EMAIL}>", f"Dr {DOC_B_SHOWN} has no slots")
        await check.press("right_square_bracket")  # Wednesday
        check(EVE, EVE_REASON, MAL_SHOWN, f"cough{FFFD}31m", f"Dr {DOC_B_SHOWN}",
              f"{B_CLINIC_CORE}{FFFD}31m")
        await check.tall(MAL_REASON_SHOWN)
        await check.options("#day-doctor", f"Dr {DOC_B_SHOWN}", f"Dr {DOC_A}")
        table = app.screen.query_one("#day-slots", DataTable)
        table.focus()
        await check.press("down", "enter")  # Mallory's visit: who, phone and reason
        check(MAL_SHOWN, f"+49{FFFD}31m 555", f"reason: cough{FFFD}31m{FFFD}evil",
              said=(f"{MAL_SHOWN} {FFFD}]52;c;", MAL_REASON_SHOWN))
        await check.press("c")
        assert isinstance(app.screen, TextPrompt)
        check(f"Cancel {MAL_SHOWN}")
        await check.press("escape")
        await check.press("r")
        check(f"Moving {MAL_SHOWN}")
        await check.press("escape")
        check("Not moved.")

        await check.press("right_square_bracket", "right_square_bracket")  # Friday
        check(MAL_SHOWN, "[@click=app.qu")
        table.focus()
        await check.press("down", "b")  # an open slot, for Eve
        assert isinstance(app.screen, BookSlotDialog)
        check(f"Dr {DOC_B_SHOWN}", f"{EVE} <{EVE_EMAIL}>", f"{B_CLINIC_CORE}{FFFD}31m")
        await check.press("escape")
        assert isinstance(app.screen, DayViewScreen)
        check.done()


# --- doctors -------------------------------------------------------------------------------------


async def test_doctor_screens(settings: Settings, hostile: Hostile) -> None:
    """Dr B (escapes in the name, the clinic, the bio) reads the dashboard, Eve's visit with
    its notes, Mallory's cancelled one, the profile form and the schedule's exceptions."""
    app = app_for(settings, hostile, B_EMAIL)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        check = Screens(pilot)
        await settle(pilot)
        assert isinstance(app.screen, DoctorHomeScreen)
        check(DOC_B_SHOWN, EVE, MAL_SHOWN, EVE_REASON, "[@click=")
        await check.tall(MAL_REASON_SHOWN, MAL_REASON_CORE)
        await check.help(DOC_B_SHOWN)

        await check.press("enter")  # Eve, Wednesday 10:00: a day off now
        assert isinstance(app.screen, AppointmentDetailScreen)
        check(EVE, EVE_REASON, EXC_MARKUP, "[red]red", "second [/] line")
        await check.tall(f"BP{FFFD}[31m high{FFFD}[0m", f"line two{FFFD}")
        await check.press("escape")

        await check.press("down", "x")  # cancelling Mallory's visit asks for a reason
        assert isinstance(app.screen, TextPrompt)
        check(MAL_SHOWN)
        await check.press("escape")
        await check.press("enter")
        assert isinstance(app.screen, AppointmentDetailScreen)
        check(MAL_SHOWN, f"+49{FFFD}31m 555", MAL_REASON_SHOWN)
        await check.press("escape")
        await check.press("down", "enter")  # Eve's cancelled visit
        check(EVE, EVE_CANCEL)
        await check.press("escape")
        await check.press("down", "enter")  # Mallory's cancelled visit
        check(MAL_SHOWN, f"ill{FFFD}[2J")
        await check.press("escape")

        await check.press("p")
        assert isinstance(app.screen, ProfileFormScreen)
        check(f"{B_CLINIC_CORE}{FFFD}31m", f"{B_ADDRESS_CORE}{FFFD}]0;pwned title{FFFD}",
              f"Spring{FFFD}[2Jfield", SPEC_A, SPEC_B_SHOWN)
        await check.tall(B_BIO_CORE, f"second{FFFD}[2J line{FFFD}")
        await check.press("escape")

        await check.press("w")
        assert isinstance(app.screen, ScheduleEditorScreen)
        check(EXC_MARKUP, f"trip{FFFD}[2J{FFFD}")
        check.done()


# --- admins --------------------------------------------------------------------------------------


async def test_admin_screens(settings: Settings, hostile: Hostile) -> None:
    """Ada goes through the console: specialties (rename and remove dialogs), doctors joining
    (reject dialog), doctors (suspend dialog), the outbox and its details, the audit log and
    an entry's data, the metrics."""
    app = app_for(settings, hostile, ADMIN)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        check = Screens(pilot)
        await settle(pilot)
        assert isinstance(app.screen, AdminHomeScreen)
        # Today's arrivals (none today here: the visits' names are checked on the desk's
        # patient screen and the day view).
        check(ADMIN_NAME)
        await check.help(ADMIN_NAME)

        await check.press("c")
        assert isinstance(app.screen, SpecialtiesScreen)
        check(SPEC_A, SPEC_B_SHOWN)
        await check.press("r")  # rename Derm…: its name in the title and the field
        assert isinstance(app.screen, TextPrompt)
        check(f"Rename {SPEC_B_SHOWN}")
        await check.press("escape")
        await check.press("x")
        assert isinstance(app.screen, ConfirmDialog)
        check("Remove the specialty 'Derm\\x1b[2J [/]'?")
        await check.press("n", "escape")

        await check.press("j")
        assert isinstance(app.screen, DoctorsJoiningScreen)
        check(REQ_NAME, REQ_MESSAGE, f"Req{FFFD}[2Juest", f"msg{FFFD}31m{FFFD}", SPEC_A,
              SPEC_B_SHOWN)
        app.screen.query_one("#requests-table", DataTable).focus()
        await check.press("x")
        assert isinstance(app.screen, ConfirmDialog)
        check(f"Reject the request from {REQ_NAME}")
        await check.press("n", "escape")

        await check.press("d")
        assert isinstance(app.screen, DoctorsAdminScreen)
        check(DOC_A, DOC_B_SHOWN, A_CITY, f"Spring{FFFD}[2Jfie…")
        await check.press("s")  # Dr B comes first
        assert isinstance(app.screen, ConfirmDialog)
        check(f"Suspend {DOC_B_SHOWN} ({B_EMAIL})?")
        await check.press("n", "escape")

        await check.press("o")
        assert isinstance(app.screen, OutboxScreen)
        app.screen.query_one("#outbox-status", Select).value = "failed"
        await settle(pilot)
        check()
        # At 80 columns the error is cut in the table (whole in the detail line and below).
        await check.tall(f"Subj{FFFD}[2Ject{FFFD}", "Appointment confirmed: Bea …",
                         OUTBOX_ERROR_MARKUP, f"SMTP{FFFD}[2J 550")
        await check.press("enter")  # the newest failed e-mail, to Mallory: all of it
        assert isinstance(app.screen, DetailDialog)
        check(MAL_SHOWN, f"Subj{FFFD}[2Ject{FFFD}", f"SMTP{FFFD}[2J 550 {FFFD}]52;c;")
        await check.press("escape")
        table = app.screen.query_one("#outbox-table", DataTable)
        table.move_cursor(row=table.row_count - 1)  # the oldest, to Eve
        await check.press("enter")
        assert isinstance(app.screen, DetailDialog)
        check(f"{EVE} <{EVE_EMAIL}>", OUTBOX_ERROR_MARKUP, "Appointment confirmed: Bea [/]")
        await check.press("escape")
        app.screen.query_one("#outbox-status", Select).value = "all"
        await settle(pilot)
        check()
        await check.options("#outbox-status")
        await check.press("escape")

        await check.press("a")
        assert isinstance(app.screen, AuditLogScreen)
        check()
        await fill(pilot, "#audit-entity", "[/] x")  # refused under the filters, quoted
        await check.press("enter")
        check("not '[/] x'.")
        await fill(pilot, "#audit-entity", f"appointment:{hostile.mal_visit}")
        await check.press("enter")
        await check.tall(f"reason=[/] x{FFFD}[2J{FFFD}")
        await check.press("enter")  # the newest entry: the note with the hostile reason
        assert isinstance(app.screen, DetailDialog)
        check('"reason": "[/] x\\u001b[2J' + FFFD)
        await check.press("escape", "escape")

        await check.press("m")
        assert isinstance(app.screen, MetricsScreen)
        check()
        await check.press("escape")
        check.done()


# --- refusals quoting what was typed -------------------------------------------------------------


async def test_refusals_quote_hostile_text_literally(settings: Settings, hostile: Hostile) -> None:
    """What core refuses comes back in a notification that quotes it: "[/]" stays "[/]" (read
    as markup it would crash the toast), a control character is named by its repr()."""
    app = app_for(settings, hostile, DESK)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        check = Screens(pilot)
        await settle(pilot)
        await check.press("p")
        assert isinstance(app.screen, PatientLookupScreen)

        # A new patient whose e-mail is markup: refused, quoting it.
        await check.press("ctrl+n")
        assert isinstance(app.screen, NewPatientDialog)
        await fill(pilot, "#patient-name", EVE_REASON)
        await fill(pilot, "#patient-email", "[/]")
        await fill(pilot, "#patient-phone", "[red]red")
        await fill(pilot, "#patient-born", "[b]1980")
        await check.press("enter")
        # Refused in the dialog, quoted literally; what was typed stays, drawn as typed.
        assert isinstance(app.screen, NewPatientDialog)
        check("Not a date of birth: '[b]1980'", EVE_REASON, "[/]", "[red]red")
        await fill(pilot, "#patient-born", "")
        await check.press("enter")
        assert isinstance(app.screen, NewPatientDialog)
        check("Not a valid e-mail address: '[/]'", EVE_REASON, "[/]", "[red]red")

        # A name with an escape in it: the field never holds (or draws) the escape.
        await fill(pilot, "#patient-name", f"Eve{ESC}[2J{OSC52}")
        assert app.screen.query_one("#patient-name", Input).value == "Eve[2J]52;c;cm0gLXJmIH4="
        check("Eve[2J]52;c;cm0gLXJmIH4=")
        await check.press("escape")
        assert isinstance(app.screen, PatientLookupScreen)

        # The lookup's own query: core refuses the escape; "[/]" just finds nobody.
        await fill(pilot, "#patient-query", f"x{ESC}[2J")
        await settle(pilot)
        await fill(pilot, "#patient-query", "")  # what was typed leaves the screen
        await settle(pilot)
        check("search text must not contain", "(found '\\x1b')",
              said=("The search text must not contain control characters",))
        await fill(pilot, "#patient-query", "[/]")
        await settle(pilot)
        check("[/]", "No patient matches.")
        await check.press("escape")

        # The day view's date prompt quotes what it could not read.
        await check.press("v")
        assert isinstance(app.screen, DayViewScreen)
        await check.press("g")
        assert isinstance(app.screen, TextPrompt)
        await fill(pilot, "#prompt-value", "[/][/]")
        await check.press("enter")
        assert isinstance(app.screen, DayViewScreen)
        check("Not a date: '[/][/]'", said=("Not a date: '[/][/]'; write today, tomorrow,",))
        await check.press("escape")

        # The search: a city with an escape is refused, a city of markup finds nobody.
        await check.press("s")
        assert isinstance(app.screen, SearchScreen)
        await fill(pilot, "#city", f"x{ESC}[2J{OSC52}")
        await check.press("enter")
        await fill(pilot, "#city", "")
        check("City must not contain control", said=("City must not contain control",))
        await fill(pilot, "#city", "[/]")
        await check.press("enter")
        check("[/]", "No doctor matches these filters.")
        check.done()


async def test_a_pasted_control_character_is_never_drawn(
    settings: Settings, hostile: Hostile
) -> None:
    """A terminal paste (bracketed) may carry escapes from wherever it was copied; the field
    that takes it must not write them back to the terminal."""
    app = app_for(settings, hostile, DESK)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        check = Screens(pilot)
        await settle(pilot)
        await check.press("p")
        field = app.screen.query_one("#patient-query", Input)
        field.focus()
        await pilot.pause()
        # As the terminal driver delivers it: to the app, which hands it to the focused field.
        pasted = events.Paste(f"Mal{ESC}[2Jlory\u202e")
        pasted.set_sender(app)
        assert app._driver is not None
        app._driver.send_message(pasted)
        await settle(pilot)
        assert field.value == "Mal[2Jlory"  # the escapes went, what was readable stayed
        check()
        check.done()
