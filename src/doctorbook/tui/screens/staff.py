"""Admin: the clinic's receptionists and admins, and invitations nobody accepted yet; adding
one (an invitation by e-mail), sending an invitation again, disabling an account (with a
reason; its logins end at once) and enabling it again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header

from doctorbook.core.accounts import accounts
from doctorbook.core.accounts.accounts import StaffStatus, StaffView
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.rbac import Actor
from doctorbook.core.doctors.invites import InviteView
from doctorbook.tui.calls import CallFailed, CoreCalls, refusable
from doctorbook.tui.dialogs.add_staff import AddStaffDialog, StaffDraft
from doctorbook.tui.dialogs.confirm import ConfirmDialog
from doctorbook.tui.dialogs.text_prompt import ASK_WHY, ask_reason
from doctorbook.tui.text import addressed
from doctorbook.tui.widgets.plain import Static
from doctorbook.tui.widgets.tables import (
    MAX_WIDTH,
    item_at_cursor,
    show_listing,
    show_rows,
)

#: The calls: reading the staff (a newer read replaces one on its way), the changes and the
#: invitations (each answered with the staff as they are then).
READ = "read"
#: At 80 columns every column stays on screen: role and status whole, the name readable; the
#: line under the table shows the highlighted person whole.
LEAST = {"Name": 16, "E-mail": 22, "Role": MAX_WIDTH, "Status": MAX_WIDTH}
CHANGE = "change"
INVITE = "invite"
COLUMNS = ("Name", "E-mail", "Role", "Status", "Note")
LOADING = "Loading the staff…"
EMPTY = "No receptionists or admins yet: press a to invite one."
HINT = "a: add · i: resend an invitation · x: disable (asks why) · e: enable"
NAME_WIDTH = 22
EMAIL_WIDTH = 26
NOTE_WIDTH = 40
#: The invitation states, where i (invite again) applies.
INVITATIONS = (StaffStatus.INVITED, StaffStatus.INVITE_EXPIRED)


def cut(text: str | None, width: int) -> str:
    line = " ".join((text or "").split())
    return line if len(line) <= width else line[: width - 1].rstrip() + "…"


def when(value: datetime) -> str:
    """'Fri 27 Nov 10:00' in this machine's time."""
    return value.astimezone().strftime("%a %d %b %H:%M")


def row_key(person: StaffView) -> str:
    """Accounts by id; an invitation (no account yet) by its address."""
    return f"user:{person.user_id}" if person.user_id is not None else f"invite:{person.email}"


def note_text(person: StaffView) -> str:
    """Why an account is disabled, or when an invitation expires (expired)."""
    if person.status is StaffStatus.DISABLED:
        return person.disabled_reason or ""
    if person.invite_expires_at is not None:
        verb = "expired" if person.status is StaffStatus.INVITE_EXPIRED else "expires"
        return f"invitation {verb} {when(person.invite_expires_at)}"
    return ""


def who(person: StaffView) -> str:
    """'Rita Desk <rita@clinic.example>': how notifications and questions name someone."""
    return addressed(person.name, person.email)


def staff_row(person: StaffView) -> tuple[str, tuple[str, ...]]:
    return row_key(person), (
        cut(person.name, NAME_WIDTH), cut(person.email, EMAIL_WIDTH), str(person.role),
        str(person.status), cut(note_text(person), NOTE_WIDTH) or "—",
    )


def detail_text(person: StaffView | None) -> str:
    """The highlighted row in full (the table cuts long cells)."""
    if person is None:
        return ""
    note = note_text(person)
    return f"{who(person)} · {person.role} · {person.status}" + (f": {note}" if note else "")


def counts_line(listed: tuple[StaffView, ...] | None) -> Text:
    """'Staff · 3 · active 1 · disabled 1 · invited 1' (bold figures; our own words only)."""
    line = Text("Staff", style="bold", end="")
    if listed is None:
        return line
    counts = [
        ("active", sum(p.status is StaffStatus.ACTIVE for p in listed)),
        ("disabled", sum(p.status is StaffStatus.DISABLED for p in listed)),
        ("invited", sum(p.status in INVITATIONS for p in listed)),
    ]
    line.append(" · ")
    line.append(str(len(listed)), style="bold")
    for label, count in counts:
        line.append(f" · {label} ")
        line.append(str(count), style="bold")
    return line


