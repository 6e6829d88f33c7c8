"""Rendering appointments for people: clinic-local times with their zone, one-line summaries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from doctorbook.cli.render import echo

if TYPE_CHECKING:
    from datetime import datetime

    from doctorbook.core.booking.appointments import AppointmentDetail, AppointmentView

#: Between a visit's start and end (an en dash); spelt as an escape for the linter.
EN_DASH = "\u2013"


def status_word(status: str) -> str:
    """`checked_in` reads "checked in", `no_show` "no-show"."""
    return "no-show" if status == "no_show" else status.replace("_", " ")


def when(view: AppointmentView, *, zone: bool = True, year: bool = True) -> str:
    """"Wed 25 Nov 2026 10:00-10:30 (Europe/Berlin)" (an en dash), in the clinic's time."""
    start, end = view.local_start, view.local_end
    day = "%a %d %b %Y" if year else "%a %d %b"
    until = f"{end:%H:%M}" if end.date() == start.date() else f"{end:{day} %H:%M}"
    text = f"{start:{day} %H:%M}{EN_DASH}{until}"
    return f"{text} ({view.timezone})" if zone else text


def clinic_time(view: AppointmentView, value: datetime) -> str:
    """Another instant of this appointment (cancelled at, deadline) in its clinic's time."""
    return f"{value.astimezone(view.zone):%a %d %b %Y %H:%M}"


def summary(view: AppointmentView) -> str:
    """"Alice Patient with Dr X on Wed 25 Nov 2026 10:00-10:30 (Europe/Berlin)"."""
    return f"{view.patient_name} with {view.doctor_name} on {when(view)}"


def print_detail(detail: AppointmentDetail, *, now: datetime) -> None:
    """One appointment as a two-column panel; notes follow only when the viewer may see them."""
    from rich.console import Console
    from rich.table import Table

    from doctorbook.cli.render import literal

    view = detail.appointment
    table = Table(show_header=False, title=f"Appointment {view.id}", title_justify="left",
                  box=None)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    place = ", ".join(p for p in (view.clinic_name, view.address, view.city) if p)
    patient = view.patient_name
    if view.patient_email:
        patient += f" <{view.patient_email}>"
    if view.patient_phone:
        patient += f", {view.patient_phone}"
    rows = [
        ("Status", status_word(view.status)),
        ("When", when(view)),
        ("Doctor", view.doctor_name),
        ("Clinic", place or "—"),
        ("Patient", patient),
        ("Reason", view.reason or "—"),
    ]
    if view.slot_id is not None:
        rows.append(("Slot", f"#{view.slot_id}"))
    if view.is_active:
        refusal = view.patient_cancel_refusal(now)
        rows.append(("Online cancel",
                     f"until {clinic_time(view, view.cancel_deadline)}" if refusal is None
                     else "closed (the doctor or the desk can still cancel)"))
    if view.status == "cancelled":
        cancelled = "" if view.cancelled_at is None else clinic_time(view, view.cancelled_at)
        late = " (late)" if view.late_cancel else ""
        rows.append(("Cancelled", f"{cancelled}{late}: {view.cancel_reason or '—'}"))
    if view.rescheduled_from_id is not None:
        rows.append(("Moved from", f"appointment {view.rescheduled_from_id}"))
    if detail.rescheduled_to_id is not None:
        rows.append(("Moved to", f"appointment {detail.rescheduled_to_id}"))
    for label, value in rows:
        # Names, reasons and the clinic are people's text: shown literally, never as markup.
        table.add_row(label, literal(value))
    console = Console()
    console.print(table)
    if detail.notes_visible and detail.notes:
        notes = Table(title="Notes (private to the doctor)", title_justify="left",
                      header_style="bold")
        notes.add_column("#", no_wrap=True)
        notes.add_column("Written", no_wrap=True)
        notes.add_column("Note", overflow="fold")
        for note in detail.notes:
            notes.add_row(str(note.id), clinic_time(view, note.created_at),
                          literal(note.body, multiline=True))
        console.print(notes)


def echo_changed(view: AppointmentView, done: str, *, tail: str = "") -> None:
    """The one line a lifecycle command prints: what happened, to which visit, the status now.

    "Confirmed appointment 12: Alice Patient with Dr X on Wed 25 Nov 2026 10:00-10:30
    (Europe/Berlin) — now confirmed"
    """
    echo(f"{done}: {summary(view)} — now {status_word(view.status)}{tail}")
