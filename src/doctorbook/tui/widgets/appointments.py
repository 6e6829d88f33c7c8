"""The appointment lists of a home screen: upcoming and past tables, or an empty state.

Times are the clinic's wall-clock time (each appointment carries its clinic's timezone), as in
the e-mails and the CLI: a visit at 10:00 in Berlin reads 10:00 on every terminal.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import DataTable

from doctorbook.core.booking.appointments import AppointmentView
from doctorbook.tui.messages import AppointmentLists
from doctorbook.tui.widgets.plain import Label, Static
from doctorbook.tui.widgets.tables import key_at_cursor, show_rows_keeping_cursor

LOADING = "Loading appointments…"
#: What the "Cancel until" column says once the patient can no longer cancel online.
CALL_THE_CLINIC = "call the clinic"

STAFF_COLUMNS = ("When", "Patient", "Doctor", "Status")
PATIENT_UPCOMING_COLUMNS = ("When", "Doctor", "Status", "Cancel until", "Reason")
PATIENT_PAST_COLUMNS = ("When", "Doctor", "Status", "Reason")


def format_when(instant: datetime) -> str:
    """An instant as its own timezone reads it, e.g. 'Tue 24 Nov 2026 10:30'."""
    return instant.strftime("%a %d %b %Y %H:%M")


def status_label(status: str) -> str:
    return status.replace("_", " ").capitalize()


def doctor_title(name: str) -> str:
    """'Dr Jana Novak' for 'Jana Novak', and for 'Dr Jana Novak' too."""
    if name.split(" ", 1)[0].rstrip(".").casefold() == "dr":
        return name
    return f"Dr {name}"


def clinic_when(appointment: AppointmentView) -> str:
    """'Wed 25 Nov 10:00 (Europe/Berlin)': the start in the clinic's time, zone named."""
    return f"{appointment.local_start:%a %d %b %H:%M} ({appointment.timezone})"


def booked_note(appointment: AppointmentView) -> str:
    """'Booked: Dr X, Wed 25 Nov 10:00 (Europe/Berlin) — confirmed' (or pending)."""
    return (
        f"Booked: {doctor_title(appointment.doctor_name)}, {clinic_when(appointment)} — "
        f"{appointment.status.replace('_', ' ')}"
    )


def cancel_until(appointment: AppointmentView, as_of: datetime | None) -> str:
    """Until when the patient may cancel online; 'call the clinic' after; '—' if not active."""
    if as_of is None:
        return ""
    if not appointment.is_active:
        return "—"
    if appointment.patient_cancel_refusal(as_of) is None:
        return f"{appointment.cancel_deadline.astimezone(appointment.zone):%a %d %b %H:%M}"
    return CALL_THE_CLINIC


class AppointmentList(Vertical):
    """Shows `lists`, which the screen sets; None means still loading."""

    lists: reactive[AppointmentLists | None] = reactive(None, init=False)

    def __init__(
        self, *, empty_text: str, show_patient: bool, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.empty_text = empty_text
        self.show_patient = show_patient

    def compose(self) -> ComposeResult:
        yield Static(LOADING, id="appointments-empty", classes="empty-state")
        with Vertical(id="appointments-tables"):
            yield Label("Upcoming", classes="section-title")
            yield DataTable(id="upcoming", cursor_type="row", zebra_stripes=True)
            yield Label("Past", classes="section-title")
            yield DataTable(id="past", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self._fill(self.query_one("#upcoming", DataTable), self._columns(upcoming=True), [])
        self._fill(self.query_one("#past", DataTable), self._columns(upcoming=False), [])
        self.query_one("#appointments-tables").display = False

    def _columns(self, *, upcoming: bool) -> tuple[str, ...]:
        if self.show_patient:
            return STAFF_COLUMNS
        return PATIENT_UPCOMING_COLUMNS if upcoming else PATIENT_PAST_COLUMNS

    def _cells(
        self, a: AppointmentView, *, upcoming: bool, as_of: datetime | None
    ) -> tuple[str, ...]:
        when = format_when(a.local_start)
        if self.show_patient:
            return (when, a.patient_name, a.doctor_name, status_label(a.status))
        if upcoming:
            return (when, a.doctor_name, status_label(a.status), cancel_until(a, as_of),
                    a.reason or "")
        return (when, a.doctor_name, status_label(a.status), a.reason or "")

    def watch_lists(self, lists: AppointmentLists | None) -> None:
        empty = self.query_one("#appointments-empty", Static)
        tables = self.query_one("#appointments-tables")
        if lists is None or lists.empty:
            empty.update(LOADING if lists is None else self.empty_text)
            empty.display = True
            tables.display = False
            return
        empty.display = False
        tables.display = True
        for upcoming, rows, none_text in ((True, lists.upcoming, "No upcoming visits."),
                                          (False, lists.past, "No past visits.")):
            columns = self._columns(upcoming=upcoming)
            table = self.query_one("#upcoming" if upcoming else "#past", DataTable)
            if not rows:
                self._fill(table, columns, [("none", (none_text, *[""] * (len(columns) - 1)))])
                continue
            self._fill(table, columns, [
                (str(a.id), self._cells(a, upcoming=upcoming, as_of=lists.as_of)) for a in rows
            ])

    @staticmethod
    def _fill(
        table: DataTable[str],
        columns: Sequence[str],
        rows: Sequence[tuple[str, Sequence[str]]],
    ) -> None:
        """Show `rows`, keeping the cursor on the same appointment (or the same row)."""
        show_rows_keeping_cursor(table, columns, rows)

    def highlighted_upcoming(self) -> AppointmentView | None:
        """The upcoming appointment under the cursor, unless the past table has the focus."""
        lists = self.lists
        upcoming: DataTable[str] = self.query_one("#upcoming", DataTable)
        if (
            lists is None
            or not lists.upcoming
            or upcoming.row_count == 0
            or self.query_one("#past", DataTable).has_focus
        ):
            return None
        key = key_at_cursor(upcoming)
        return next((a for a in lists.upcoming if str(a.id) == key), None)

    def highlighted_past(self) -> AppointmentView | None:
        """The past appointment under the cursor, when the past table has the focus."""
        lists = self.lists
        past: DataTable[str] = self.query_one("#past", DataTable)
        if lists is None or not lists.past or past.row_count == 0 or not past.has_focus:
            return None
        key = key_at_cursor(past)
        return next((a for a in lists.past if str(a.id) == key), None)

    def focus_upcoming(self) -> None:
        """Put the focus in the upcoming table, if it shows appointments."""
        if self.lists is not None and not self.lists.empty:
            self.query_one("#upcoming", DataTable).focus()
