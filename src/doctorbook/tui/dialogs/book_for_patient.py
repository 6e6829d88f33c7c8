"""The desk books a slot for a patient typed in the dialog itself: the first match is chosen
as you type (↑/↓ another), Enter books; an optional reason; Escape gives up.

For the phone call "Petra here, the next free slot with Dr General": Enter on the slot, then
"Petra" and Enter (issue 13: the keystroke budget, tests/tui/test_keystrokes.py).
"""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Footer, Input

from doctorbook.core.accounts import patients
from doctorbook.core.accounts.auth import UserView
from doctorbook.tui.calls import CallFailed, CoreCalls
from doctorbook.tui.dialogs.book_slot import REASON_LABEL, slot_facts
from doctorbook.tui.widgets.field import FieldInput
from doctorbook.tui.widgets.plain import Label, Static
from doctorbook.tui.widgets.tables import key_at_cursor, show_rows

#: The patient search (a newer one drops one still on its way).
FIND = "find"
#: Matches listed under the field: enough to tell two Petras apart, small enough for 80x24.
SHOWN = 3
COLUMNS = ("Name", "E-mail", "Phone")
PATIENT_LABEL = "Patient: name, e-mail, phone or date of birth"
SEARCHING = "Searching…"
NO_MATCH = "No patient matches. Escape, then p in the day view adds one."
CHOOSE_FIRST = "Type the patient's name first: nobody is chosen."


def match_text(found: int, query: str) -> str:
    if not query:
        return "Type to find the patient; Enter books for the highlighted one."
    if not found:
        return NO_MATCH
    if found == 1:
        return "1 match. Enter books for them."
    more = f", the first {SHOWN} shown" if found > SHOWN else ""
    return f"{found} matches{more}: ↑↓ to choose, Enter books."


class BookForPatientDialog(CoreCalls, ModalScreen[tuple[UserView, str] | None]):
    """Dismisses with (the patient chosen, the reason typed, "" for none), or None."""

    DEFAULT_CSS = """
    BookForPatientDialog #book-matches { height: auto; max-height: 3; }
    BookForPatientDialog #book-match-status { color: $text-muted; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="cancel-booking"),
        Binding("down", "match(1)", "Next match", show=False, id="next-match"),
        Binding("up", "match(-1)", "Previous match", show=False, id="previous-match"),
    ]

    def __init__(self, *, doctor: str, clinic: str, when: str, note: str | None = None) -> None:
        super().__init__()
        self.facts = [("Doctor", doctor), ("Clinic", clinic), ("When", when)]
        self.note = note
        #: What the patient field holds, and the matches core found for it (None: on the way).
        self._query = ""
        self.found: tuple[UserView, ...] | None = None
        #: Enter came before the matches of what was typed: book once they are here.
        self._book_when_found = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="book-patient-box"):
            yield Static("Book for a patient", classes="form-title", markup=False)
            yield from slot_facts(self.facts, self.note)
            yield Label(PATIENT_LABEL, classes="dialog-label")
            # Enter here books: the reason is optional (Tab reaches it first).
            yield FieldInput(last=True, id="book-patient", placeholder="e.g. Petra")
            yield DataTable(id="book-matches", cursor_type="row", show_header=False)
            yield Static(SEARCHING, id="book-match-status", markup=False)
            yield Label(REASON_LABEL, classes="dialog-label book-reason-label")
            yield FieldInput(last=True, id="book-reason", placeholder="e.g. check-up, back pain")
            with Horizontal(classes="form-buttons"):
                yield Button("Book", variant="primary", id="book-confirm")
                yield Button("Cancel", id="book-cancel")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        # Inline, over the app's dialog rules (which win over DEFAULT_CSS): wider, and no
        # blank lines, so the facts, a short-notice note, three matches, the reason and the
        # buttons fit 80x24.
        self.query_one("#book-patient-box").styles.width = 76
        for spaced in self.query(".form-title, .form-hint, .book-reason-label, .form-buttons"):
            spaced.styles.margin = 0
        table: DataTable[str] = self.query_one("#book-matches", DataTable)
        table.can_focus = False  # ↑/↓ move it from the field; the field keeps the keys
        show_rows(table, COLUMNS, [])
        self.query_one("#book-patient", Input).focus()
        self._search("")

    # --- finding the patient ----------------------------------------------------------------

    class PatientsFound(Message):
        def __init__(self, query: str, found: list[UserView]) -> None:
            super().__init__()
            self.query = query
            self.found = tuple(found)

    def _search(self, query: str) -> None:
        self._query, self.found = query, None
        self.call(partial(self.PatientsFound, query), patients.find_patients, group=FIND,
                  query=query, limit=20)

    @on(Input.Changed, "#book-patient")
    def _typed(self, event: Input.Changed) -> None:
        self._search(event.value.strip())

    def on_book_for_patient_dialog_patients_found(self, message: PatientsFound) -> None:
        if message.query != self._query:
            return  # typed on since: a newer search is on its way
        self.found = message.found
        table: DataTable[str] = self.query_one("#book-matches", DataTable)
        # Disabled accounts can still be booked by the desk; their name says so.
        show_rows(table, COLUMNS, [
            (str(p.id), (p.name if p.is_active else f"{p.name} (disabled)", p.email or "—",
                         p.phone or "—"))
            for p in message.found[:SHOWN]
        ])
        table.display = bool(message.found)
        self.query_one("#book-match-status", Static).update(
            match_text(len(message.found), message.query))
        if self._book_when_found:
            self._book_when_found = False
            self._book()

    @on(CallFailed)
    def _search_refused(self, message: CallFailed) -> None:
        """A query core refuses (a control character...): say why here; nobody is chosen."""
        if message.group == FIND and message.refusal is not None:
            message.stop()
            self._book_when_found = False
            self.found = ()
            self.query_one("#book-matches", DataTable).display = False
            why = str(message.refusal)
            self.query_one("#book-match-status", Static).update(why[:1].upper() + why[1:])

    @property
    def chosen(self) -> UserView | None:
        """The highlighted match of what is typed now (None while its search is on its way)."""
        if not self.found or not self._query:
            return None
        key = key_at_cursor(self.query_one("#book-matches", DataTable))
        return next((p for p in self.found if str(p.id) == key), None)

    def action_match(self, step: int) -> None:
        table: DataTable[str] = self.query_one("#book-matches", DataTable)
        if table.row_count:
            table.move_cursor(row=max(0, min(table.row_count - 1, table.cursor_row + step)))

    # --- booking ----------------------------------------------------------------------------

    @on(Input.Submitted)
    @on(Button.Pressed, "#book-confirm")
    def _book(self) -> None:
        if self._query and self.found is None:
            self._book_when_found = True  # Enter came before the matches: wait for them
            return
        patient = self.chosen
        if patient is None:
            self.notify(CHOOSE_FIRST if not self._query else NO_MATCH, severity="warning",
                        markup=False)
            self.query_one("#book-patient", Input).focus()
            return
        self.dismiss((patient, " ".join(self.query_one("#book-reason", Input).value.split())))

    @on(Button.Pressed, "#book-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
