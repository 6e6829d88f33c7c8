"""Ask for one schedule exception: a date off, changed hours or extra hours, and a reason."""

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
    EXCEPTION_KINDS,
    parse_date,
    parse_hhmm,
    validate_window,
)
from doctorbook.tui.dialogs.rule_form import sentence
from doctorbook.tui.widgets.field import FieldInput
from doctorbook.tui.widgets.plain import Label, Static

#: Core's kinds of exception, as the editor names them.
KIND_LABELS = {"off": "Day off", "hours": "Changed hours", "extra": "Extra hours"}
#: What each kind does, shown under the form until there is a mistake to show instead.
KIND_HINTS = {
    "off": "No slots that day; booked appointments are kept.",
    "hours": "These hours replace the weekly hours of that day.",
    "extra": "These hours are added to the weekly hours of that day.",
}
TIME_FIELDS = ("#exception-start", "#exception-end")


@dataclass(frozen=True)
class ExceptionForm:
    """An exception as typed, in core's types; `start` and `end` are None for a day off."""

    day: date
    kind: str
    start: time | None
    end: time | None
    reason: str | None


class ExceptionDialog(ModalScreen[ExceptionForm | None]):
    """Checks the form with core's parsers before returning it; a mistake is shown in the
    dialog (which stays open, with what was typed). Escape returns None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Add", id="save-exception"),
        Binding("escape", "cancel", "Cancel", id="cancel-exception"),
    ]

    def __init__(self, *, default_slot_minutes: int, draft: ExceptionForm | None = None) -> None:
        super().__init__()
        self.default_slot_minutes = default_slot_minutes
        self.draft = draft

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box schedule-dialog"):
            yield Static("Add an exception", classes="form-title")
            with Grid(classes="schedule-form"):
                yield Label("Date", classes="form-label")
                with Horizontal(classes="schedule-row"):
                    yield FieldInput(placeholder="YYYY-MM-DD", id="exception-date")
                yield Label("Kind", classes="form-label")
                yield Select[str](
                    [(KIND_LABELS[kind], kind) for kind in EXCEPTION_KINDS],
                    allow_blank=False, value="off", id="exception-kind",
                )
                yield Label("Hours", classes="form-label")
                with Horizontal(classes="schedule-row"):
                    yield FieldInput(placeholder="09:00", id="exception-start")
                    yield Label("to", classes="inline-label schedule-joiner")
                    yield FieldInput(placeholder="13:00", id="exception-end")
                yield Label("Reason", classes="form-label")
                yield FieldInput(placeholder="optional, e.g. conference", id="exception-reason",
                                 last=True)
            yield Static(KIND_HINTS["off"], id="exception-error", classes="schedule-form-hint",
                         markup=False)
            with Horizontal(classes="form-buttons"):
                yield Button("Add", variant="primary", id="exception-ok")
                yield Button("Cancel", id="exception-cancel")
        yield Footer()

    def on_mount(self) -> None:
        draft = self.draft
        if draft is not None:
            self.query_one("#exception-kind", Select).value = draft.kind
            values = {
                "#exception-date": draft.day.isoformat(),
                "#exception-start": f"{draft.start:%H:%M}" if draft.start else "",
                "#exception-end": f"{draft.end:%H:%M}" if draft.end else "",
                "#exception-reason": draft.reason or "",
            }
            for selector, value in values.items():
                self.query_one(selector, Input).value = value
        self._kind_changed()
        self.query_one("#exception-date", Input).focus()

    @property
    def kind(self) -> str:
        chosen = self.query_one("#exception-kind", Select).value
        return chosen if isinstance(chosen, str) else "off"

    @on(Select.Changed, "#exception-kind")
    def _kind_changed(self) -> None:
        """A day off has no hours: their fields are skipped (and ignored) then."""
        for selector in TIME_FIELDS:
            self.query_one(selector, Input).disabled = self.kind == "off"
        hint = self.query_one("#exception-error", Static)
        hint.update(KIND_HINTS[self.kind])
        hint.remove_class("-error")

    def _text(self, selector: str) -> str:
        return self.query_one(selector, Input).value.strip()

    def _read(self) -> ExceptionForm | None:
        """The form in core's types, or None after showing the first mistake at its field."""
        kind = self.kind
        start = end = None
        field = "#exception-date"
        try:
            day = parse_date(self._text(field))
            if day is None:
                raise ValidationError("a date is required (YYYY-MM-DD)")
            if kind != "off":
                field = "#exception-start"
                start = parse_hhmm(self._text(field), "start")
                field = "#exception-end"
                end = parse_hhmm(self._text(field), "end")
                validate_window(start, end, self.default_slot_minutes)
        except ValidationError as error:
            self._show_error(str(error), field)
            return None
        reason = " ".join(self._text("#exception-reason").split()) or None
        return ExceptionForm(day, kind, start, end, reason)

    def _show_error(self, message: str, selector: str) -> None:
        hint = self.query_one("#exception-error", Static)
        hint.update(sentence(message))
        hint.add_class("-error")
        self.query_one(selector).focus()

    @on(Input.Submitted, "#exception-reason")
    @on(Button.Pressed, "#exception-ok")
    def action_save(self) -> None:
        form = self._read()
        if form is not None:
            self.dismiss(form)

    @on(Button.Pressed, "#exception-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