#: One change to make as the admin, a use case called as `change(uow, actor=…)`; returns
#: what to say once it is made.
Change = Callable[..., str]


class StaffScreen(CoreCalls, Screen[None]):
    """Reads the staff through a call to core; every change is a call too, answered with the
    list as it is now and a notification naming the person. Core's refusals (the last active
    admin, your own account) are notifications; the list is read again."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add", id="add-staff"),
        Binding("i", "resend", "Resend", id="resend-invite"),
        Binding("x", "disable", "Disable", id="disable-staff"),
        Binding("e", "enable", "Enable", id="enable-staff"),
        Binding("f5", "refresh", "Refresh", show=False, id="refresh-staff"),
        Binding("escape", "back", "Back", id="back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.listed: tuple[StaffView, ...] | None = None
        self._focus_results = True
        #: A change is being made: the keys wait for its answer (a key pressed twice, or
        #: typed while no dialog was open, never sends a second one).
        self._busy = False
        #: How a refusal of the change being made starts ("Could not disable Rita Desk").
        self._refusal = ""
        #: The invitation being sent: a refusal opens the form again with it.
        self._draft: StaffDraft | None = None

    def compose(self) -> ComposeResult:
        yield Header(icon="+")
        with Vertical(classes="home-body"):
            yield Static(counts_line(None), id="staff-counts")
            yield Static(HINT, id="staff-hint")
            yield Static(LOADING, id="staff-empty", classes="empty-state")
            yield DataTable(id="staff-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="staff-detail")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = "Staff"
        table: DataTable[str] = self.query_one("#staff-table", DataTable)
        show_rows(table, COLUMNS, [])
        table.display = False
        self._reload()

    # --- calls to core --------------------------------------------------------------------

    class StaffLoaded(Message):
        """The staff as core lists them now; `note` says what was just done, if anything, and
        the cursor goes to the row `follow` (someone just invited)."""

        def __init__(
            self, listed: list[StaffView], note: str | None = None, *, follow: str | None = None
        ) -> None:
            super().__init__()
            self.listed = tuple(listed)
            self.note = note
            self.follow = follow

    def _reload(self) -> None:
        self.call(self.StaffLoaded, accounts.list_staff, group=READ)

    def _change(self, change: Change) -> None:
        """Make one change and read the staff, in one unit of work; core's refusal of the
        change is this screen's to say (see `_change_failed`)."""

        def change_then_list(uow: UnitOfWork, *, actor: Actor) -> tuple[str, list[StaffView]]:
            note = refusable(change)(uow, actor=actor)
            return note, accounts.list_staff(uow, actor=actor)

        self.call(lambda done: self.StaffLoaded(done[1], done[0]), change_then_list,
                  group=CHANGE, exclusive=False)

    def _invite(self, draft: StaffDraft) -> None:
        def invite_then_list(
            uow: UnitOfWork, *, actor: Actor
        ) -> tuple[InviteView, list[StaffView]]:
            view = refusable(accounts.invite_staff)(uow, actor=actor, email=draft.email,
                                                     name=draft.name, role=draft.role)
            return view, accounts.list_staff(uow, actor=actor)

        def invited(done: tuple[InviteView, list[StaffView]]) -> Message:
            view, listed = done
            note = (f"Invited {view.name} as {view.role}: the invitation is on its way to "
                    f"{view.email}.")
            return self.StaffLoaded(listed, note, follow=f"invite:{view.email}")

        self._draft = draft
        self.call(invited, invite_then_list, group=INVITE, exclusive=False)

    @on(CallFailed)
    def _change_failed(self, message: CallFailed) -> None:
        """Core's refusal of a change is said here, naming the person, and the list is read
        again; a refused invitation opens the form again, with what was typed and why.
        Anything else (the login ended, the database went away) goes on to the app."""
        if message.group not in (CHANGE, INVITE):
            return
        self._busy = False
        refusal = message.refusal
        if refusal is None:
            return
        message.stop()
        if message.group == INVITE and self._draft is not None:
            self._add(self._draft, str(refusal))
            return
        self.notify(f"{self._refusal}: {refusal}.", severity="error", timeout=10, markup=False)
        self._reload()

    # --- results ---------------------------------------------------------------------------

    def on_staff_screen_staff_loaded(self, message: StaffLoaded) -> None:
        if message.note:
            # A change's answer: the keys work again, and its list is newer than a read that
            # started before it.
            self._busy = False
            self.workers.cancel_group(self, READ)
        self.listed = message.listed
        self._show(message.follow)
        if message.note:
            self.notify(message.note, markup=False)

    def on_resize(self) -> None:
        """The columns were fitted to the width there was: fit them to the new one, after the
        layout (the tables' new width is known then)."""
        self.call_after_refresh(self._show)

    def _show(self, follow: str | None = None) -> None:
        self.query_one("#staff-counts", Static).update(counts_line(self.listed))
        table: DataTable[str] = self.query_one("#staff-table", DataTable)
        empty = self.query_one("#staff-empty", Static)
        rows = [staff_row(p) for p in self.listed or ()]
        self._focus_results = show_listing(
            self, table, empty, COLUMNS, rows,
            empty_text=LOADING if self.listed is None else EMPTY, take_focus=self._focus_results,
            follow=follow, fit=True, least=LEAST)
        self._highlight_moved()

    @property
    def highlighted(self) -> StaffView | None:
        """The person (or invitation) under the cursor."""
        table: DataTable[str] = self.query_one("#staff-table", DataTable)
        return item_at_cursor(table, self.listed, row_key)

    # --- actions ---------------------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#staff-table")
    def _highlight_moved(self) -> None:
        self.query_one("#staff-detail", Static).update(detail_text(self.highlighted))
        self.refresh_bindings()

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Each key shows where the highlighted row allows it, greyed out elsewhere."""
        if action not in ("resend", "disable", "enable"):
            return True
        person = self.highlighted
        if person is None:
            return False
        if action == "resend":
            return person.status in INVITATIONS or None
        wanted = StaffStatus.ACTIVE if action == "disable" else StaffStatus.DISABLED
        return (person.user_id is not None and person.status is wanted) or None

    def _add(self, draft: StaffDraft | None = None, error: str | None = None) -> None:
        def answered(form: StaffDraft | None) -> None:
            if form is not None and not self._busy:
                self._busy = True
                self._invite(form)

        self.app.push_screen(AddStaffDialog(draft, error=error), answered)

    def _start(self, change: Change, refusal: str) -> None:
        """Make `change`, unless one is being made; a refusal is said starting with
        `refusal`."""
        if self._busy:
            return
        self._busy = True
        self._refusal = refusal
        self._change(change)

    def action_add(self) -> None:
        if not self._busy:
            self._add()

    def action_resend(self) -> None:
        if self._busy:
            return
        person = self.highlighted
        if person is None or person.status not in INVITATIONS:
            return

        def resend(uow: UnitOfWork, *, actor: Actor) -> str:
            view = accounts.resend_staff_invite(uow, actor=actor, email=person.email)
            return f"Invitation sent again to {addressed(view.name, view.email)}."

        self._start(resend, f"Could not resend the invitation to {person.name}")

    def action_disable(self) -> None:
        if self._busy:
            return
        person = self.highlighted
        if person is None or person.user_id is None or person.status is not StaffStatus.ACTIVE:
            return
        user_id = person.user_id

        def disable_for(reason: str) -> None:
            def disable(uow: UnitOfWork, *, actor: Actor) -> str:
                accounts.set_staff_active(uow, actor=actor, ref=user_id, active=False,
                                          reason=reason)
                return f"{person.name} is disabled: their logins ended."

            self._start(disable, f"Could not disable {person.name}")

        ask_reason(self, title=f"Disable {who(person)}?",
                   label="Why? Other admins see it; their logins end now.", submit="Disable",
                   asked_again=ASK_WHY, then=disable_for)

    def action_enable(self) -> None:
        if self._busy:
            return
        person = self.highlighted
        if person is None or person.user_id is None or person.status is not StaffStatus.DISABLED:
            return
        user_id = person.user_id

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return

            def enable(uow: UnitOfWork, *, actor: Actor) -> str:
                accounts.set_staff_active(uow, actor=actor, ref=user_id, active=True)
                return f"{person.name} is enabled: they can log in again."

            self._start(enable, f"Could not enable {person.name}")

        self.app.push_screen(
            ConfirmDialog(f"Enable {who(person)}? They can log in again as {person.role}.",
                          confirm="Enable", title="Enable an account"),
            confirmed,
        )

    def action_refresh(self) -> None:
        self._reload()

    def action_back(self) -> None:
        self.dismiss()
