"""The desk's day view: one doctor's slots on one day, open and booked, and what the desk does
with them: book for the selected patient, check in, cancel with a reason, reschedule.

Rescheduling is two steps on this screen: r on a booked visit marks it, then Enter (or b) on an
open slot, of any day or doctor, moves it there; Escape stops.

Finding a slot: n jumps to the doctor's next free slot (any day; n again: the one after it),
e lists the earliest slot of each doctor of a specialty, g takes "tomorrow", "fri", "+3" or a
date. The screen opens on the doctor and day the user looked at last (see `tui/memory.py`),
with the cursor on the day's first free slot. From the desk's home it can also open asking for
the doctor (the picker open: type to jump, Enter), then on that doctor's next free slot; or on
the earliest list of a specialty.

Booking: Enter on an open slot, with no patient chosen yet, asks for the patient in the booking
dialog itself (type the name, Enter books); b finds the patient first (or adds one).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial
from typing import TYPE_CHECKING, ClassVar, cast
from zoneinfo import ZoneInfo

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Select

from doctorbook.core.accounts.auth import UserView
from doctorbook.core.base import live
from doctorbook.core.base.dates import parse_day
from doctorbook.core.base.errors import ValidationError
from doctorbook.core.base.live import Changes
from doctorbook.core.booking import booking, lifecycle, search
from doctorbook.core.booking.appointments import AppointmentView
from doctorbook.core.booking.earliest import EarliestSlot
from doctorbook.core.booking.search import SearchResult
from doctorbook.core.scheduling import dayview
from doctorbook.core.scheduling.availability import HORIZON
from doctorbook.core.scheduling.dayview import DaySlot
from doctorbook.tui.calls import CallFailed, CoreCalls
from doctorbook.tui.dialogs.book_for_patient import BookForPatientDialog
from doctorbook.tui.dialogs.book_slot import BookSlotDialog
from doctorbook.tui.dialogs.confirm import ConfirmDialog
from doctorbook.tui.dialogs.text_prompt import TextPrompt
from doctorbook.tui.memory import DayMemory, recall, remember
from doctorbook.tui.messages import AppointmentChanged
from doctorbook.tui.screens.earliest import EarliestScreen
from doctorbook.tui.screens.patient_lookup import PatientLookupScreen
from doctorbook.tui.text import addressed, literal
from doctorbook.tui.widgets.appointments import doctor_title, status_label
from doctorbook.tui.widgets.plain import Static
from doctorbook.tui.widgets.tables import key_at_cursor, show_rows, show_rows_keeping_cursor

if TYPE_CHECKING:
    from doctorbook.tui.app import DoctorbookApp

#: The calls that change a visit (their refusal makes the day be read again).
CHANGE = "change"
COLUMNS = ("Time", "Patient", "Status", "Reason")
LOADING = "Loading…"
NO_DOCTORS = "No doctor takes bookings yet."
NO_PATIENT = "No patient selected: press p to find or add one."
#: Statuses of a visit the desk may still move to another slot (core's rule).
MOVABLE = ("pending", "confirmed")
ACTIVE = ("pending", "confirmed", "checked_in")
#: What `g` takes (its prompt says so).
DATE_FORMS = "today, tomorrow, mon…sun, +3, 2026-12-24"
#: Keys that act on the highlighted slot; offered only where they apply.
SLOT_ACTIONS = frozenset({"book", "check_in", "confirm_visit", "cancel_visit", "reschedule"})


def slot_time(slot: DaySlot) -> str:
    return f"{slot.starts_at:%H:%M}-{slot.ends_at:%H:%M}"


def slot_status(slot: DaySlot) -> str:
    """'Confirmed', 'Open', 'Open · short notice', 'Past', 'Blocked'."""
    if slot.booked:
        return status_label(slot.appointment_status or slot.status)
    if slot.status == "blocked":
        return "Blocked"
    if slot.past:
        return "Past"
    return "Open · short notice" if slot.short_notice else "Open"


def slot_row(slot: DaySlot, moving: DaySlot | None) -> tuple[str, tuple[str, ...]]:
    status = slot_status(slot)
    if moving is not None and slot.slot_id == moving.slot_id:
        status = f"{status} · moving"
    return str(slot.slot_id), (
        slot_time(slot), slot.patient_name or "—", status, slot.reason or "",
    )


def visit(slot: DaySlot) -> str:
    """"Alice Patient's visit on Wed 25 Nov 10:00"."""
    return f"{slot.patient_name}'s visit on {slot.starts_at:%a %d %b %H:%M}"


def day_text(day: date, today: date | None, doctor: SearchResult) -> str:
    """Three lines beside the doctor picker: the day, where and in which time, the keys (47
    columns at most: what is left of 80 beside the picker)."""
    when = f"{day:%a %d %b %Y}"
    if day == today:
        when += " (today)"
    return (f"{when}\n{doctor.clinic} · {doctor.timezone} time\n"
            "[ ] day  t today  g date  n next  e earliest")


def doctor_label(doctor: SearchResult) -> str:
    """The picker's line: "Dr Henry Heart — Cardiology, Berlin" (typing jumps to a match)."""
    return f"{doctor_title(doctor.name)} — {' / '.join(doctor.specialties)}, {doctor.city}"


