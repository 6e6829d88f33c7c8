"""Admin: invite a doctor, and approve or reject the requests to join as a doctor."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Header, Input

from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.rbac import Actor
from doctorbook.core.doctors import invites
from doctorbook.core.doctors.invites import InviteView, RequestView
from doctorbook.core.doctors.specialties import SpecialtyView, list_specialties
from doctorbook.tui.calls import CoreCalls
from doctorbook.tui.dialogs.confirm import ConfirmDialog
from doctorbook.tui.widgets.field import FieldInput
from doctorbook.tui.widgets.plain import Label, Static
from doctorbook.tui.widgets.specialty_picker import SpecialtyPicker
from doctorbook.tui.widgets.tables import MAX_WIDTH, show_rows

if TYPE_CHECKING:
    from doctorbook.tui.app import DoctorbookApp

LOADING = "Loading requests…"
EMPTY = "No requests waiting."
COLUMNS = ("Name", "E-mail", "Received", "Message")
#: At 80 columns every column stays on screen: the date whole, the rest cut short; the line
#: under the table shows the highlighted request whole.
LEAST = {"Name": 16, "Received": MAX_WIDTH}
#: Actions on the highlighted request; offered while the requests table has the focus.
ROW_ACTIONS = frozenset({"approve", "reject"})
#: The calls that send an invite, and that decide on a request (changes: a second one must not
#: silence the first one's answer).
INVITE = "invite"
DECIDE = "decide"


def received(request: RequestView) -> str:
    return request.created_at.astimezone().strftime("%d %b %Y")


def detail_text(request: RequestView | None) -> str:
    """The highlighted request whole: who, from which address, and what they wrote."""
    if request is None:
        return ""
    message = f" · {request.message}" if request.message else ""
    return f"{request.name} <{request.email}> · received {received(request)}{message}"


# CoreCalls after the screen class: Textual takes a screen's CSS from its first DOMNode base.
class DoctorsJoiningScreen(Screen[None], CoreCalls):
    """Reads `specialties` (for the invite form) and `requests` (pending ones) when shown; a
    decision on a request reads them again in its own unit of work."""

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
            yield Static("", id="joining-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Doctors joining"
        table: DataTable[str] = self.query_one("#requests-table", DataTable)
        show_rows(table, COLUMNS, [])
        table.display = False
        self.query_one("#invite-email", Input).focus()
        self.call(self.SpecialtiesLoaded, list_specialties, as_="open")
        self.call(self.RequestsLoaded, invites.list_requests)

    @property
    def doctorbook(self) -> DoctorbookApp:
        return cast("DoctorbookApp", self.app)

    # --- calls to core ----------------------------------------------------------------------

    class SpecialtiesLoaded(Message):
        """The taxonomy, for the invite form's specialties."""

        def __init__(self, specialties: list[SpecialtyView]) -> None:
            super().__init__()
            self.specialties = tuple(specialties)

    class RequestsLoaded(Message):
        """The pending requests, after a decision described by `note` if there was one."""

        def __init__(self, requests: list[RequestView], note: str | None = None) -> None:
            super().__init__()
            self.requests = tuple(requests)
            self.note = note

    class Invited(Message):
        """An invite was stored and its e-mail queued."""

        def __init__(self, invite: InviteView) -> None:
            super().__init__()
            self.invite = invite

    @property
    def _invite_ttl(self) -> timedelta:
        return timedelta(hours=self.doctorbook.settings.invite_ttl_hours)

    def _invite(self, email: str, name: str, specialty_names: tuple[str, ...]) -> None:
        self.call(self.Invited, invites.invite_doctor, group=INVITE, exclusive=False,
                  email=email, name=name, specialty_names=specialty_names, ttl=self._invite_ttl)

    def _decide(self, request_id: int, *, approve: bool) -> None:
        """Approve or reject the request, and read the requests again in the same unit of
        work."""
        ttl = self._invite_ttl

        def decide_then_list(uow: UnitOfWork, *, actor: Actor) -> tuple[str, list[RequestView]]:
            if approve:
                invite = invites.approve_request(uow, actor=actor, request_id=request_id, ttl=ttl)
                note = f"Approved: invitation sent to {invite.email}."
            else:
                request = invites.reject_request(uow, actor=actor, request_id=request_id)
                note = f"Rejected the request from {request.email}; they will be told."
            return note, invites.list_requests(uow, actor=actor)

        self.call(lambda done: self.RequestsLoaded(done[1], note=done[0]), decide_then_list,
                  group=DECIDE, exclusive=False)

    def on_doctors_joining_screen_specialties_loaded(self, message: SpecialtiesLoaded) -> None:
        self.specialties = message.specialties

    def on_doctors_joining_screen_requests_loaded(self, message: RequestsLoaded) -> None:
        self.requests = message.requests
        if message.note:
            self.notify(message.note, markup=False)

    def on_doctors_joining_screen_invited(self, message: Invited) -> None:
        self.notify(f"Invitation sent to {message.invite.email}.", markup=False)
        self.clear_invite_form()

    def watch_specialties(self, specialties: tuple[SpecialtyView, ...] | None) -> None:
        self.query_one(SpecialtyPicker).keep_ticks_and_show(specialties or ())

    def on_resize(self) -> None:
        """The columns were fitted to the width there was: fit them to the new one, after the
        layout (the tables' new width is known then)."""
        self.call_after_refresh(lambda: self.watch_requests(self.requests))

    def watch_requests(self, requests: tuple[RequestView, ...] | None) -> None:
        table: DataTable[str] = self.query_one("#requests-table", DataTable)
        empty = self.query_one("#requests-empty", Static)
        had_focus = table.has_focus
        show_rows(table, COLUMNS, [
            (str(r.id), (r.name, r.email, received(r), " ".join((r.message or "").split())))
            for r in requests or ()
        ], fit=True, least=LEAST)
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
        self.query_one("#joining-detail", Static).update(detail_text(self.highlighted))
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
        self._invite(email, name, self.query_one(SpecialtyPicker).names)

    def clear_invite_form(self) -> None:
        """The invite went out: the form is ready for the next one."""
        for field in ("#invite-email", "#invite-name"):
            self.query_one(field, Input).value = ""
        self.query_one(SpecialtyPicker).deselect_all()
        self.query_one("#invite-email", Input).focus()

    def action_approve(self) -> None:
        request = self.highlighted
        if request is not None:
            self._decide(request.id, approve=True)

    def action_reject(self) -> None:
        request = self.highlighted
        if request is None:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._decide(request.id, approve=False)

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
