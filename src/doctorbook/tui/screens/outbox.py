"""Admin: the e-mail outbox — how many messages are in each status, the messages of one status
(failed ones first of all, with their last error), and putting a failed one back in the queue."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Select

from doctorbook.core.base import live
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.live import Changes
from doctorbook.core.base.rbac import Actor
from doctorbook.core.mail import admin as outbox_admin
from doctorbook.core.mail.admin import STATUSES, OutboxView
from doctorbook.tui.calls import CallFailed, CoreCalls
from doctorbook.tui.dialogs.confirm import ConfirmDialog
from doctorbook.tui.dialogs.detail import DetailDialog
from doctorbook.tui.widgets.plain import Label, Static
from doctorbook.tui.widgets.tables import (
    MAX_WIDTH,
    item_at_cursor,
    show_listing,
    show_rows,
)

#: The calls: reading the outbox (a newer read replaces one on its way), and retries (each
#: answered with the outbox; a refused one makes it be read again).
READ = "read"
CHANGE = "change"
ALL = "all"
#: The filter's choices; the screen opens on every message, pending ones included (the
#: counts above say how many failed; "Failed" is one choice away).
STATUS_OPTIONS: tuple[tuple[str, str], ...] = (
    ("All statuses", ALL), *((status.capitalize(), status) for status in STATUSES),
)
DEFAULT_STATUS = ALL
#: Every column fits 80 columns (the long ones cut short); the line under the table shows
#: the highlighted message's recipient, subject, kind and error whole. The last heading
#: names the zone of its times (see `columns`).
COLUMNS = ("ID", "Status", "Tries", "To", "Subject", "Last error", "Next / sent")
#: Short columns never cut at 80 columns (nor the time): recipient, subject and error give way.
KEPT_WHOLE = ("ID", "Status", "Tries")
LOADING = "Loading the outbox…"
HINT = "Enter: details · r: retry a failed e-mail"
#: Long cells are cut to this many characters in the table; Enter shows them whole.
TO_WIDTH = 22
ERROR_WIDTH = 30
SUBJECT_WIDTH = 30
#: At most this many messages are listed (newest first).
LIMIT = 200


def when(value: datetime | None) -> str:
    """'Tue 24 Nov 10:00' in this machine's time."""
    return "—" if value is None else value.astimezone().strftime("%a %d %b %H:%M")


def full_time(value: datetime | None) -> str:
    return "—" if value is None else value.astimezone().strftime("%a %Y-%m-%d %H:%M:%S %Z")


def cut(text: str | None, width: int) -> str:
    """The first line of `text`, ending in an ellipsis past `width` characters."""
    line = " ".join((text or "").split())
    return line if len(line) <= width else line[: width - 1].rstrip() + "…"


def attempts(message: OutboxView) -> str:
    return (str(message.attempts) if message.max_attempts is None
            else f"{message.attempts}/{message.max_attempts}")


def next_or_sent(message: OutboxView) -> str:
    """When a queued message is due, or when a sent one went; failed and cancelled: nothing."""
    if message.status == "sent":
        return when(message.sent_at)
    if message.status in ("pending", "sending"):
        return when(message.next_attempt_at)
    return "—"


def columns() -> tuple[str, ...]:
    """The headings; the times' says their zone (this machine's, where the admin is)."""
    zone = datetime.now().astimezone().strftime("%Z") or "local"
    return (*COLUMNS[:-1], f"{COLUMNS[-1]} ({zone})")


def message_row(message: OutboxView) -> tuple[str, tuple[str, ...]]:
    return str(message.id), (
        str(message.id), message.status, attempts(message), cut(message.to, TO_WIDTH),
        cut(message.subject, SUBJECT_WIDTH), cut(message.last_error, ERROR_WIDTH) or "—",
        next_or_sent(message),
    )


def detail_text(message: OutboxView | None) -> str:
    """The highlighted message under the table, what its row cut short: recipient, kind,
    subject, error (Enter shows everything)."""
    if message is None:
        return ""
    to = f"{message.to_name} <{message.to}>" if message.to_name else message.to
    error = f" · {cut(message.last_error, 200)}" if message.last_error else ""
    return f"{to} · {message.kind} · {message.subject}{error}"