def first_free(slots: tuple[DaySlot, ...]) -> str | None:
    """The key of the day's first slot the desk can book, else of its first slot."""
    chosen = next((s for s in slots if s.bookable), slots[0] if slots else None)
    return None if chosen is None else str(chosen.slot_id)


class DayViewScreen(Screen[None], CoreCalls):
    """Lists the visible doctors to pick from, then the picked doctor's day in a worker; every
    change is made by core in a worker and the day is read again after it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left_square_bracket", "previous_day", "Day before", show=False,
                id="previous-day"),
        Binding("right_square_bracket", "next_day", "Day after", show=False, id="next-day"),
        Binding("t", "today", "Today", show=False, id="today"),
        Binding("g", "go_to_date", "Go to date", show=False, id="go-to-date"),
        Binding("n", "next_free", "Next free slot", show=False, id="next-free"),
        Binding("e", "earliest", "Earliest for a specialty", show=False, id="earliest"),
        Binding("p", "find_patient", "Patient", id="find-patient"),
        Binding("b", "book", "Book", id="book-slot"),
        Binding("i", "check_in", "Check in", id="check-in"),
        Binding("o", "confirm_visit", "Confirm", id="confirm-visit"),
        Binding("c", "cancel_visit", "Cancel", id="cancel-visit"),
        Binding("r", "reschedule", "Move", id="reschedule"),
        Binding("escape", "back", "Back", id="back"),
    ]

    def __init__(
        self,
        *,
        patient: UserView | None = None,
        doctor_id: int | None = None,
        day: date | None = None,
        move: int | None = None,
        choose_doctor: bool = False,
        earliest: bool = False,
    ) -> None:
        """`doctor_id` and `day`: open on them (else on those looked at last). `move`: an
        appointment of that day to move, marked as if r had been pressed on it (the desk's
        home and a patient's appointments move a visit this way). `choose_doctor`: open with
        the doctor picker open; the doctor chosen is shown on their next free slot.
        `earliest`: open with the earliest list of a specialty (as e does), the specialty
        picker open."""
        super().__init__()
        #: The picker is open for the doctor whose next free slot to show (until closed).
        self._choosing_doctor = choose_doctor
        self._open_earliest = earliest
        #: Whom `b` books for.
        self.patient = patient
        self.doctor_id = doctor_id
        self.doctors: tuple[SearchResult, ...] | None = None
        self.day: date | None = day
        #: The appointment to mark as moving once its day is read (see `move`).
        self._move_id = move
        self.slots: tuple[DaySlot, ...] | None = None
        #: The booked visit being rescheduled (r), until it is moved or Escape.
        self.moving: DaySlot | None = None
        #: The slots table gets the focus when it first shows rows (the keys work there).
        self._shown_rows = False
        #: The slot the cursor goes to when the day is shown next (where a visit went).
        self._follow: str | None = None
        #: The doctor and day whose cursor was placed (on the first free slot): a reload of
        #: the same day keeps the cursor where the user moved it.
        self._placed: tuple[int, date] | None = None
        #: The slot `n` went to last: n on it again looks for the one after it.
        self._jumped_to: str | None = None
        #: The doctor and day this user looked at last (restored when the doctors are listed).
        self._recalled: DayMemory | None = None
        #: What was written to the memory file last (written again only when it changes).
        self._remembered: DayMemory | None = None

    @property
    def doctorbook(self) -> DoctorbookApp:
        return cast("DoctorbookApp", self.app)

    def compose(self) -> ComposeResult:
        yield Header(icon="+")
        with Vertical(classes="home-body"):
            with Horizontal(id="day-controls"):
                yield Select[int]([], prompt="Doctor", id="day-doctor", allow_blank=True)
                yield Static("", id="day-date")
            yield Static(self._patient_text(), id="day-patient")
            yield Static("", id="day-moving")
            yield Static(LOADING, id="day-empty", classes="empty-state")
            yield DataTable(id="day-slots", cursor_type="row", zebra_stripes=True)
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = "Day view"
        table: DataTable[str] = self.query_one("#day-slots", DataTable)
        show_rows(table, COLUMNS, [])
        table.display = False
        self.query_one("#day-moving").display = False
        user_id = self._user_id()
        if user_id is not None:
            self._recalled = recall(self.doctorbook.settings.config_dir, user_id)
            if self.doctor_id is None and self._recalled is not None:
                self.doctor_id = self._recalled.doctor_id
        self._list_doctors()
        if self._open_earliest:
            self._open_earliest = False
            self._earliest(specialty=None, choose=True)

    def _user_id(self) -> int | None:
        """Whose day view this is, for what it remembers (the kiosk remembers nothing)."""
        user = self.doctorbook.user
        return None if user is None or self.doctorbook.kiosk else user.id

    # --- what is shown ---------------------------------------------------------------------

    @property
    def doctor(self) -> SearchResult | None:
        return next((d for d in self.doctors or () if d.doctor_id == self.doctor_id), None)

    def _today(self) -> date | None:
        doctor = self.doctor
        if doctor is None:
            return None
        return self.doctorbook.now().astimezone(ZoneInfo(doctor.timezone)).date()

    def _patient_text(self) -> str:
        if self.patient is None:
            return NO_PATIENT
        phone = f" · {self.patient.phone}" if self.patient.phone else ""
        return (f"Booking for: {addressed(self.patient.name, self.patient.email)}{phone}"
                " (p: another patient)")

    def _show(self) -> None:
        """Redraw from the state: doctor, day, slots, patient, and a visit being moved."""
        doctor = self.doctor
        self.query_one("#day-patient", Static).update(self._patient_text())
        moving = self.query_one("#day-moving", Static)
        moving.display = self.moving is not None
        if self.moving is not None:
            moving.update(
                f"Moving {visit(self.moving)}: pick an open slot (any day or doctor), "
                "Enter moves it there; Escape stops."
            )
        date_line = self.query_one("#day-date", Static)
        date_line.update(
            day_text(self.day, self._today(), doctor)
            if doctor is not None and self.day is not None else ""
        )
        table: DataTable[str] = self.query_one("#day-slots", DataTable)
        empty = self.query_one("#day-empty", Static)
        if self.doctors is not None and not self.doctors:
            empty.update(NO_DOCTORS)
        elif self.slots is None or doctor is None or self.day is None:
            empty.update(LOADING)
        else:
            empty.update(f"{doctor_title(doctor.name)} has no slots on {self.day:%a %d %b %Y}.")
        had_focus = table.has_focus
        rows = [slot_row(s, self.moving) for s in self.slots or ()]
        # A day shown for the first time: the cursor on its first free slot (or where n or
        # the earliest list were going), the focus on the table. A reload of the same day (a
        # visit booked, moved) keeps the cursor where the user left it.
        shown = (self.doctor_id, self.day) if self.slots is not None else None
        placing = shown is not None and shown != self._placed
        if placing:
            self._placed = cast("tuple[int, date]", shown)
            if self._follow is None:
                self._follow = first_free(self.slots or ())
        # The cursor follows the slot just booked or moved to, once it is shown.
        follow = self._follow
        show_rows_keeping_cursor(table, COLUMNS, rows, follow=follow)
        if follow is not None and any(k == follow for k, _ in rows):
            self._follow = None
        empty.display = not rows
        table.display = bool(rows)
        first_rows = rows and not self._shown_rows
        self._shown_rows = self._shown_rows or bool(rows)
        # While the picker is open for a doctor, the table waits: taking the focus would
        # close the picker.
        if rows and not self._choosing_doctor and (
                had_focus or first_rows or placing or (self.is_current and (
                    self.focused is None or not self.focused.display))):
            table.focus()
        self.refresh_bindings()

    @property
    def highlighted(self) -> DaySlot | None:
        table: DataTable[str] = self.query_one("#day-slots", DataTable)
        if not self.slots or not table.display:
            return None
        key = key_at_cursor(table)
        return next((s for s in self.slots if str(s.slot_id) == key), None)

    # --- calls to core ----------------------------------------------------------------------

    class DoctorsListed(Message):
        """The doctors the day view can show (every publicly visible one)."""

        def __init__(self, doctors: list[SearchResult]) -> None:
            super().__init__()
            self.doctors = tuple(sorted(doctors, key=lambda d: d.name.casefold()))

    class DayLoaded(Message):
        """One doctor's slots of one local day."""

        def __init__(self, doctor_id: int, day: date, slots: list[DaySlot]) -> None:
            super().__init__()
            self.doctor_id = doctor_id
            self.day = day
            self.slots = tuple(slots)

    class NextFound(Message):
        """The doctor's next free slot (None: none before the horizon)."""

        def __init__(self, doctor_id: int, slot: DaySlot | None) -> None:
            super().__init__()
            self.doctor_id = doctor_id
            self.slot = slot

    def _list_doctors(self) -> None:
        self.call(self.DoctorsListed, search.search, as_="open", slots=0, limit=500)

    def refresh_data(self, changes: Changes) -> None:
        """The doctor's visits or slots changed (here, at another desk, by the CLI...)."""
        if self.doctor_id is not None and (changes.touches(live.DOCTORS, self.doctor_id)
                                           or changes.touches(live.SLOTS, self.doctor_id)):
            self._reload()

    def _reload(self) -> None:
        """Read the day again; a read still on its way is dropped (the call is exclusive)."""
        if self.doctor_id is None or self.day is None:
            return
        doctor_id, day = self.doctor_id, self.day
        self.call(partial(self.DayLoaded, doctor_id, day), dayview.day_slots,
                  doctor_id=doctor_id, day=day)

    def _book(
        self, slot: DaySlot, patient: UserView, reason: str | None, override: bool
    ) -> None:
        def booked(view: AppointmentView) -> AppointmentChanged:
            return AppointmentChanged(view, (
                f"Booked: {view.patient_name} with {doctor_title(view.doctor_name)}, "
                f"{view.local_start:%a %d %b %H:%M} ({view.timezone}) — {view.status}"))

        self.call(booked, booking.book, group=CHANGE, exclusive=False, slot_id=slot.slot_id,
                  patient_id=patient.id, reason=reason, override_policy=override)

    def _change_status(self, slot: DaySlot, action: str, done: str) -> None:
        assert slot.appointment_id is not None
        self.call(lambda view: AppointmentChanged(view, f"{done}: {visit(slot)}."),
                  lifecycle.change_status, group=CHANGE, exclusive=False,
                  appointment_id=slot.appointment_id, action=action)

    def _cancel(self, slot: DaySlot, reason: str) -> None:
        assert slot.appointment_id is not None
        note = f"Cancelled {visit(slot)}; the patient gets an e-mail."
        self.call(lambda view: AppointmentChanged(view, note), lifecycle.cancel, group=CHANGE,
                  exclusive=False, appointment_id=slot.appointment_id, reason=reason)

    def _reschedule(self, moving: DaySlot, target: DaySlot) -> None:
        assert moving.appointment_id is not None

        def moved(view: AppointmentView) -> AppointmentChanged:
            return AppointmentChanged(view, (
                f"Moved {visit(moving)} to {doctor_title(view.doctor_name)}, "
                f"{view.local_start:%a %d %b %H:%M} ({view.timezone})."))

        self.call(moved, booking.reschedule, group=CHANGE, exclusive=False,
                  appointment_id=moving.appointment_id, new_slot_id=target.slot_id,
                  override_policy=target.short_notice)

    @on(CallFailed)
    def _change_refused(self, message: CallFailed) -> None:
        """After a refused change the day is read again: someone else may have changed it.
        (The app, next, says why.)"""
        if message.group == CHANGE and message.refusal is not None:
            self._reload()

    # --- results ---------------------------------------------------------------------------

    def on_day_view_screen_doctors_listed(self, message: DoctorsListed) -> None:
        self.doctors = message.doctors
        ids = [d.doctor_id for d in message.doctors]
        if self.doctor_id not in ids:
            self.doctor_id = ids[0] if ids else None
        select: Select[int] = self.query_one("#day-doctor", Select)
        with select.prevent(Select.Changed):
            select.set_options((literal(doctor_label(d)), d.doctor_id) for d in message.doctors)
            if self.doctor_id is not None:
                select.value = self.doctor_id
        if self._choosing_doctor and message.doctors:
            # "Which doctor?" asked at once: typing jumps to a match, Enter takes it.
            select.focus()
            self.watch(select, "expanded", self._picker_closed, init=False)
            select.action_show_overlay()
        elif self._choosing_doctor:
            self._choosing_doctor = False
        if self.day is None:
            self.day = self._today()
            # The day looked at last, with the same doctor, unless it is over.
            recalled = self._recalled
            if (recalled is not None and self.day is not None
                    and recalled.doctor_id == self.doctor_id and recalled.day > self.day):
                self.day = recalled.day
        self._show()
        self._reload()

    def on_day_view_screen_day_loaded(self, message: DayLoaded) -> None:
        if (message.doctor_id, message.day) != (self.doctor_id, self.day):
            return  # the desk has moved on to another day (or doctor) meanwhile
        self.slots = message.slots
        if self._move_id is not None:
            move_id, self._move_id = self._move_id, None
            self.moving = next((s for s in message.slots if s.appointment_id == move_id
                                and s.appointment_status in MOVABLE), None)
        self._show()
        self._remember(DayMemory(message.doctor_id, message.day))

    def _remember(self, memory: DayMemory) -> None:
        user_id = self._user_id()
        if user_id is not None and memory != self._remembered:
            self._remembered = memory
            remember(self.doctorbook.settings.config_dir, user_id, memory)

    def on_day_view_screen_next_found(self, message: NextFound) -> None:
        if message.doctor_id != self.doctor_id:
            return  # another doctor was picked meanwhile
        slot = message.slot
        if slot is None:
            doctor = self.doctor
            who = doctor_title(doctor.name) if doctor is not None else "This doctor"
            after = " after that one" if self._jumped_to is not None else ""
            self.notify(f"{who} has no free slot{after} in the next {HORIZON.days} days.",
                        markup=False)
            return
        self._jumped_to = self._follow = str(slot.slot_id)
        if slot.starts_at.date() != self.day:
            self._go_to(slot.starts_at.date())
        else:
            self._reload()  # the cursor goes to it when the day is read again

    def on_appointment_changed(self, message: AppointmentChanged) -> None:
        """Done: the day is read again; the app (next) says so and refreshes the home lists."""
        if message.appointment.status != "cancelled" and message.appointment.slot_id:
            self._follow = str(message.appointment.slot_id)
        self._reload()

    # --- choosing the doctor, the day and the patient --------------------------------------

    def _picker_closed(self, expanded: bool) -> None:
        """The picker opened for the next free slot closed: the doctor chosen (or kept, by
        Enter on the one shown, or Escape) is shown on their next free slot."""
        if expanded or not self._choosing_doctor:
            return
        self._choosing_doctor = False
        value = self.query_one("#day-doctor", Select).value
        if isinstance(value, int) and value != self.doctor_id:
            self._show_doctor(value)
        else:
            self._placed = None  # the day shown next is placed, and the table focused
        self.action_next_free()

    @on(Select.Changed, "#day-doctor")
    def _doctor_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, int) and event.value != self.doctor_id:
            self._show_doctor(event.value)

    def _show_doctor(self, doctor_id: int, day: date | None = None) -> None:
        """Another doctor (on `day`, else the same day): the picker says so, the day is read."""
        self.doctor_id = doctor_id
        self._jumped_to = None
        self._placed = None
        if day is not None:
            self.day = day
        select: Select[int] = self.query_one("#day-doctor", Select)
        if select.value != doctor_id and any(d.doctor_id == doctor_id
                                             for d in self.doctors or ()):
            with select.prevent(Select.Changed):
                select.value = doctor_id
        self.slots = None
        self._show()
        self._reload()

    def _go_to(self, day: date | None) -> None:
        if day is None or day == self.day:
            return
        self.day = day
        self._placed = None  # a day gone to is placed again, even one seen before
        self.slots = None
        self._show()
        self._reload()

    def action_previous_day(self) -> None:
        if self.day is not None:
            self._go_to(self.day - timedelta(days=1))

    def action_next_day(self) -> None:
        if self.day is not None:
            self._go_to(self.day + timedelta(days=1))

    def action_today(self) -> None:
        self._go_to(self._today())

    def action_go_to_date(self) -> None:
        if self.day is None:
            return

        def entered(text: str | None) -> None:
            today = self._today()
            if not text or today is None:
                return
            try:
                day = parse_day(text, today)
            except ValidationError as error:
                why = str(error)
                self.notify(why[:1].upper() + why[1:] + ".", severity="error", markup=False)
                return
            self._go_to(day)

        self.app.push_screen(TextPrompt(title="Go to a date", label=f"Date: {DATE_FORMS}",
                                        value=self.day.isoformat(), submit="Go"), entered)

    def action_next_free(self) -> None:
        """The doctor's next free slot from now; on the slot n went to, the one after it."""
        if self.doctor_id is None:
            return
        slot = self.highlighted
        after = (slot.starts_at if slot is not None and self._jumped_to is not None
                 and str(slot.slot_id) == self._jumped_to else None)
        if after is None:
            self._jumped_to = None
        self.call(partial(self.NextFound, self.doctor_id), dayview.next_open_slot,
                  doctor_id=self.doctor_id, after=after)

    def action_earliest(self) -> None:
        doctor = self.doctor
        specialty = doctor.specialties[0] if doctor is not None and doctor.specialties else None
        self._earliest(specialty=specialty, choose=False)

    def _earliest(self, *, specialty: str | None, choose: bool) -> None:
        def chosen(slot: EarliestSlot | None) -> None:
            if slot is not None:
                self._follow = str(slot.slot_id)
                self._show_doctor(slot.doctor_id, slot.starts_at.date())

        self.app.push_screen(EarliestScreen(specialty=specialty, choose=choose), chosen)

    def action_find_patient(self) -> None:
        def chosen(patient: UserView | None) -> None:
            if patient is not None:
                self.patient = patient
                self._show()

        self.app.push_screen(PatientLookupScreen(), chosen)

    # --- acting on the highlighted slot ----------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action not in SLOT_ACTIONS:
            return True
        slot = self.highlighted
        if slot is None:
            return False
        status = slot.appointment_status
        if action == "book":
            return slot.bookable
        if self.moving is not None or not slot.booked:
            return False
        if action == "check_in":
            return status == "confirmed"
        if action == "confirm_visit":
            return status == "pending"
        if action == "cancel_visit":
            return status in ACTIVE
        return status in MOVABLE  # reschedule

    @on(DataTable.RowHighlighted, "#day-slots")
    def _highlight_moved(self) -> None:
        self.refresh_bindings()

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#day-slots")
    def _slot_selected(self) -> None:
        """Enter: book an open slot (or move the marked visit to it); on a booked one, say
        whose it is."""
        slot = self.highlighted
        if slot is None:
            return
        if slot.bookable and self.patient is None and self.moving is None:
            self._ask_patient_and_book(slot)
        elif slot.bookable:
            self.action_book()
        elif slot.booked:
            phone = f", phone {slot.patient_phone}" if slot.patient_phone else ""
            reason = f", reason: {slot.reason}" if slot.reason else ""
            self.notify(f"{visit(slot)}: {slot_status(slot).lower()}{phone}{reason}.",
                        markup=False)

    def action_book(self) -> None:
        slot = self.highlighted
        if slot is None or not slot.bookable:
            return
        if self.moving is not None:
            self._ask_to_move(self.moving, slot)
        elif self.patient is None:
            def chosen(patient: UserView | None) -> None:
                if patient is not None:
                    self.patient = patient
                    self._show()
                    self._ask_to_book(slot, patient)

            self.app.push_screen(PatientLookupScreen(), chosen)
        else:
            self._ask_to_book(slot, self.patient)

    def _ask_to_book(self, slot: DaySlot, patient: UserView) -> None:
        doctor = self.doctor
        if doctor is None:
            return
        note = self._short_notice_note(slot)

        def answered(reason: str | None) -> None:
            if reason is not None:
                self._book(slot, patient, reason or None, slot.short_notice)

        self.app.push_screen(
            BookSlotDialog(
                doctor=doctor_title(doctor.name), clinic=f"{doctor.clinic}, {doctor.city}",
                when=f"{slot.starts_at:%a %d %b %Y at %H:%M} ({slot.timezone} time)",
                patient=addressed(patient.name, patient.email), note=note,
                title="Book for a patient",
            ),
            answered,
        )

    def _short_notice_note(self, slot: DaySlot) -> str | None:
        if not slot.short_notice:
            return None
        return ("Short notice: this is inside the doctor's lead time. Booking it anyway "
                "overrides the policy (recorded in the audit log).")

    def _ask_patient_and_book(self, slot: DaySlot) -> None:
        """Nobody chosen yet: the booking dialog asks for the patient too."""
        doctor = self.doctor
        if doctor is None:
            return

        def answered(answer: tuple[UserView, str] | None) -> None:
            if answer is not None:
                patient, reason = answer
                self.patient = patient  # whom the next booking is for, too (p changes it)
                self._show()
                self._book(slot, patient, reason or None, slot.short_notice)

        self.app.push_screen(
            BookForPatientDialog(
                doctor=doctor_title(doctor.name), clinic=f"{doctor.clinic}, {doctor.city}",
                when=f"{slot.starts_at:%a %d %b %Y at %H:%M} ({slot.timezone} time)",
                note=self._short_notice_note(slot),
            ),
            answered,
        )

    def _ask_to_move(self, moving: DaySlot, target: DaySlot) -> None:
        doctor = self.doctor
        where = f" with {doctor_title(doctor.name)}" if doctor is not None else ""
        question = (f"Move {visit(moving)} to {target.starts_at:%a %d %b %H:%M}{where}? "
                    "The patient gets an e-mail.")

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.moving = None
                self._show()
                self._reschedule(moving, target)

        self.app.push_screen(ConfirmDialog(question, confirm="Move", title="Reschedule"),
                             confirmed)

    def action_check_in(self) -> None:
        slot = self.highlighted
        if slot is not None and slot.booked:
            self._change_status(slot, "check_in", "Checked in")

    def action_confirm_visit(self) -> None:
        slot = self.highlighted
        if slot is not None and slot.booked:
            self._change_status(slot, "confirm", "Confirmed")

    def action_cancel_visit(self) -> None:
        slot = self.highlighted
        if slot is None or not slot.booked:
            return

        def reason_given(reason: str | None) -> None:
            if reason:
                self._cancel(slot, reason)

        self.app.push_screen(
            TextPrompt(title=f"Cancel {visit(slot)}",
                       label="Reason (required; it goes into the patient's e-mail)",
                       submit="Cancel visit", back="Keep visit"),
            reason_given,
        )

    def action_reschedule(self) -> None:
        slot = self.highlighted
        if slot is None or not slot.booked:
            return
        self.moving = slot
        self._show()

    def action_back(self) -> None:
        if self.moving is not None:
            self.moving = None
            self._show()
            self.notify("Not moved.", markup=False)
            return
        self.dismiss()
