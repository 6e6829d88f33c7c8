"""The home of receptionists and admins: today's arrivals across all doctors, with check in,
cancel and move on the row; p finds a patient and opens their appointments, v the day view;
n asks which doctor and shows their next free slot, f the earliest slots of a specialty (the
phone's two questions, each a few keys: tests/tui/test_keystrokes.py).

(The doctor's dashboard builds on this screen too, with its own content and keys.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Footer, Header

from doctorbook.core.accounts.auth import UserView
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.rbac import Actor, Permission, Role
from doctorbook.core.booking import search
from doctorbook.core.booking.appointments import AppointmentView, list_appointments
from doctorbook.tui.screens.day_view import DayViewScreen
from doctorbook.tui.screens.home import HomeScreen
from doctorbook.tui.screens.patient_appointments import (
    DESK_ACTIONS,
    DeskVisitActions,
    PatientAppointmentsScreen,
)
from doctorbook.tui.screens.patient_lookup import PatientLookupScreen
from doctorbook.tui.screens.search import SearchScreen
from doctorbook.tui.widgets.appointments import doctor_title, status_label
from doctorbook.tui.widgets.plain import Label, Static
from doctorbook.tui.widgets.tables import key_at_cursor, show_rows_keeping_cursor

HEADINGS: dict[Role, tuple[str, str]] = {
    Role.DOCTOR: (
        "Doctor · my appointments",
        "No appointments booked with you yet.",
    ),
    Role.RECEPTIONIST: (
        "Front desk · today's arrivals",
        "No arrivals today. p finds a patient; v opens the day view.",
    ),
    Role.ADMIN: (
        "Administration · today's arrivals",
        "No arrivals today. p finds a patient; v opens the day view.",
    ),
}
ARRIVAL_COLUMNS = ("Time", "Patient", "Doctor", "Status")
LOADING = "Loading today's arrivals…"


@dataclass(frozen=True)
class Arrivals:
    """Today's visits across all doctors (cancelled ones left out), by time; and the clinics'
    timezones with today's date in each."""

    visits: tuple[AppointmentView, ...]
    days: tuple[tuple[str, date], ...]


def todays_arrivals(uow: UnitOfWork, *, actor: Actor) -> Arrivals:
    """Each visit on today's date in its own clinic's timezone (one unit of work)."""
    now = uow.now()
    zones = {doctor.timezone for doctor in search.search(uow, slots=0, limit=500)}
    # A clinic's local date is the UTC date, the day before or the day after: ask for the
    # three, keep what is today where the visit is.
    found: dict[int, AppointmentView] = {}
    for offset in (-1, 0, 1):
        on_date = (now + timedelta(days=offset)).date()
        found.update((a.id, a) for a in list_appointments(uow, actor=actor, on_date=on_date))
    visits = sorted(
        (a for a in found.values()
         if a.status != "cancelled" and a.local_start.date() == now.astimezone(a.zone).date()),
        key=lambda a: (a.starts_at, a.id),
    )
    zones |= {a.timezone for a in visits}
    days = tuple((zone, now.astimezone(ZoneInfo(zone)).date()) for zone in sorted(zones))
    return Arrivals(tuple(visits), days)


def arrivals_heading(heading: str, arrivals: Arrivals | None) -> str:
    """'Front desk · today's arrivals · Tue 24 Nov · Europe/Berlin time': the zone once,
    here, not on every row."""
    if arrivals is None or not arrivals.days:
        return heading
    if len(arrivals.days) == 1:
        zone, day = arrivals.days[0]
        return f"{heading} · {day:%a %d %b} · {zone} time"
    return f"{heading} · each clinic's time: {', '.join(zone for zone, _ in arrivals.days)}"


def arrival_cells(appointment: AppointmentView) -> tuple[str, ...]:
    return (f"{appointment.local_start:%H:%M}", appointment.patient_name,
            doctor_title(appointment.doctor_name), status_label(appointment.status))


