"""Ask for one weekly working window: weekday, hours, slot length and an optional period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Select

from doctorbook.core.base.errors import ValidationError
from doctorbook.core.scheduling.schedule import (
    parse_date,
    parse_hhmm,
    parse_weekday,
    validate_window,
)
from doctorbook.tui.widgets.field import FieldInput
from doctorbook.tui.widgets.plain import Label, Static

#: Monday is 0, as in core and `date.weekday()`.
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HINT = "Valid from / until are optional (YYYY-MM-DD); empty means no limit."


def sentence(text: str) -> str:
    """Core's messages are lower-case clauses; shown on their own they read as sentences."""
    text = text.strip()
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class RuleForm:
    """A weekly window as typed, already in core's types; `slot_minutes` None is the default."""

    weekday: int
    start: time
    end: time
    slot_minutes: int | None
    valid_from: date | None
    valid_until: date | None


class RuleDialog(ModalScreen[RuleForm | None]):
    """Checks the form with core's parsers before returning it; a mistake is shown in the
    dialog (which stays open, with what was typed). Escape returns None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Add", id="save-rule"),
        Binding("escape", "cancel", "Cancel", id="cancel-rule"),
    ]

    def __init__(self, *, default_slot_minutes: int, draft: RuleForm | None = None) -> None:
        super().__init__()
        self.default_slot_minutes = default_slot_minutes
        self.draft = draft

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box schedule-dialog"):
            yield Static("Add weekly hours", classes="form-title")
            with Grid(classes="schedule-form"):
                yield Label("Weekday", classes="form-label")
                yield Select[int](
                    [(name, day) for day, name in enumerate(DAY_NAMES)],
                    allow_blank=False, value=0, id="rule-weekday",
                )
                yield Label("Hours", classes="form-label")
                with Horizontal(classes="schedule-row"):
                    yield FieldInput(placeholder="09:00", id="rule-start")
                    yield Label("to", classes="inline-label schedule-joiner")
                    yield FieldInput(placeholder="13:00", id="rule-end")
                yield Label("Slot", classes="form-label")
                with Horizontal(classes="schedule-row"):
                    yield FieldInput(type="integer", id="rule-slot")
                    yield Label("minutes each", classes="inline-label schedule-joiner")
                yield Label("Valid from", classes="form-label")
                with Horizontal(classes="schedule-row"):
                    yield FieldInput(placeholder="YYYY-MM-DD", id="rule-from")
                    yield Label("until", classes="inline-label schedule-joiner")
                    yield FieldInput(placeholder="YYYY-MM-DD", id="rule-until", last=True)
            yield Static(HINT, id="rule-error", classes="schedule-form-hint", markup=False)
            with Horizontal(classes="form-buttons"):
                yield Button("Add", variant="primary", id="rule-ok")
                yield Button("Cancel", id="rule-cancel")
        yield Footer()

    def on_mount(self) -> None:
        draft = self.draft
        values = {"#rule-slot": str(self.default_slot_minutes)}
        if draft is not None:
            self.query_one("#rule-weekday", Select).value = draft.weekday
            values = {
                "#rule-start": f"{draft.start:%H:%M}",
                "#rule-end": f"{draft.end:%H:%M}",
                "#rule-slot": str(draft.slot_minutes or self.default_slot_minutes),
                "#rule-from": draft.valid_from.isoformat() if draft.valid_from else "",
                "#rule-until": draft.valid_until.isoformat() if draft.valid_until else "",
            }
        for selector, value in values.items():
            self.query_one(selector, Input).value = value
        self.query_one("#rule-weekday", Select).focus()

    def _text(self, selector: str) -> str:
        return self.query_one(selector, Input).value.strip()

    def _read(self) -> RuleForm | None:
        """The form in core's types, or None after showing the first mistake at its field."""
        field = "#rule-weekday"
        try:
            chosen = self.query_one("#rule-weekday", Select).value
            weekday = parse_weekday(chosen if isinstance(chosen, int) else str(chosen))
            field = "#rule-start"
            start = parse_hhmm(self._text(field), "start")
            field = "#rule-end"
            end = parse_hhmm(self._text(field), "end")
            field = "#rule-slot"
            slot_text = self._text(field)
            try:
                slot = int(slot_text) if slot_text else None
            except ValueError:
                raise ValidationError("slot minutes must be a whole number") from None
            validate_window(start, end, self.default_slot_minutes if slot is None else slot)
            field = "#rule-from"
            valid_from = parse_date(self._text(field), "valid from")
            field = "#rule-until"
            valid_until = parse_date(self._text(field), "valid until")
        except ValidationError as error:
            self._show_error(str(error), field)
            return None
        return RuleForm(weekday, start, end, slot, valid_from, valid_until)

    def _show_error(self, message: str, selector: str) -> None:
        hint = self.query_one("#rule-error", Static)
        hint.update(sentence(message))
        hint.add_class("-error")
        self.query_one(selector).focus()

    @on(Input.Submitted, "#rule-until")
    @on(Button.Pressed, "#rule-ok")
    def action_save(self) -> None:
        form = self._read()
        if form is not None:
            self.dismiss(form)

    @on(Button.Pressed, "#rule-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
