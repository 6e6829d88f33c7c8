"""The admin's form for inviting a receptionist or another admin: role, name and e-mail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Select

from doctorbook.core.accounts import auth
from doctorbook.core.base.errors import ValidationError
from doctorbook.core.base.rbac import Role
from doctorbook.tui.dialogs.rule_form import sentence
from doctorbook.tui.widgets.field import FieldInput
from doctorbook.tui.widgets.plain import Label, Static

#: The roles an admin may invite here (doctors are invited from Joining), as the form names them.
ROLES: tuple[tuple[str, Role], ...] = (("Receptionist", Role.RECEPTIONIST), ("Admin", Role.ADMIN))
HINT = "The invitation goes by e-mail, with a code to accept it."


def refusal_text(message: str) -> str:
    """Core's clause as a sentence; one that starts with an e-mail address keeps it as is."""
    text = message.strip()
    if "@" not in text.split(" ", 1)[0]:
        text = sentence(text)
    return text if text.endswith(".") else f"{text}."


@dataclass(frozen=True)
class StaffDraft:
    """What was typed (the name's spaces folded, the e-mail trimmed); core has the last word."""

    name: str
    email: str
    role: Role = Role.RECEPTIONIST


class AddStaffDialog(ModalScreen[StaffDraft | None]):
    """Checks the name and the e-mail with core's own rules before returning them: a mistake
    is shown in the dialog, which stays open with what was typed. `error` is a refusal core
    gave for `draft` (the staff screen opens the dialog again with both). Escape: None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "invite", "Invite", id="invite-staff"),
        Binding("escape", "cancel", "Cancel", id="cancel-add-staff"),
    ]

    def __init__(self, draft: StaffDraft | None = None, *, error: str | None = None) -> None:
        super().__init__()
        self.draft = draft or StaffDraft("", "")
        self.error = error

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="add-staff-box"):
            yield Static("Add a staff member", classes="form-title")
            with Grid(classes="form-grid"):
                yield Label("Role", classes="form-label")
                yield Select[Role](
                    [(label, role) for label, role in ROLES], allow_blank=False,
                    value=Role.RECEPTIONIST, id="staff-role",
                )
                yield Label("Name", classes="form-label")
                yield FieldInput(id="staff-name", placeholder="first and last name")
                yield Label("E-mail", classes="form-label")
                yield FieldInput(id="staff-email", placeholder="name@clinic.example", last=True)
            yield Static(HINT, classes="form-hint", id="add-staff-error")
            with Horizontal(classes="form-buttons"):
                yield Button("Invite", variant="primary", id="add-staff-ok")
                yield Button("Cancel", id="add-staff-cancel")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#staff-role", Select).value = self.draft.role
        self.query_one("#staff-name", Input).value = self.draft.name
        self.query_one("#staff-email", Input).value = self.draft.email
        if self.error:
            self._show_error(self.error, "#staff-email")
            return
        self.query_one("#staff-name", Input).focus()

    @property
    def role(self) -> Role:
        chosen = self.query_one("#staff-role", Select).value
        return chosen if isinstance(chosen, Role) else Role.RECEPTIONIST

    def _read(self) -> StaffDraft | None:
        """The form, or None after showing the first mistake at its field."""
        name = " ".join(self.query_one("#staff-name", Input).value.split())
        email = self.query_one("#staff-email", Input).value.strip()
        field = "#staff-name"
        try:
            auth.clean_name(name)
            field = "#staff-email"
            auth.normalise_email(email)
        except ValidationError as error:
            self._show_error(str(error), field)
            return None
        return StaffDraft(name, email, self.role)

    def _show_error(self, message: str, selector: str) -> None:
        hint = self.query_one("#add-staff-error", Static)
        hint.update(refusal_text(message))
        hint.add_class("-error")
        self.query_one(selector, Input).focus()

    @on(Input.Submitted, "#staff-email")
    @on(Button.Pressed, "#add-staff-ok")
    def action_invite(self) -> None:
        draft = self._read()
        if draft is not None:
            self.dismiss(draft)

    @on(Button.Pressed, "#add-staff-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
