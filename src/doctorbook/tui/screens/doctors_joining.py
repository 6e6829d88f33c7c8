"""Admin: invite a doctor, and approve or reject the requests to join as a doctor."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Header, Input

from doctorbook.core.doctors.invites import RequestView
from doctorbook.core.doctors.specialties import SpecialtyView
from doctorbook.tui.dialogs.confirm import ConfirmDialog
from doctorbook.tui.messages import (
    InviteSubmitted,
    JoinRequestDecisionSubmitted,
    JoinRequestsRequested,
    SpecialtiesRequested,
)
from doctorbook.tui.widgets.field import FieldInput
from doctorbook.tui.widgets.plain import Label, Static
from doctorbook.tui.widgets.specialty_picker import SpecialtyPicker
from doctorbook.tui.widgets.tables import show_rows

LOADING = "Loading requests…"
EMPTY = "No requests waiting."
COLUMNS = ("Name", "E-mail", "Received", "Message")
#: Actions on the highlighted request; offered while the requests table has the focus.
ROW_ACTIONS = frozenset({"approve", "reject"})


def received(request: RequestView) -> str:
    return request.created_at.astimezone().strftime("%d %b %Y")


class DoctorsJoiningScreen(Screen[None]):
    """The app sets `specialties` (for the invite form) and `requests` (pending ones)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "invite", "Send invite", id="send-invite"),
        Binding("a", "approve", "Approve", id="approve-request"),
        Binding("x", "reject", "Reject", id="reject-request"),
        Binding("escape", "back", "Back", id="back"),
    ]

    specialties: reactive[tuple[SpecialtyView, ...] | None] = reactive(None, init=False)
    requests: reactive[tuple[RequestView, ...] | None] = reactive(None, init=False)

    def compose(self) -> ComposeResult:
        yield Header(icon="+")
        with Vertical(classes="home-body"):
            yield Label("Invite a doctor", classes="screen-title")
            with Horizontal(classes="invite-row"):
                yield Label("E-mail", classes="inline-label row-label")
                yield FieldInput(placeholder="doctor@example.com", id="invite-email")
                yield Label("Name", classes="inline-label")
                yield FieldInput(placeholder="Dr Jana Novak", id="invite-name")
            with Horizontal(classes="invite-row", id="invite-specialties-row"):
                yield Label("Specialties", classes="inline-label row-label")
                yield SpecialtyPicker(id="invite-specialties")
                yield Button("Send invite", variant="primary", id="send-invite")
            yield Label("Requests to join (a approve · x reject)", classes="section-title")
            yield Static(LOADING, id="requests-empty", classes="empty-state")
            yield DataTable(id="requests-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Doctors joining"
        table: DataTable[str] = self.query_one("#requests-table", DataTable)
        show_rows(table, COLUMNS, [])
        table.display = False
        self.query_one("#invite-email", Input).focus()
        self.post_message(SpecialtiesRequested())
        self.post_message(JoinRequestsRequested())

    def watch_specialties(self, specialties: tuple[SpecialtyView, ...] | None) -> None:
        self.query_one(SpecialtyPicker).keep_ticks_and_show(specialties or ())

    def watch_requests(self, requests: tuple[RequestView, ...] | None) -> None:
        table: DataTable[str] = self.query_one("#requests-table", DataTable)
        empty = self.query_one("#requests-empty", Static)
        had_focus = table.has_focus
        show_rows(table, COLUMNS, [
            (str(r.id), (r.name, r.email, received(r), r.message or "")) for r in requests or ()
        ])
        empty.update(LOADING if requests is None else EMPTY)
        empty.display = not requests
        table.display = bool(requests)
        if had_focus and not requests:
            self.query_one("#invite-email", Input).focus()
        self.refresh_bindings()

    @property
    def highlighted(self) -> RequestView | None:
        """The request under the cursor."""
        table: DataTable[str] = self.query_one("#requests-table", DataTable)
        if not self.requests or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((r for r in self.requests if str(r.id) == key), None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The key bar follows the focus: the form's keys, or the requests' keys."""
        in_table = self.query_one("#requests-table", DataTable).has_focus
        if action in ROW_ACTIONS:
            return in_table and self.highlighted is not None
        if action == "invite":
            return not in_table
        return True

    @on(DataTable.RowHighlighted, "#requests-table")
    def _highlight_moved(self) -> None:
        self.refresh_bindings()

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    @on(Button.Pressed, "#send-invite")
    def action_invite(self) -> None:
        email = self.query_one("#invite-email", Input).value.strip()
        name = self.query_one("#invite-name", Input).value.strip()
        if not email or not name:
            self.notify("Enter the doctor's e-mail and name.", severity="warning")
            self.query_one("#invite-name" if email else "#invite-email", Input).focus()
            return
        self.post_message(InviteSubmitted(email, name, self.query_one(SpecialtyPicker).names))

    def clear_invite_form(self) -> None:
        """The invite went out: the form is ready for the next one."""
        for field in ("#invite-email", "#invite-name"):
            self.query_one(field, Input).value = ""
        self.query_one(SpecialtyPicker).deselect_all()
        self.query_one("#invite-email", Input).focus()

    def action_approve(self) -> None:
        request = self.highlighted
        if request is not None:
            self.post_message(JoinRequestDecisionSubmitted(request.id, approve=True))

    def action_reject(self) -> None:
        request = self.highlighted
        if request is None:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.post_message(JoinRequestDecisionSubmitted(request.id, approve=False))

        self.app.push_screen(
            ConfirmDialog(
                f"Reject the request from {request.name} <{request.email}>? "
                "They will get a polite e-mail.",
                confirm="Reject",
            ),
            confirmed,
        )

    def action_back(self) -> None:
        self.dismiss()
