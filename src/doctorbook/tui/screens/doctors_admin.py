"""Admin: every doctor (suspended and incomplete ones too), whether patients can find them, and
suspending or reactivating the one under the cursor."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header

from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.rbac import Actor
from doctorbook.core.doctors import doctors
from doctorbook.core.doctors.doctors import DoctorSummary
from doctorbook.tui.calls import CallFailed, CoreCalls
from doctorbook.tui.dialogs.confirm import ConfirmDialog
from doctorbook.tui.widgets.plain import Static
from doctorbook.tui.widgets.tables import (
    MAX_WIDTH,
    item_at_cursor,
    show_listing,
    show_rows,
)

#: The calls: reading the list (a newer read replaces one on its way), and the changes
#: (each answered with the list; a refused one makes the list be read again).
READ = "read"
CHANGE = "change"
COLUMNS = ("Name", "E-mail", "City", "Status", "Visible", "Rating")
LOADING = "Loading the doctors…"
EMPTY = "No doctors yet: invite one from Joining (j on the home screen)."
HINT = "s: suspend · r: reactivate · a suspended doctor is hidden from patients"
NAME_WIDTH = 24
EMAIL_WIDTH = 26
CITY_WIDTH = 14
#: At 80 columns every column stays on screen: status, visibility and rating whole, the name
#: readable; the line under the table shows the highlighted doctor whole.
LEAST = {"Name": 22, "City": CITY_WIDTH, "Status": MAX_WIDTH, "Visible": MAX_WIDTH,
         "Rating": MAX_WIDTH}


def cut(text: str | None, width: int) -> str:
    line = " ".join((text or "").split())
    return line if len(line) <= width else line[: width - 1].rstrip() + "…"


def rating_text(doctor: DoctorSummary) -> str:
    return "—" if doctor.rating is None else f"{doctor.rating:.1f} ({doctor.review_count})"


def doctor_row(doctor: DoctorSummary) -> tuple[str, tuple[str, ...]]:
    return str(doctor.doctor_id), (
        cut(doctor.name, NAME_WIDTH), cut(doctor.email, EMAIL_WIDTH),
        cut(doctor.city, CITY_WIDTH) or "—", doctor.status,
        "yes" if doctor.visible else "no", rating_text(doctor),
    )


def detail_text(doctor: DoctorSummary | None) -> str:
    """The highlighted doctor whole: name, address, city, and whether patients find them."""
    if doctor is None:
        return ""
    seen = "visible to patients" if doctor.visible else "hidden from patients"
    return (f"{doctor.name} <{doctor.email}> · {doctor.city or 'no city yet'} · "
            f"{doctor.status}, {seen} · rating {rating_text(doctor)}")


def counts_text(listed: tuple[DoctorSummary, ...] | None) -> str:
    """'Doctors · 3 · visible 1 · suspended 1' (markup)."""
    if listed is None:
        return "[b]Doctors[/b]"
    visible = sum(d.visible for d in listed)
    suspended = sum(d.status == "suspended" for d in listed)
    return (f"[b]Doctors[/b] · [b]{len(listed)}[/b] · visible [b]{visible}[/b] · "
            f"suspended [b]{suspended}[/b]")


class DoctorsAdminScreen(CoreCalls, Screen[None]):
    """Reads the doctors through a call to core; suspending and reactivating are calls too,
    answered with the list as it is now."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "suspend", "Suspend", id="suspend-doctor"),
        Binding("r", "activate", "Activate", id="activate-doctor"),
        Binding("f5", "refresh", "Refresh", id="refresh-doctors"),
        Binding("escape", "back", "Back", id="back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.listed: tuple[DoctorSummary, ...] | None = None
        self._focus_results = True

    def compose(self) -> ComposeResult:
        yield Header(icon="+")
        with Vertical(classes="home-body"):
            yield Static(counts_text(None), id="doctors-admin-counts", markup=True)
            yield Static(HINT, id="doctors-admin-hint")
            yield Static(LOADING, id="doctors-admin-empty", classes="empty-state")
            yield DataTable(id="doctors-admin-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="doctors-admin-detail")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = "Doctors"
        table: DataTable[str] = self.query_one("#doctors-admin-table", DataTable)
        show_rows(table, COLUMNS, [])
        table.display = False
        self._reload()

    # --- calls to core --------------------------------------------------------------------

    class DoctorsLoaded(Message):
        """Every doctor; `note` says what was just changed, if anything."""

        def __init__(self, listed: list[DoctorSummary], note: str | None = None) -> None:
            super().__init__()
            self.listed = tuple(listed)
            self.note = note

    def _reload(self) -> None:
        self.call(self.DoctorsLoaded, doctors.list_doctors, group=READ)

    def _set_status(self, doctor: DoctorSummary, active: bool) -> None:
        def change_then_list(uow: UnitOfWork, *, actor: Actor) -> list[DoctorSummary]:
            doctors.set_status(uow, actor=actor, doctor_id=doctor.doctor_id, active=active)
            return doctors.list_doctors(uow, actor=actor)

        note = (f"{doctor.name} is active again." if active
                else f"{doctor.name} is suspended: patients no longer find them.")
        self.call(lambda listed: self.DoctorsLoaded(listed, note), change_then_list,
                  group=CHANGE, exclusive=False)

    @on(CallFailed)
    def _change_refused(self, message: CallFailed) -> None:
        """After a refused change the list is read again: another admin may have changed it.
        (The app, next, says why.)"""
        if message.group == CHANGE and message.refusal is not None:
            self._reload()

    # --- results ---------------------------------------------------------------------------

    def on_doctors_admin_screen_doctors_loaded(self, message: DoctorsLoaded) -> None:
        if message.note:
            # A change's list is newer than a read that started before it.
            self.workers.cancel_group(self, READ)
            self.notify(message.note, markup=False)
        self.listed = message.listed
        self._show()

    def on_resize(self) -> None:
        """The columns were fitted to the width there was: fit them to the new one, after the
        layout (the tables' new width is known then)."""
        self.call_after_refresh(self._show)

    def _show(self) -> None:
        self.query_one("#doctors-admin-counts", Static).update(counts_text(self.listed))
        table: DataTable[str] = self.query_one("#doctors-admin-table", DataTable)
        empty = self.query_one("#doctors-admin-empty", Static)
        rows = [doctor_row(d) for d in self.listed or ()]
        self._focus_results = show_listing(
            self, table, empty, COLUMNS, rows,
            empty_text=LOADING if self.listed is None else EMPTY, take_focus=self._focus_results,
            fit=True, least=LEAST)
        self._show_detail()
        self.refresh_bindings()

    def _show_detail(self) -> None:
        self.query_one("#doctors-admin-detail", Static).update(detail_text(self.highlighted))

    @property
    def highlighted(self) -> DoctorSummary | None:
        """The doctor under the cursor."""
        table: DataTable[str] = self.query_one("#doctors-admin-table", DataTable)
        return item_at_cursor(table, self.listed, lambda d: str(d.doctor_id))

    # --- actions ---------------------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#doctors-admin-table")
    def _highlight_moved(self) -> None:
        self._show_detail()
        self.refresh_bindings()

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("suspend", "activate"):
            doctor = self.highlighted
            if doctor is None:
                return False
            # Greyed out when it wouldn't change anything: each key is for the other status.
            wanted = "active" if action == "suspend" else "suspended"
            return doctor.status == wanted or None
        return True

    def _change(self, active: bool) -> None:
        doctor = self.highlighted
        if doctor is None or doctor.status == ("active" if active else "suspended"):
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._set_status(doctor, active)

        if active:
            question = (f"Reactivate {doctor.name} ({doctor.email})? With a complete profile "
                        "patients can find and book them again.")
            dialog = ConfirmDialog(question, confirm="Activate", title="Reactivate a doctor")
        else:
            question = (f"Suspend {doctor.name} ({doctor.email})? Patients no longer find "
                        "them; appointments already booked stay as they are.")
            dialog = ConfirmDialog(question, confirm="Suspend", title="Suspend a doctor")
        self.app.push_screen(dialog, confirmed)

    def action_suspend(self) -> None:
        self._change(active=False)

    def action_activate(self) -> None:
        self._change(active=True)

    def action_refresh(self) -> None:
        self._reload()

    def action_back(self) -> None:
        self.dismiss()
