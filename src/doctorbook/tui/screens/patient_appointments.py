"""One patient's appointments for the desk: upcoming and past, check in, cancel, move, book new.

`DeskVisitActions` holds what the desk does to a highlighted appointment; the desk's home
(today's arrivals) acts on its rows with it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header

from doctorbook.core.accounts.auth import UserView
from doctorbook.core.base import live
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.live import Changes
from doctorbook.core.base.rbac import Actor
from doctorbook.core.booking import lifecycle, resend
from doctorbook.core.booking.appointments import (
    ACTIVE_STATUSES,
    AppointmentView,
    Scope,
    list_appointments,
)
from doctorbook.tui.calls import CallFailed, CoreCalls
from doctorbook.tui.dialogs.text_prompt import ask_reason
from doctorbook.tui.messages import AppointmentChanged
from doctorbook.tui.screens.appointment_actions import resent_text
from doctorbook.tui.screens.day_view import DayViewScreen
from doctorbook.tui.widgets.appointments import doctor_title, status_label
from doctorbook.tui.widgets.plain import Label, Static
from doctorbook.tui.widgets.tables import key_at_cursor, show_rows_keeping_cursor

#: The calls that change a visit from the desk's lists (a refusal makes the list be read
#: again: someone else may have changed the visit meanwhile).
DESK_CHANGE = "desk-change"
#: The desk's actions on a highlighted appointment; offered only where they apply.
DESK_ACTIONS = frozenset({"desk_check_in", "desk_cancel", "desk_move", "desk_resend"})
#: Statuses of a visit the desk may still move to another slot (core's rule).
MOVABLE = ("pending", "confirmed")
LOADING = "Loading appointments…"
COLUMNS = ("Date", "Time", "Doctor", "Status", "Reason")
REASON_NEEDED = "Say why the visit is cancelled: the patient reads it in their e-mail."


def visit_text(appointment: AppointmentView) -> str:
    """"Alice Patient's visit with Dr Henry Heart on Tue 24 Nov 10:00"."""
    return (f"{appointment.patient_name}'s visit with {doctor_title(appointment.doctor_name)}"
            f" on {appointment.local_start:%a %d %b %H:%M}")


def visit_summary(appointment: AppointmentView) -> str:
    """What Enter on a row says: the visit, its status, the patient's phone, the reason."""
    phone = f", phone {appointment.patient_phone}" if appointment.patient_phone else ""
    reason = f", reason: {appointment.reason}" if appointment.reason else ""
    return (f"{visit_text(appointment)} ({appointment.timezone}): "
            f"{status_label(appointment.status).lower()}{phone}{reason}.")


def desk_action_applies(action: str, appointment: AppointmentView | None) -> bool:
    """Whether the desk's `action` is offered on `appointment` (core has the last word on
    time rules: a check-in too early is its refusal to explain)."""
    if appointment is None:
        return False
    if action == "desk_check_in":
        return appointment.status in lifecycle.TRANSITIONS["check_in"].sources
    if action == "desk_cancel":
        return appointment.status in ACTIVE_STATUSES
    if action == "desk_move":
        return appointment.status in MOVABLE
    return False


if TYPE_CHECKING:
    _Calls = CoreCalls
else:
    #: A plain mixin at run time, like `CoreCalls` itself: the screens it goes into mix in
    #: `CoreCalls` (every CoreCalls subclass is a Screen or a Widget, see tests/tui).
    _Calls = object