def counts_text(counts: dict[str, int] | None) -> str:
    """'Outbox · Pending 3 · Sending 0 · Sent 12 · Failed 2 · Cancelled 0' (markup: the
    numbers bold, failures in red)."""
    if counts is None:
        return "[b]Outbox[/b]"
    parts = []
    for status in STATUSES:
        count = counts.get(status, 0)
        style = "b $error" if status == "failed" and count else "b"
        parts.append(f"{status.capitalize()} [{style}]{count}[/]")
    return "[b]Outbox[/b] · " + " · ".join(parts)


def empty_text(status: str) -> str:
    return "The outbox is empty." if status == ALL else f"No {status} e-mails."


def details(message: OutboxView) -> DetailDialog:
    to = f"{message.to_name} <{message.to}>" if message.to_name else message.to
    entity = (message.entity_kind or "") + (f":{message.entity_id}" if message.entity_id else "")
    facts = [
        ("Status", message.status),
        ("Kind", message.kind),
        ("To", to),
        ("Subject", message.subject),
        ("Attempts", attempts(message)),
        ("Created", full_time(message.created_at)),
    ]
    if message.status in ("pending", "sending"):
        facts.append(("Next attempt", full_time(message.next_attempt_at)))
    if message.sent_at is not None:
        facts.append(("Sent", full_time(message.sent_at)))
    if message.provider_message_id:
        facts.append(("Provider id", message.provider_message_id))
    if message.entity_kind:
        facts.append(("About", entity))
    return DetailDialog(
        title=f"E-mail {message.id}", facts=facts, text_label="Last error",
        text=message.last_error or "—",
    )


def read_outbox(
    uow: UnitOfWork, *, actor: Actor, status: str
) -> tuple[dict[str, int], tuple[OutboxView, ...]]:
    """What the screen shows: the counts by status, and the newest messages of `status`."""
    counts = outbox_admin.count_by_status(uow, actor=actor)
    messages = outbox_admin.list_messages(
        uow, actor=actor, status=None if status == ALL else status, limit=LIMIT
    )
    return counts, tuple(messages)