class StaffHomeScreen(HomeScreen, DeskVisitActions):
    """The desk's home (an admin's too, with the admin's keys added by a subclass); the
    heading and empty state follow the role."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Live updates keep the list current; F5 stays, off the key bar (F1 lists it).
        Binding("f5", "refresh", "Refresh", show=False, id="refresh"),
        Binding("r", "desk_move", "Move", id="desk-move"),
        # Where there is nothing to move, r refreshes, as on every home screen.
        Binding("r", "refresh", "Refresh", show=False, id="refresh-r"),
        Binding("i", "desk_check_in", "Check in", id="desk-check-in"),
        Binding("c", "desk_cancel", "Cancel", id="desk-cancel"),
        # x cancels too: the admin's home keeps c for the specialties (and doctors cancel
        # with x on theirs).
        Binding("x", "desk_cancel", "Cancel", show=False, id="desk-cancel-x"),
        Binding("m", "desk_move", "Move", show=False, id="desk-move-m"),
        Binding("p", "patients", "Patients", id="patients"),
        Binding("e", "desk_resend", "Resend confirmation", show=False, id="desk-resend"),
        # At 80 columns the key bar holds the row's keys, p, and the app's (quit, log out,
        # F1); the day view (also reached by moving a visit, or b on a patient) and the
        # search stay off it, and F1 lists them.
        Binding("v", "day_view", "Day view", show=False, id="day-view"),
        Binding("n", "next_free", "Next free slot with a doctor", show=False, id="next-free"),
        Binding("f", "earliest", "Earliest slot of a specialty", show=False, id="earliest"),
        Binding("s", "search", "Search", show=False, id="search"),
    ]

    show_patient = True

    def __init__(self, user: UserView) -> None:
        self.heading, self.empty_text = HEADINGS[user.role]
        super().__init__(user)
        #: Today's arrivals as last read (None: not yet).
        self.arrivals: Arrivals | None = None
        if self.books_for_patients:
            # The desk's keys fill the key bar at 80 columns: ctrl+p still opens the palette.
            self.palette_in_footer = False

    def compose(self) -> ComposeResult:
        yield Header(icon="+")
        with Vertical(classes="home-body"):
            yield Label(self.heading, classes="screen-title", id="arrivals-title")
            yield Static(LOADING, id="arrivals-empty", classes="empty-state")
            yield DataTable(id="arrivals", cursor_type="row", zebra_stripes=True)
        yield Footer(show_command_palette=self.palette_in_footer)

    @property
    def books_for_patients(self) -> bool:
        """The desk and admins book on behalf of patients; doctors don't."""
        return self.user.role.can(Permission.APPOINTMENTS_BOOK_FOR_PATIENT)

    # --- reading ---------------------------------------------------------------------------

    class ArrivalsLoaded(Message):
        """Today's arrivals as core read them now."""

        def __init__(self, arrivals: Arrivals) -> None:
            super().__init__()
            self.arrivals = arrivals

    def refresh_lists(self) -> None:
        """Read today's arrivals again (a read still on its way is dropped). The app calls
        this after a visit changed anywhere, and when its database is back."""
        self.call(self.ArrivalsLoaded, todays_arrivals)

    def reread(self) -> None:
        self.refresh_lists()

    def on_staff_home_screen_arrivals_loaded(self, message: ArrivalsLoaded) -> None:
        arrivals = self.arrivals = message.arrivals
        self.query_one("#arrivals-title", Label).update(arrivals_heading(self.heading, arrivals))
        table: DataTable[str] = self.query_one("#arrivals", DataTable)
        rows = [(str(a.id), arrival_cells(a)) for a in arrivals.visits]
        show_rows_keeping_cursor(table, ARRIVAL_COLUMNS, rows, fit=True)
        empty = self.query_one("#arrivals-empty", Static)
        empty.update(self.empty_text)
        empty.display = not rows
        table.display = bool(rows)
        if rows and self.is_current and (self.focused is None or not self.focused.display):
            table.focus()
        self.refresh_bindings()

    # --- the highlighted arrival -----------------------------------------------------------

    def highlighted_visit(self) -> AppointmentView | None:
        if self.arrivals is None or not self.arrivals.visits:
            return None
        key = key_at_cursor(self.query_one("#arrivals", DataTable))
        return next((a for a in self.arrivals.visits if str(a.id) == key), None)

    @on(DataTable.RowHighlighted, "#arrivals")
    def _arrival_highlighted(self) -> None:
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#arrivals")
    def _arrival_selected(self) -> None:
        self.show_visit()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in DESK_ACTIONS:
            return self.books_for_patients and self.desk_check(action)
        if action in ("patients", "day_view", "next_free", "earliest"):
            return self.books_for_patients
        return True

    # --- keys ------------------------------------------------------------------------------

    def action_search(self) -> None:
        self.app.push_screen(SearchScreen())

    def action_patients(self) -> None:
        """Find (or create) a patient; choosing one opens their appointments (b there books
        for them)."""
        if not self.books_for_patients:
            return

        def chosen(patient: UserView | None) -> None:
            if patient is not None:
                self.app.push_screen(PatientAppointmentsScreen(patient))

        self.app.push_screen(PatientLookupScreen(), chosen)

    def action_day_view(self) -> None:
        if self.books_for_patients:
            self.app.push_screen(DayViewScreen())

    def action_next_free(self) -> None:
        """"The next free slot with Dr ...": the day view, asking which doctor first."""
        if self.books_for_patients:
            self.app.push_screen(DayViewScreen(choose_doctor=True))

    def action_earliest(self) -> None:
        """"Any cardiologist, the earliest": the day view under the specialty's earliest
        slots, asking which specialty first."""
        if self.books_for_patients:
            self.app.push_screen(DayViewScreen(earliest=True))