class DeskVisitActions(_Calls):
    """The desk's keys on the highlighted appointment of a list: check in, cancel (a reason
    is required: it goes into the patient's e-mail), move (the day view of the visit's doctor
    and day, the visit marked as moving), and Enter says what the day view says of it.

    Mixed into screens after the Textual base; the screen names `highlighted_visit` and
    `reread`, and declares the bindings (a mixin's bindings are not merged by Textual)."""

    def highlighted_visit(self) -> AppointmentView | None:
        raise NotImplementedError

    def reread(self) -> None:
        """Read the list again."""
        raise NotImplementedError

    def desk_check(self, action: str) -> bool:
        appointment = self.highlighted_visit()
        now: datetime = self.app.now()  # type: ignore[attr-defined]
        if action == "desk_resend":
            # Only a visit still to come has a confirmation worth sending again.
            return (appointment is not None and appointment.status in resend.RESENDABLE
                    and appointment.starts_at > now)
        if action == "desk_check_in" and appointment is not None and (
                appointment.starts_at - now > lifecycle.CHECK_IN_OPENS):
            return False  # check-in opens 12 h before the visit (core's rule)
        return desk_action_applies(action, appointment)

    def action_desk_resend(self) -> None:
        appointment = self.highlighted_visit()
        if appointment is None or not self.desk_check("desk_resend"):
            return
        self.call(lambda view: AppointmentChanged(view, resent_text(view)),
                  resend.resend_confirmation, group=DESK_CHANGE, exclusive=False,
                  appointment_id=appointment.id)

    def action_desk_check_in(self) -> None:
        appointment = self.highlighted_visit()
        if not desk_action_applies("desk_check_in", appointment):
            return
        assert appointment is not None
        note = f"Checked in: {visit_text(appointment)}."
        self.call(lambda view: AppointmentChanged(view, note), lifecycle.change_status,
                  group=DESK_CHANGE, exclusive=False, appointment_id=appointment.id,
                  action="check_in")

    def action_desk_cancel(self) -> None:
        appointment = self.highlighted_visit()
        if not desk_action_applies("desk_cancel", appointment):
            return
        assert appointment is not None
        note = f"Cancelled {visit_text(appointment)}; the patient gets an e-mail."

        def reason_given(reason: str) -> None:
            self.call(lambda view: AppointmentChanged(view, note), lifecycle.cancel,
                      group=DESK_CHANGE, exclusive=False, appointment_id=appointment.id,
                      reason=reason)

        # An empty reason is asked for again; Escape gives up.
        ask_reason(cast("Screen[Any]", self), title=f"Cancel {visit_text(appointment)}",
                   label="Reason (required; it goes into the patient's e-mail)",
                   submit="Cancel visit", asked_again=REASON_NEEDED, then=reason_given,
                   back="Keep visit")

    def action_desk_move(self) -> None:
        appointment = self.highlighted_visit()
        if not desk_action_applies("desk_move", appointment):
            return
        assert appointment is not None
        self.app.push_screen(DayViewScreen(doctor_id=appointment.doctor_id,
                                           day=appointment.local_start.date(),
                                           move=appointment.id))

    def show_visit(self) -> None:
        appointment = self.highlighted_visit()
        if appointment is not None:
            self.app.notify(visit_summary(appointment), markup=False)

    def on_appointment_changed(self, message: AppointmentChanged) -> None:
        """Done here: the list is read again (the app, next, says what was done)."""
        self.reread()

    def on_call_failed(self, message: CallFailed) -> None:
        """A refused change: the list is read again (the app, next, says why)."""
        if message.group == DESK_CHANGE and message.refusal is not None:
            self.reread()


@dataclass(frozen=True)
class PatientVisits:
    """One patient's upcoming visits (soonest first) and past ones (latest first)."""

    upcoming: tuple[AppointmentView, ...]
    past: tuple[AppointmentView, ...]
    as_of: datetime


def patient_visits(uow: UnitOfWork, *, actor: Actor, patient_id: int) -> PatientVisits:
    """The patient's lists, read in one unit of work."""
    upcoming = list_appointments(uow, actor=actor, scope=Scope.COMING, patient_id=patient_id)
    past = list_appointments(uow, actor=actor, scope=Scope.DONE, patient_id=patient_id)
    return PatientVisits(tuple(upcoming), tuple(past), uow.now())


def contact_text(patient: UserView) -> str:
    """E-mail ("—" for a walk-in without one), phone and date of birth, as far as known."""
    parts = [patient.email or "—"]
    if patient.phone:
        parts.append(patient.phone)
    if patient.date_of_birth:
        parts.append(f"born {patient.date_of_birth.isoformat()}")
    return " · ".join(parts)


def visit_cells(appointment: AppointmentView) -> tuple[str, ...]:
    """Date and time in the clinic's time (its zone is said by Enter), doctor, status,
    reason."""
    start = appointment.local_start
    return (f"{start:%a %d %b %Y}", f"{start:%H:%M}", doctor_title(appointment.doctor_name),
            status_label(appointment.status), appointment.reason or "")


