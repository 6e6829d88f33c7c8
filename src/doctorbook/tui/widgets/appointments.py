"""The appointment lists of a home screen: upcoming and past tables, or an empty state."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import DataTable, Label, Static

from doctorbook.core.appointments import AppointmentView
from doctorbook.tui.messages import AppointmentLists

LOADING = "Loading appointments…"


def format_when(instant: datetime) -> str:
    """An appointment's start in this terminal's local time, e.g. 'Tue 24 Nov 2026 10:30'."""
    return instant.astimezone().strftime("%a %d %b %Y %H:%M")


def status_label(status: str) -> str:
    return status.replace("_", " ").capitalize()


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
        columns = ["When", "Patient", "Doctor", "Status"] if self.show_patient else [
            "When", "Doctor", "Status", "Reason"
        ]
        for table_id in ("#upcoming", "#past"):
            self.query_one(table_id, DataTable).add_columns(*columns)
        self.query_one("#appointments-tables").display = False

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
        self._fill(self.query_one("#upcoming", DataTable), lists.upcoming, "No upcoming visits.")
        self._fill(self.query_one("#past", DataTable), lists.past, "No past visits.")

    def _fill(
        self, table: DataTable[str], rows: tuple[AppointmentView, ...], none_text: str
    ) -> None:
        table.clear()
        if not rows:
            table.add_row(none_text, *[""] * (len(table.columns) - 1))
            return
        for a in rows:
            if self.show_patient:
                cells = (format_when(a.starts_at), a.patient_name, a.doctor_name,
                         status_label(a.status))
            else:
                cells = (format_when(a.starts_at), a.doctor_name, status_label(a.status),
                         a.reason or "")
            table.add_row(*cells, key=str(a.id))
