"""One appointment of the doctor's: who, when, status, the patient's reason, the private notes;
and the keys that act on it (confirm, cancel, complete, no-show, add a note)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Footer, Header

from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.rbac import Actor
from doctorbook.core.booking.appointments import (
    ACTIVE_STATUSES,
    AppointmentDetail,
    AppointmentView,
    show_appointment,
)
from doctorbook.tui.screens.appointment_actions import AppointmentActionsScreen, status_label
from doctorbook.tui.text import printable
from doctorbook.tui.widgets.plain import Label, Static

LOADING = "Loading the appointment…"
NO_NOTES = "No notes yet. Press o to add one; only you see them."
FACTS = ("patient", "contact", "status", "reason", "cancelled", "moved")


def detail_title(appointment: AppointmentView) -> str:
    """'Wed 25 Nov 2026 · 10:00-10:30 · Europe/Berlin time'."""
    return (f"{appointment.local_start:%a %d %b %Y} · {appointment.local_start:%H:%M}-"
            f"{appointment.local_end:%H:%M} · {appointment.timezone} time")


def facts(detail: AppointmentDetail) -> dict[str, str]:
    """The shown value of each of `FACTS`; those that don't apply are left out."""
    a = detail.appointment
    rows = {
        "patient": a.patient_name,
        "contact": " · ".join(c for c in (a.patient_email, a.patient_phone) if c) or "—",
        "status": status_label(a.status) + (
            f" (less than {a.cancel_hours} h before)" if a.late_cancel else ""),
        "reason": a.reason or "—",
    }
    if a.status == "cancelled":
        when = a.cancelled_at.astimezone(a.zone) if a.cancelled_at else None
        rows["cancelled"] = (f"{when:%a %d %b %H:%M}: " if when else "") + (a.cancel_reason or "")
    if detail.rescheduled_to_id is not None:
        rows["moved"] = "Rescheduled to another time"
    return rows


def notes_text(detail: AppointmentDetail) -> Text:
    """Each note under the time it was written (clinic time, in bold), oldest first."""
    if not detail.notes:
        return Text(NO_NOTES)
    zone = detail.appointment.zone
    text = Text()
    for index, note in enumerate(detail.notes):
        if index:
            text.append("\n\n")
        text.append(f"{note.created_at.astimezone(zone):%a %d %b %Y %H:%M}", style="bold")
        text.append(f"\n{printable(note.body, multiline=True)}")
    return text


class AppointmentDetailScreen(AppointmentActionsScreen):
    """Loads appointment `appointment_id` by a call when opened and after every change.

    `uncovered_reason` (from the dashboard) says why the schedule no longer covers it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="back"),
    ]

    detail: reactive[AppointmentDetail | None] = reactive(None, init=False)

    def __init__(self, appointment_id: int, *, uncovered_reason: str | None = None) -> None:
        super().__init__()
        self.appointment_id = appointment_id
        self.uncovered_reason = uncovered_reason

    def compose(self) -> ComposeResult:
        yield Header(icon="+")
        with VerticalScroll(classes="home-body", id="appointment-body"):
            yield Label(LOADING, id="appointment-title", classes="screen-title")
            yield Static(f"! Outside your schedule now: {self.uncovered_reason}.",
                         id="appointment-uncovered", markup=False)
            with Grid(classes="facts-grid", id="appointment-facts"):
                for name in FACTS:
                    yield Label(name.capitalize(), classes="fact-label", id=f"{name}-label")
                    yield Static("", id=f"appointment-{name}", markup=False)
            yield Label("Private notes", id="notes-title", classes="section-title")
            yield Static("", id="appointment-notes", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Appointment"
        self.query_one("#appointment-uncovered").display = self.uncovered_reason is not None
        self.query_one("#appointment-facts").display = False
        self.query_one("#notes-title").display = False
        self.reload()

    class DetailLoaded(Message):
        """The appointment as core shows it now; `note` says what was just done."""

        def __init__(self, detail: AppointmentDetail, note: str | None) -> None:
            super().__init__()
            self.detail = detail
            self.note = note

    def read_state(self, uow: UnitOfWork, *, actor: Actor, note: str | None) -> DetailLoaded:
        detail = show_appointment(uow, actor=actor, appointment_id=self.appointment_id)
        return self.DetailLoaded(detail, note)

    def on_appointment_detail_screen_detail_loaded(self, message: DetailLoaded) -> None:
        self.detail = message.detail
        if message.note:
            self.notify(message.note, markup=False)

    def watch_detail(self, detail: AppointmentDetail | None) -> None:
        if detail is None:
            return
        appointment = detail.appointment
        self.query_one("#appointment-title", Label).update(detail_title(appointment))
        if appointment.status not in ACTIVE_STATUSES:
            # Cancelled, completed or a no-show: the schedule doesn't matter any more.
            self.query_one("#appointment-uncovered").display = False
        shown = facts(detail)
        for name in FACTS:
            self.query_one(f"#{name}-label").display = name in shown
            value = self.query_one(f"#appointment-{name}", Static)
            value.display = name in shown
            value.update(shown.get(name, ""))
        self.query_one("#appointment-facts").display = True
        count = len(detail.notes)
        title = self.query_one("#notes-title", Label)
        title.update(f"Private notes ({count})" if count else "Private notes")
        title.display = True
        self.query_one("#appointment-notes", Static).update(notes_text(detail))
        self.refresh_bindings()

    @property
    def selected(self) -> AppointmentView | None:
        return self.detail.appointment if self.detail else None

    def action_back(self) -> None:
        self.dismiss()