class OutboxScreen(CoreCalls, Screen[None]):
    """Reads the counts and the messages through a call to core; a retry is a call too,
    answered with the outbox as it is now."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "retry", "Retry", id="retry-email"),
        Binding("f5", "refresh", "Refresh", id="refresh-outbox"),
        Binding("escape", "back", "Back", id="back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.status = DEFAULT_STATUS
        self.counts: dict[str, int] | None = None
        self.messages: tuple[OutboxView, ...] | None = None
        #: The messages get the focus when they first show, and after the filter changed.
        self._focus_results = True

    def compose(self) -> ComposeResult:
        yield Header(icon="+")
        with Vertical(classes="home-body"):
            yield Static(counts_text(None), id="outbox-counts", markup=True)
            with Horizontal(id="outbox-filter"):
                yield Label("Show", classes="inline-label")
                yield Select[str](STATUS_OPTIONS, value=DEFAULT_STATUS, allow_blank=False,
                                  id="outbox-status")
                yield Static(HINT, id="outbox-hint")
            yield Static(LOADING, id="outbox-empty", classes="empty-state")
            yield DataTable(id="outbox-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="outbox-detail")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = "Outbox"
        table: DataTable[str] = self.query_one("#outbox-table", DataTable)
        show_rows(table, columns(), [])
        table.display = False
        self._reload()

    # --- calls to core --------------------------------------------------------------------

    class OutboxLoaded(Message):
        """The counts and the messages of `status`; `note` says what was just done, if
        anything."""

        def __init__(
            self,
            status: str,
            found: tuple[dict[str, int], tuple[OutboxView, ...]],
            note: str | None = None,
        ) -> None:
            super().__init__()
            self.status = status
            self.counts, self.messages = found
            self.note = note

    def refresh_data(self, changes: Changes) -> None:
        if changes.touches(live.OUTBOX):
            self._reload()

    def _reload(self) -> None:
        status = self.status
        self.call(lambda found: self.OutboxLoaded(status, found), read_outbox, group=READ,
                  status=status)

    def _retry(self, message: OutboxView) -> None:
        status = self.status

        def retry_then_read(
            uow: UnitOfWork, *, actor: Actor
        ) -> tuple[dict[str, int], tuple[OutboxView, ...]]:
            outbox_admin.retry(uow, actor=actor, outbox_id=message.id)
            return read_outbox(uow, actor=actor, status=status)

        note = f"E-mail {message.id} to {message.to} is back in the queue."
        self.call(lambda found: self.OutboxLoaded(status, found, note), retry_then_read,
                  group=CHANGE, exclusive=False)

    @on(CallFailed)
    def _retry_refused(self, message: CallFailed) -> None:
        """After a refused retry the outbox is read again: the dispatcher or another admin may
        have changed it. (The app, next, says why.)"""
        if message.group == CHANGE and message.refusal is not None:
            self._reload()

    # --- results ---------------------------------------------------------------------------

    def on_outbox_screen_outbox_loaded(self, message: OutboxLoaded) -> None:
        if message.note:
            # A retry's outbox is newer than a read that started before it.
            self.workers.cancel_group(self, READ)
            self.notify(message.note, markup=False)
        if message.status != self.status:
            return  # the admin has picked another status meanwhile: its read is on its way
        self.counts = message.counts
        self.messages = message.messages
        self._show()

    def on_resize(self) -> None:
        """The columns were fitted to the width there was: fit them to the new one, after the
        layout (the tables' new width is known then)."""
        self.call_after_refresh(self._show)

    def _show(self) -> None:
        self.query_one("#outbox-counts", Static).update(counts_text(self.counts))
        table: DataTable[str] = self.query_one("#outbox-table", DataTable)
        empty = self.query_one("#outbox-empty", Static)
        rows = [message_row(m) for m in self.messages or ()]
        self._focus_results = show_listing(
            self, table, empty, columns(), rows,
            empty_text=LOADING if self.messages is None else empty_text(self.status),
            take_focus=self._focus_results, fit=True,
            least={header: MAX_WIDTH for header in (*KEPT_WHOLE, columns()[-1])})
        self._show_detail()
        self.refresh_bindings()

    def _show_detail(self) -> None:
        self.query_one("#outbox-detail", Static).update(detail_text(self.highlighted))

    @property
    def highlighted(self) -> OutboxView | None:
        """The message under the cursor."""
        table: DataTable[str] = self.query_one("#outbox-table", DataTable)
        return item_at_cursor(table, self.messages, lambda m: str(m.id))

    # --- actions ---------------------------------------------------------------------------

    @on(Select.Changed, "#outbox-status")
    def _status_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.status:
            self.status = event.value
            self._focus_results = True
            self.messages = None
            self._show()
            self._reload()

    @on(DataTable.RowHighlighted, "#outbox-table")
    def _highlight_moved(self) -> None:
        self._show_detail()
        self.refresh_bindings()

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry":
            message = self.highlighted
            if message is None:
                return False
            # Shown greyed out on a message that isn't failed: r is there for failed ones.
            return message.status == "failed" or None
        return True

    @on(DataTable.RowSelected, "#outbox-table")
    def _show_details(self) -> None:
        message = self.highlighted
        if message is not None:
            self.app.push_screen(details(message))

    def action_retry(self) -> None:
        message = self.highlighted
        if message is None or message.status != "failed":
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._retry(message)

        self.app.push_screen(
            ConfirmDialog(
                f"Send e-mail {message.id} ({message.kind}) to {message.to} again? It goes back "
                "in the queue with its attempts starting over.",
                confirm="Retry", title="Retry an e-mail",
            ),
            confirmed,
        )

    def action_refresh(self) -> None:
        self._reload()

    def action_back(self) -> None:
        self.dismiss()
