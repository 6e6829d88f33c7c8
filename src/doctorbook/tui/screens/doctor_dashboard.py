"""The doctor's dashboard: appointments of the next 14 days (clinic days), grouped by day.

Enter opens an appointment; c, x, k, n and o act on the selected one. The doctor's home
screen is this dashboard, with the keys to the profile and the schedule on top.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable, Footer, Header

from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.rbac import Actor
from doctorbook.core.booking import dashboard
from doctorbook.core.booking.appointments import AppointmentView
from doctorbook.core.booking.dashboard import DoctorDashboard
from doctorbook.tui.messages import AppointmentLists
from doctorbook.tui.screens.appointment_actions import AppointmentActionsScreen, status_label
from doctorbook.tui.screens.appointment_detail import AppointmentDetailScreen
from doctorbook.tui.screens.staff_home import StaffHomeScreen
from doctorbook.tui.text import literal
from doctorbook.tui.widgets.plain import Label, Static
from doctorbook.tui.widgets.tables import key_at_cursor

LOADING = "Loading your appointments…"
EMPTY = f"No appointments in the next {dashboard.DAYS} days."
COLUMNS = ("Day", "Time", "Status", "Patient", "Reason")
#: Marks an appointment the schedule no longer covers, in a first column of its own (shown
#: only when there is one).
UNCOVERED_MARK = "!"
#: Widest a patient's name gets before it is cut; the reason takes what is left.
PATIENT_WIDTH = 22
MIN_REASON_WIDTH = 10


def day_label(day: date, today: date) -> str:
    """'Tue 24 Nov' ('Today' and 'Tomorrow' for those)."""
    offset = (day - today).days
    if offset == 0:
        return "Today"
    if offset == 1:
        return "Tomorrow"
    return f"{day:%a %d %b}"


def title_text(board: DoctorDashboard | None) -> str:
    """'Next 14 days · Tue 24 Nov to Mon 07 Dec · Europe/Berlin time'."""
    if board is None:
        return f"Next {dashboard.DAYS} days"
    return (f"Next {dashboard.DAYS} days · {board.first:%a %d %b} to {board.last:%a %d %b}"
            f" · {board.timezone} time")


def uncovered_text(board: DoctorDashboard) -> str:
    """Why some rows carry a '!', or '' when none do."""
    uncovered = board.uncovered
    if not uncovered:
        return ""
    if len(uncovered) == 1:
        one = uncovered[0]
        return (f"{UNCOVERED_MARK} {one.local_start:%a %d %b %H:%M} is outside your schedule now "
                f"({one.reason}): cancel it, or ask the desk to move it.")
    return (f"{UNCOVERED_MARK} {len(uncovered)} visits are outside your schedule now (marked "
            f"{UNCOVERED_MARK}): cancel them, or ask the desk to move them.")


def cell(text: str, style: str) -> Text:
    """A cell that never reads markup in what people typed, and ends in '…' when cut."""
    return literal(text, style, no_wrap=True, overflow="ellipsis")


def appointment_cells(appointment: AppointmentView, day: str) -> tuple[Text, ...]:
    """One row: day (on the first row of a day only), time, status, patient, reason."""
    style = "dim" if appointment.status == "cancelled" else ""
    status_style = "bold" if appointment.status == "pending" else style
    span = f"{appointment.local_start:%H:%M}-{appointment.local_end:%H:%M}"
    return (
        cell(day, "bold"),
        cell(span, style),
        cell(status_label(appointment.status), status_style),
        cell(appointment.patient_name, style),
        cell(appointment.reason or "", style),
    )


def dashboard_rows(board: DoctorDashboard) -> list[tuple[str, tuple[Text, ...]]]:
    """(appointment id, cells) for every appointment, the day named on its first row; when
    the schedule no longer covers some, a first column marks them."""
    uncovered = {u.appointment_id for u in board.uncovered}
    rows: list[tuple[str, tuple[Text, ...]]] = []
    for day, appointments in board.by_day():
        for index, appointment in enumerate(appointments):
            cells = appointment_cells(appointment, day_label(day, board.first) if index == 0
                                      else "")
            if uncovered:
                mark = UNCOVERED_MARK if appointment.id in uncovered else ""
                cells = (cell(mark, "bold"), *cells)
            rows.append((str(appointment.id), cells))
    return rows


def column_widths(
    headers: tuple[str, ...], rows: list[tuple[str, tuple[Text, ...]]], room: int
) -> list[int]:
    """Each column as wide as its widest cell; the patient's name (next to last) at most
    `PATIENT_WIDTH`, and the reason (last) whatever `room` leaves, if it needs that much."""
    widths = [
        max([cell_len(header), *(cells[i].cell_len for _, cells in rows)])
        for i, header in enumerate(headers)
    ]
    widths[-2] = min(widths[-2], PATIENT_WIDTH)
    used = sum(widths[:-1]) + 2 * len(headers)  # a cell's padding is one column each side
    widths[-1] = min(widths[-1], max(MIN_REASON_WIDTH, room - used))
    return widths


class DashboardTable(DataTable[Text]):
    """The appointments; Enter opens the one under the cursor (listed in the help screen;
    the key bar keeps its room for the keys that act on the appointment)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", show=False, id="open-appointment"),
    ]


