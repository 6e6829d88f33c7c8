"""Admin: the specialties taxonomy, with how many doctors use each; add, rename, remove."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header

from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.rbac import Actor
from doctorbook.core.doctors import specialties as taxonomy
from doctorbook.core.doctors.specialties import SpecialtyView
from doctorbook.tui.calls import CoreCalls
from doctorbook.tui.dialogs.confirm import ConfirmDialog
from doctorbook.tui.dialogs.text_prompt import TextPrompt
from doctorbook.tui.widgets.plain import Label, Static
from doctorbook.tui.widgets.tables import cell_text, cut_to

LOADING = "Loading specialties…"
NAME_WIDTH = 60
EMPTY = "No specialties yet. Press a to add the first one."
#: Actions that work on the highlighted row.
ROW_ACTIONS = frozenset({"rename", "remove"})
#: The calls that change the taxonomy (a second change must not silence the first's answer).
CHANGE = "change"

#: One change to the taxonomy, made in the unit of work given; returns what to tell the admin.
Change = Callable[[UnitOfWork, Actor], str]


# CoreCalls after the screen class: Textual takes a screen's CSS from its first DOMNode base.
class SpecialtiesScreen(Screen[None], CoreCalls):
    """Reads `specialties` when shown; the keys change them, and the list is read again in the
    change's own unit of work."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add", id="add-specialty"),
        Binding("r", "rename", "Rename", id="rename-specialty"),
        Binding("x,delete", "remove", "Remove", id="remove-specialty"),
        Binding("escape", "back", "Back", id="back"),
    ]

    specialties: reactive[tuple[SpecialtyView, ...] | None] = reactive(None, init=False)

    def compose(self) -> ComposeResult:
        yield Header(icon="+")
        with Vertical(classes="home-body"):
            yield Label("Specialties", classes="screen-title")
            yield Static(LOADING, id="specialties-empty", classes="empty-state")
            yield DataTable(id="specialties-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Specialties"
        table: DataTable[Text | int] = self.query_one("#specialties-table", DataTable)
        # Wide enough for long names at 80 columns (with the count and a scroll bar); a
        # longer one ends in an ellipsis, and Rename shows it whole.
        table.add_column("Specialty", width=NAME_WIDTH)
        table.add_column("Doctors", width=8)
        table.display = False
        self.call(self.SpecialtiesLoaded, taxonomy.list_specialties, as_="open")

    # --- calls to core ----------------------------------------------------------------------

    class SpecialtiesLoaded(Message):
        """The taxonomy, after a change described by `note` if there was one."""

        def __init__(self, specialties: list[SpecialtyView], note: str | None = None) -> None:
            super().__init__()
            self.specialties = tuple(specialties)
            self.note = note

    def _change(self, change: Change) -> None:
        """Make `change`, and read the taxonomy again in the same unit of work."""

        def change_then_list(uow: UnitOfWork, *, actor: Actor) -> tuple[str, list[SpecialtyView]]:
            return change(uow, actor), taxonomy.list_specialties(uow)

        self.call(lambda done: self.SpecialtiesLoaded(done[1], note=done[0]), change_then_list,
                  group=CHANGE, exclusive=False)

    def on_specialties_screen_specialties_loaded(self, message: SpecialtiesLoaded) -> None:
        self.specialties = message.specialties
        if message.note:
            self.notify(message.note, markup=False)

    def watch_specialties(self, specialties: tuple[SpecialtyView, ...] | None) -> None:
        table: DataTable[Text | int] = self.query_one("#specialties-table", DataTable)
        empty = self.query_one("#specialties-empty", Static)
        highlighted, row = self.highlighted, table.cursor_row
        table.clear()
        for s in specialties or ():
            table.add_row(cut_to(cell_text(s.name), NAME_WIDTH), s.doctor_count, key=s.name)
        empty.update(LOADING if specialties is None else EMPTY)
        empty.display = not specialties
        table.display = bool(specialties)
        names = [s.name for s in specialties or ()]
        # The cursor stays on the same specialty, or (renamed, removed) on the same row.
        table.move_cursor(row=names.index(highlighted) if highlighted in names else row)
        if self.is_current and specialties:
            table.focus()
        self.refresh_bindings()

    @property
    def highlighted(self) -> str | None:
        """The name of the specialty under the cursor."""
        table: DataTable[Text | int] = self.query_one("#specialties-table", DataTable)
        if not self.specialties or table.row_count == 0:
            return None
        row = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return row.value

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ROW_ACTIONS:
            return self.highlighted is not None or None
        return True

    def action_add(self) -> None:
        def added(name: str | None) -> None:
            if not name:
                return

            def add(uow: UnitOfWork, actor: Actor) -> str:
                return f"Specialty {taxonomy.add(uow, actor=actor, name=name).name!r} added."

            self._change(add)

        self.app.push_screen(
            TextPrompt(title="Add a specialty", label="Name", submit="Add"), added
        )

    def action_rename(self) -> None:
        old = self.highlighted
        if old is None:
            return

        def renamed(new: str | None) -> None:
            if not new or new == old:
                return

            def rename(uow: UnitOfWork, actor: Actor) -> str:
                renamed = taxonomy.rename(uow, actor=actor, old=old, new=new)
                return f"Specialty {old!r} renamed to {renamed.name!r}."

            self._change(rename)

        self.app.push_screen(
            TextPrompt(title=f"Rename {old}", label="New name", value=old, submit="Rename"),
            renamed,
        )

    def action_remove(self) -> None:
        name = self.highlighted
        if name is None:
            return

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return

            def remove(uow: UnitOfWork, actor: Actor) -> str:
                taxonomy.remove(uow, actor=actor, name=name)
                return f"Specialty {name!r} removed."

            self._change(remove)

        self.app.push_screen(
            ConfirmDialog(f"Remove the specialty {name!r}? Doctors must not be using it.",
                          confirm="Remove"),
            confirmed,
        )

    @on(DataTable.RowHighlighted, "#specialties-table")
    def _highlight_moved(self) -> None:
        self.refresh_bindings()

    def action_back(self) -> None:
        self.dismiss()
