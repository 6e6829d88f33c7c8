"""Ask for one line of text (a name, a reason); Enter returns it, Escape returns None."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Input

from doctorbook.tui.text import printable
from doctorbook.tui.widgets.field import FieldInput
from doctorbook.tui.widgets.plain import Label, Static


class TextPrompt(ModalScreen[str | None]):
    """A titled dialog with one input; empty text counts as cancelling, unless `allow_empty`
    (then it is returned as "", for core to refuse with its own message).

    `back` names the button that leaves without doing anything: "Cancel" unless the dialog's
    own action is a cancel ("Cancel the visit" next to "Cancel" reads as two ways to cancel)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="cancel-prompt"),
    ]

    def __init__(
        self,
        *,
        title: str,
        label: str,
        value: str = "",
        submit: str = "OK",
        allow_empty: bool = False,
        back: str = "Cancel",
    ) -> None:
        super().__init__()
        self.allow_empty = allow_empty
        self.back = back
        self.prompt_title = title
        self.label = label
        self.value = value
        self.submit = submit

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(self.prompt_title, classes="form-title", markup=False)
            yield Label(self.label, classes="dialog-label")
            yield FieldInput(last=True, id="prompt-value")
            with Horizontal(classes="form-buttons"):
                yield Button(self.submit, variant="primary", id="prompt-ok")
                yield Button(self.back, id="prompt-cancel")
        yield Footer()

    def on_mount(self) -> None:
        # Escape says in the key bar what the button says.
        self._bindings.key_to_bindings["escape"] = [
            replace(binding, description=self.back)
            for binding in self._bindings.key_to_bindings.get("escape", [])
        ]
        field = self.query_one("#prompt-value", Input)
        field.value = printable(self.value)
        field.focus()

    @on(Input.Submitted, "#prompt-value")
    @on(Button.Pressed, "#prompt-ok")
    def _submit(self) -> None:
        text = " ".join(self.query_one("#prompt-value", Input).value.split())
        self.dismiss(text if text or self.allow_empty else None)

    @on(Button.Pressed, "#prompt-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


#: Said when an account is to be disabled without a reason.
ASK_WHY = "Say why you disable the account: other admins see the reason."


def ask_reason(
    screen: Screen[Any], *, title: str, label: str, submit: str, asked_again: str,
    then: Callable[[str], object], back: str = "Cancel",
) -> None:
    """Ask for a reason (disabling an account, say); an empty one is asked for again with
    `asked_again` said first; Escape gives up; `then` gets the reason. `back` names the way
    out ("Keep visit" where the reason is a visit's cancellation)."""

    def answered(reason: str | None) -> None:
        if reason is None:
            return
        if not reason:
            screen.notify(asked_again, severity="warning", markup=False)
            ask_reason(screen, title=title, label=label, submit=submit,
                       asked_again=asked_again, then=then, back=back)
            return
        then(reason)

    screen.app.push_screen(
        TextPrompt(title=title, label=label, submit=submit, allow_empty=True, back=back),
        answered)