class DoctorDashboardScreen(AppointmentActionsScreen, StaffHomeScreen):
    """A home screen (the header, refresh, search) whose content is the doctor's next 14
    days, read when shown and after every change."""

    #: At 80 columns the key bar has room for the visit's status keys, help, the doctor's
    #: profile and schedule, quit and log out: refresh (automatic anyway), search, a note
    #: and resending the confirmation (both also on the visit's detail, Enter) move to the
    #: help screen, and Help is declared here again so it comes right after the visit's keys.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "refresh", "Refresh", show=False, id="refresh"),
        Binding("s", "search", "Search", show=False, id="search"),
        Binding("o", "add_note", "Note", show=False, id="add-note"),
        Binding("e", "resend", "Resend", show=False, id="resend-confirmation"),
        Binding("f1", "app.help", "Help", id="help"),
    ]

    palette_in_footer = False

    board: reactive[DoctorDashboard | None] = reactive(None, init=False)

    def compose(self) -> ComposeResult:
        yield Header(icon="+")
        with Vertical(classes="home-body"):
            yield Label(title_text(None), id="dashboard-title", classes="screen-title")
            yield Static("", id="dashboard-uncovered", markup=False)
            yield Static(LOADING, id="dashboard-empty", classes="empty-state", markup=False)
            yield DashboardTable(id="dashboard-table", cursor_type="row", zebra_stripes=True)
        yield Footer(show_command_palette=self.palette_in_footer)

    def on_mount(self) -> None:
        self.query_one("#dashboard-uncovered").display = False
        self.query_one("#dashboard-table").display = False

    # --- loading ---------------------------------------------------------------------------

    def refresh_lists(self) -> None:
        """A home screen reads its appointments when shown, on refresh and when the app says
        they changed: here that means the dashboard."""
        self.reload()

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """Back from the detail or the schedule: show what may have changed. Not while a
        change (just asked for in a dialog) runs: its answer is the newer one."""
        if self.board is not None and not self.changing:
            self.reload()

    class DashboardLoaded(Message):
        """The doctor's dashboard as core reads it now; `note` says what was just done."""

        def __init__(self, board: DoctorDashboard, note: str | None) -> None:
            super().__init__()
            self.board = board
            self.note = note

    def read_state(self, uow: UnitOfWork, *, actor: Actor, note: str | None) -> DashboardLoaded:
        return self.DashboardLoaded(dashboard.doctor_dashboard(uow, actor=actor), note)

    def on_doctor_dashboard_screen_dashboard_loaded(self, message: DashboardLoaded) -> None:
        self.board = message.board
        if message.note:
            self.notify(message.note, markup=False)

    def watch_appointments(self, lists: AppointmentLists | None) -> None:
        """The app's appointment lists are never asked for here (see above)."""

    def watch_board(self, board: DoctorDashboard | None) -> None:
        self.query_one("#dashboard-title", Label).update(title_text(board))
        warning = self.query_one("#dashboard-uncovered", Static)
        warning.update(uncovered_text(board) if board else "")
        warning.display = bool(board and board.uncovered)
        self._fill(board)
        self.refresh_bindings()

    def on_resize(self, event: events.Resize) -> None:
        if self.board is not None:
            self._fill(self.board)

    def _fill(self, board: DoctorDashboard | None) -> None:
        """Show the rows, keeping the cursor on the same appointment (or row)."""
        table = self.query_one(DashboardTable)
        empty = self.query_one("#dashboard-empty", Static)
        rows = dashboard_rows(board) if board else []
        headers = (UNCOVERED_MARK, *COLUMNS) if board and board.uncovered else COLUMNS
        key = self._key_at_cursor()
        row = table.cursor_row
        table.clear(columns=True)
        room = self.size.width - 2 - 2  # the body's padding, and room for a scroll bar
        for header, width in zip(headers, column_widths(headers, rows, room), strict=True):
            table.add_column(header, width=width)
        for row_key, cells in rows:
            table.add_row(*cells, key=row_key)
        keys = [k for k, _ in rows]
        if keys:
            table.move_cursor(row=keys.index(key) if key in keys else min(row, len(keys) - 1))
        empty.update(LOADING if board is None else EMPTY)
        empty.display = not rows
        table.display = bool(rows)
        if rows and self.focused is None:
            table.focus()

    def _key_at_cursor(self) -> str | None:
        return key_at_cursor(self.query_one(DashboardTable))

    @property
    def selected(self) -> AppointmentView | None:
        board, key = self.board, self._key_at_cursor()
        if board is None or key is None:
            return None
        return next((a for a in board.appointments if str(a.id) == key), None)

    @on(DataTable.RowHighlighted, "#dashboard-table")
    def _highlight_moved(self) -> None:
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#dashboard-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        appointment = self.selected
        if appointment is None or self.board is None:
            return
        self.app.push_screen(AppointmentDetailScreen(
            appointment.id, uncovered_reason=self.board.uncovered_reason(appointment.id)
        ))