class PatientAppointmentsScreen(Screen[None], DeskVisitActions, CoreCalls):
    """A patient's appointments, for the desk; b books a new one in the day view."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("i", "desk_check_in", "Check in", id="desk-check-in"),
        Binding("c", "desk_cancel", "Cancel", id="desk-cancel"),
        Binding("r", "desk_move", "Move", id="desk-move"),
        Binding("m", "desk_move", "Move", show=False, id="desk-move-m"),
        # "Book", not "Book new": at 80 columns the key bar then fits F1 too.
        Binding("b", "book_new", "Book", id="book-new"),
        Binding("e", "desk_resend", "Resend confirmation", show=False, id="desk-resend"),
        Binding("f5", "refresh", "Refresh", show=False, id="refresh"),
        Binding("escape", "back", "Back", id="back"),
    ]

    def __init__(self, patient: UserView) -> None:
        super().__init__()
        self.patient = patient
        self.visits: PatientVisits | None = None

    def compose(self) -> ComposeResult:
        yield Header(icon="+")
        with Vertical(classes="home-body"):
            yield Label(f"{self.patient.name} · appointments", classes="screen-title",
                        id="patient-visits-title")
            yield Static(contact_text(self.patient), id="patient-visits-contact")
            yield Static(LOADING, id="patient-visits-empty", classes="empty-state")
            with Vertical(id="patient-visits-tables"):
                yield Label("Upcoming", classes="section-title")
                yield DataTable(id="patient-upcoming", cursor_type="row", zebra_stripes=True)
                yield Label("Past", classes="section-title")
                yield DataTable(id="patient-past", cursor_type="row", zebra_stripes=True)
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = "Patient's appointments"
        self.query_one("#patient-visits-tables").display = False
        self.reread()

    # --- reading ---------------------------------------------------------------------------

    class VisitsLoaded(Message):
        """The patient's appointments as core read them now."""

        def __init__(self, visits: PatientVisits) -> None:
            super().__init__()
            self.visits = visits

    def reread(self) -> None:
        """Read the lists again (a read still on its way is dropped: the call is exclusive)."""
        self.call(self.VisitsLoaded, patient_visits, patient_id=self.patient.id)

    def refresh_data(self, changes: Changes) -> None:
        """A visit booked, moved or changed anywhere may be this patient's."""
        if changes.touches(live.APPOINTMENTS):
            self.reread()

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """Back from the day view (a visit booked or moved there): show what changed."""
        if self.visits is not None:
            self.reread()

    def on_patient_appointments_screen_visits_loaded(self, message: VisitsLoaded) -> None:
        self.visits = message.visits
        empty = self.query_one("#patient-visits-empty", Static)
        tables = self.query_one("#patient-visits-tables")
        if not message.visits.upcoming and not message.visits.past:
            empty.update(f"{self.patient.name} has no appointments yet. Press b to book one.")
            empty.display = True
            tables.display = False
            self.refresh_bindings()
            return
        empty.display = False
        tables.display = True
        for selector, rows, none_text in (
            ("#patient-upcoming", message.visits.upcoming, "No upcoming visits."),
            ("#patient-past", message.visits.past, "No past visits."),
        ):
            table: DataTable[str] = self.query_one(selector, DataTable)
            shown = ([(str(a.id), visit_cells(a)) for a in rows] if rows
                     else [("none", (none_text, "", "", "", ""))])
            show_rows_keeping_cursor(table, COLUMNS, shown)
        if self.is_current and (self.focused is None or not self.focused.display):
            first = "#patient-upcoming" if message.visits.upcoming else "#patient-past"
            self.query_one(first, DataTable).focus()
        self.refresh_bindings()

    # --- the highlighted visit -------------------------------------------------------------

    def highlighted_visit(self) -> AppointmentView | None:
        """The visit under the cursor of the table with the focus."""
        visits = self.visits
        if visits is None:
            return None
        for selector, rows in (("#patient-upcoming", visits.upcoming),
                               ("#patient-past", visits.past)):
            table: DataTable[str] = self.query_one(selector, DataTable)
            if table.has_focus:
                key = key_at_cursor(table)
                return next((a for a in rows if str(a.id) == key), None)
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in DESK_ACTIONS:
            return self.desk_check(action)
        return True

    @on(DataTable.RowHighlighted)
    def _highlight_moved(self) -> None:
        self.refresh_bindings()

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    @on(DataTable.RowSelected)
    def _visit_selected(self) -> None:
        self.show_visit()

    # --- keys ------------------------------------------------------------------------------

    def action_book_new(self) -> None:
        self.app.push_screen(DayViewScreen(patient=self.patient))

    def action_refresh(self) -> None:
        self.reread()

    def action_back(self) -> None:
        self.dismiss()
