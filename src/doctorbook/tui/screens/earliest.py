"""The desk's "earliest for a specialty": each doctor's first open slot, soonest first; Enter
takes the day view to that doctor, day and slot."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Select

from doctorbook.core.booking.earliest import EarliestSlot, earliest_for_specialty
from doctorbook.core.doctors import specialties
from doctorbook.core.doctors.specialties import SpecialtyView
from doctorbook.tui.calls import CoreCalls
from doctorbook.tui.text import literal
from doctorbook.tui.widgets.appointments import doctor_title
from doctorbook.tui.widgets.plain import Static
from doctorbook.tui.widgets.tables import item_at_cursor, show_listing, show_rows

COLUMNS = ("When (clinic time)", "Doctor", "Clinic, city")
LOADING = "Loading…"
NO_SPECIALTIES = "No specialty has a doctor yet."


def when(slot: EarliestSlot) -> str:
    """'Wed 25 Nov 09:00 (America/New_York)', with '· short notice' inside the lead time."""
    text = f"{slot.starts_at:%a %d %b %H:%M} ({slot.timezone})"
    return f"{text} · short notice" if slot.short_notice else text


class EarliestScreen(ModalScreen[EarliestSlot | None], CoreCalls):
    """Pick a specialty (type to jump to it); its doctors' first open slots are listed; Enter
    returns the highlighted one, Escape nothing."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="close-earliest"),
    ]

    def __init__(self, *, specialty: str | None = None, choose: bool = False) -> None:
        """`choose`: open with the specialty picker open (type to jump, Enter lists)."""
        super().__init__()
        #: The specialty to start with (the day view's doctor's), if there is one.
        self.specialty = specialty
        #: The picker is open and nothing is listed until it closes.
        self._choosing = choose
        self.specialties: tuple[SpecialtyView, ...] | None = None
        self.found: tuple[EarliestSlot, ...] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="earliest-box"):
            yield Static("Earliest open slot per doctor", classes="form-title")
            yield Select[str]([], prompt="Specialty", id="earliest-specialty")
            yield Static(LOADING, id="earliest-empty", classes="empty-state")
            yield DataTable(id="earliest-table", cursor_type="row", zebra_stripes=True)
            yield Static("Enter: go to that slot in the day view · Escape: back",
                         classes="dialog-label")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        table: DataTable[str] = self.query_one("#earliest-table", DataTable)
        show_rows(table, COLUMNS, [])
        table.display = False
        self.call(self.SpecialtiesListed, specialties.list_specialties, as_="open")

    class SpecialtiesListed(Message):
        def __init__(self, found: list[SpecialtyView]) -> None:
            super().__init__()
            # Only those someone practises: the others would always list nobody.
            self.specialties = tuple(s for s in found if s.doctor_count)

    class EarliestListed(Message):
        def __init__(self, specialty: str, found: list[EarliestSlot]) -> None:
            super().__init__()
            self.specialty = specialty
            self.found = tuple(found)

    def on_earliest_screen_specialties_listed(self, message: SpecialtiesListed) -> None:
        self.specialties = message.specialties
        names = [s.name for s in message.specialties]
        chosen = next((n for n in names if self.specialty and
                       n.casefold() == self.specialty.casefold()), names[0] if names else None)
        select: Select[str] = self.query_one("#earliest-specialty", Select)
        with select.prevent(Select.Changed):
            select.set_options((literal(n), n) for n in names)
            if chosen is not None:
                select.value = chosen
        if chosen is None:
            self._choosing = False
            self.query_one("#earliest-empty", Static).update(NO_SPECIALTIES)
            select.focus()
            return
        if self._choosing:
            # Listed once chosen: a list taking the focus would close the picker.
            self.query_one("#earliest-empty", Static).update("Choose a specialty (type to jump).")
            select.focus()
            self.watch(select, "expanded", self._picker_closed, init=False)
            select.action_show_overlay()
            return
        self._list(chosen)

    def _picker_closed(self, expanded: bool) -> None:
        if expanded or not self._choosing:
            return
        self._choosing = False
        value = self.query_one("#earliest-specialty", Select).value
        if isinstance(value, str):
            self._list(value)

    @on(Select.Changed, "#earliest-specialty")
    def _specialty_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.specialty:
            self._list(event.value)

    def _list(self, specialty: str) -> None:
        self.specialty = specialty
        self.found = None
        self.query_one("#earliest-empty", Static).update(LOADING)
        self.call(lambda found: self.EarliestListed(specialty, found), earliest_for_specialty,
                  specialty=specialty)

    def on_earliest_screen_earliest_listed(self, message: EarliestListed) -> None:
        if message.specialty != self.specialty:
            return  # another specialty was chosen meanwhile
        self.found = message.found
        rows = [(str(e.slot_id), (when(e), doctor_title(e.doctor_name), f"{e.clinic}, {e.city}"))
                for e in message.found]
        show_listing(self, self.query_one("#earliest-table", DataTable),
                     self.query_one("#earliest-empty", Static), COLUMNS, rows,
                     empty_text=f"No {message.specialty} doctor has an open slot.",
                     take_focus=True)

    @on(DataTable.RowSelected, "#earliest-table")
    def _chosen(self) -> None:
        table: DataTable[str] = self.query_one("#earliest-table", DataTable)
        slot = item_at_cursor(table, self.found, lambda e: str(e.slot_id))
        if slot is not None:
            self.dismiss(slot)

    def action_close(self) -> None:
        self.dismiss(None)
