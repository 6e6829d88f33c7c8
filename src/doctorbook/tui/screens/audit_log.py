"""Admin: the audit log — who did what to which record, newest first, filtered by the record
(`appointment` or `appointment:12`), by who acted (their e-mail) and from which day on."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input

from doctorbook.core.base import audit
from doctorbook.core.base.audit import AuditView
from doctorbook.tui.calls import CoreCalls
from doctorbook.tui.dialogs.detail import DetailDialog
from doctorbook.tui.widgets.plain import Label, Static
from doctorbook.tui.widgets.tables import (
    MAX_WIDTH,
    key_at_cursor,
    show_rows,
    show_rows_keeping_cursor,
)

COLUMNS = ("Time", "Actor", "Action", "Entity", "Data")
LOADING = "Loading the audit log…"
EMPTY = "No audit entries match."
HINT = "Enter applies the filters, or shows an entry whole · / back to the filters"
#: At most this many entries are listed (newest first).
LIMIT = 200
#: Long record ids (a session's UUID) are cut to this in the table; Enter shows them whole.
ENTITY_WIDTH = 22


class FilterError(ValueError):
    """A filter that can't be used as typed; the message says how to write it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        #: The id of the input to put right.
        self.field = field


@dataclass(frozen=True)
class AuditFilter:
    entity_kind: str | None = None
    entity_id: str | None = None
    actor_email: str | None = None
    since: date | None = None

    @property
    def since_instant(self) -> datetime | None:
        """Midnight of `since` in this machine's zone, the zone the times are shown in."""
        return None if self.since is None else datetime.combine(self.since, time()).astimezone()


def parse_entity(text: str) -> tuple[str | None, str | None]:
    """`appointment:12` -> ("appointment", "12"); `appointment` alone is every one of them."""
    text = text.strip()
    if not text:
        return None, None
    kind, sep, ident = text.partition(":")
    kind, ident = kind.strip().lower(), ident.strip()
    if not kind or (sep and not ident) or " " in kind or " " in ident:
        raise FilterError(
            "audit-entity", f"Entity must be KIND or KIND:ID, e.g. appointment:12, not {text!r}."
        )
    return kind, ident or None


def parse_since(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FilterError(
            "audit-since", f"Since must be a date written YYYY-MM-DD, not {text!r}."
        ) from None


def parse_filter(entity: str, actor_email: str, since: str) -> AuditFilter:
    kind, ident = parse_entity(entity)
    email = actor_email.strip()
    if email and ("@" not in email or " " in email):
        raise FilterError("audit-actor", f"Actor must be an e-mail address, not {email!r}.")
    return AuditFilter(kind, ident, email or None, parse_since(since))


def cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def actor_text(entry: AuditView) -> str:
    if entry.actor_id is None:
        return "anonymous"
    return f"#{entry.actor_id} {entry.actor_role or ''}".strip()


def entity_text(entry: AuditView) -> str:
    if entry.entity_kind is None:
        return "—"
    return entry.entity_kind + (f":{entry.entity_id}" if entry.entity_id is not None else "")


#: Long words of record kinds and actions, shortened in the table (80 columns): the
#: "appointment.cancelled" of an "appointment:12" is "appt.cancelled" of "appt:12". The line
#: under the table and Enter show them whole.
SHORT = (("appointment", "appt"), ("specialty", "spec"))


def short(text: str) -> str:
    for word, abbreviation in SHORT:
        text = text.replace(word, abbreviation)
    return text


def zone_name() -> str:
    """The zone the times are shown in (this machine's, where the admin is), e.g. "CET"."""
    return datetime.now().astimezone().strftime("%Z") or "local time"


def columns() -> tuple[str, ...]:
    """The headings; the time's says its zone."""
    return (f"Time ({zone_name()})", *COLUMNS[1:])


def entry_row(entry: AuditView) -> tuple[str, tuple[str, ...]]:
    return str(entry.id), (
        entry.at.astimezone().strftime("%Y-%m-%d %H:%M"), actor_text(entry), short(entry.action),
        short(cut(entity_text(entry), ENTITY_WIDTH)), entry.data_text or "—",
    )


def detail_text(entry: AuditView | None) -> str:
    """The highlighted entry whole but its data, under the table: what the table cut."""
    if entry is None:
        return ""
    when = entry.at.astimezone().strftime("%a %Y-%m-%d %H:%M %Z")
    return (f"{when} · {actor_text(entry)} · {entry.action} · {entity_text(entry)}"
            f" · {entry.data_text or '—'}")


def details(entry: AuditView) -> DetailDialog:
    facts = [
        ("Time", entry.at.astimezone().strftime("%a %Y-%m-%d %H:%M:%S %Z")),
        ("Actor", actor_text(entry)),
        ("Action", entry.action),
        ("Entity", entity_text(entry)),
    ]
    data = json.dumps(entry.data, indent=2, ensure_ascii=False, sort_keys=True, default=str)
    return DetailDialog(
        title=f"Audit entry {entry.id}", facts=facts, text_label="Data", text=data,
    )


# CoreCalls after the screen class: Textual takes a screen's CSS from its first DOMNode base.
class AuditLogScreen(Screen[None], CoreCalls):
    """Reads the entries by a call to core whenever the filters are applied (Enter in one of them);
    a filter that can't be read is said under the filters and nothing is asked of core."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filters", "Filters", id="audit-filters"),
        Binding("f5", "refresh", "Refresh", id="refresh-audit"),
        Binding("escape", "back", "Back", id="back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filter = AuditFilter()
        self.entries: tuple[AuditView, ...] | None = None
        #: After filters are applied from the keyboard, the results get the focus.
        self._focus_results = False

    def compose(self) -> ComposeResult:
        yield Header(icon="+")
        with Vertical(classes="home-body"):
            with Horizontal(id="audit-filter-row"):
                yield Label("Entity", classes="inline-label")
                yield Input(placeholder="appointment:12", id="audit-entity")
                yield Label("Actor", classes="inline-label audit-label")
                yield Input(placeholder="e-mail", id="audit-actor")
                yield Label("Since", classes="inline-label audit-label")
                yield Input(placeholder="YYYY-MM-DD", id="audit-since")
            yield Static(HINT, id="audit-hint", markup=False)
            yield Static(LOADING, id="audit-empty", classes="empty-state")
            yield DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="audit-detail")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = "Audit log"
        table: DataTable[str] = self.query_one("#audit-table", DataTable)
        show_rows(table, columns(), [])
        table.display = False
        self.query_one("#audit-entity", Input).focus()
        self._reload()

    # --- the call to core ------------------------------------------------------------------

    class AuditLoaded(Message):
        """The entries matching the filters the screen asked with."""

        def __init__(self, entries: list[AuditView]) -> None:
            super().__init__()
            self.entries = tuple(entries)

    def _reload(self) -> None:
        """Read the entries again; a read still on its way is dropped (the call is exclusive),
        so a slow answer to older filters never replaces a newer one."""
        wanted = self.filter
        self.call(self.AuditLoaded, audit.list_entries, entity_kind=wanted.entity_kind,
                  entity_id=wanted.entity_id, actor_email=wanted.actor_email,
                  since=wanted.since_instant, limit=LIMIT)

    # --- results ---------------------------------------------------------------------------

    def on_audit_log_screen_audit_loaded(self, message: AuditLoaded) -> None:
        self.entries = message.entries
        self._show()

    def on_resize(self) -> None:
        """The columns were fitted to the width there was: fit them to the new one, after the
        layout (the tables' new width is known then)."""
        self.call_after_refresh(self._show)

    def _show(self) -> None:
        table: DataTable[str] = self.query_one("#audit-table", DataTable)
        empty = self.query_one("#audit-empty", Static)
        rows = [entry_row(e) for e in self.entries or ()]
        headers = columns()
        # The time, who and what stay readable; the record and its data give way first.
        show_rows_keeping_cursor(table, headers, rows, fit=True,
                                 least={headers[0]: MAX_WIDTH, "Actor": 12, "Action": 16})
        empty.update(LOADING if self.entries is None else EMPTY)
        empty.display = not rows
        table.display = bool(rows)
        if self.entries is not None:
            focus_results, self._focus_results = self._focus_results, False
            if rows and self.is_current and (
                focus_results or self.focused is None or not self.focused.display
            ):
                table.focus()
        self._show_detail()
        self.refresh_bindings()

    @on(DataTable.RowHighlighted, "#audit-table")
    def _show_detail(self) -> None:
        self.query_one("#audit-detail", Static).update(detail_text(self.highlighted))

    @property
    def highlighted(self) -> AuditView | None:
        """The entry under the cursor."""
        table: DataTable[str] = self.query_one("#audit-table", DataTable)
        if not self.entries or not table.display:
            return None
        key = key_at_cursor(table)
        return next((e for e in self.entries if str(e.id) == key), None)

    # --- filters and actions ---------------------------------------------------------------

    def _say(self, error: str | None) -> None:
        """The hint under the filters, or what is wrong with one of them."""
        hint = self.query_one("#audit-hint", Static)
        hint.update(HINT if error is None else error)
        hint.set_class(error is not None, "-error")

    @on(Input.Submitted)
    def _apply(self) -> None:
        try:
            wanted = parse_filter(
                self.query_one("#audit-entity", Input).value,
                self.query_one("#audit-actor", Input).value,
                self.query_one("#audit-since", Input).value,
            )
        except FilterError as error:
            self._say(str(error))
            self.query_one(f"#{error.field}", Input).focus()
            return
        self._say(None)
        self.filter = wanted
        self._focus_results = True
        self.entries = None
        self._show()
        self._reload()

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "filters":
            # In a filter, / is typed; in the results it goes back up to the filters.
            return not isinstance(self.focused, Input)
        return True

    @on(DataTable.RowSelected, "#audit-table")
    def _show_details(self) -> None:
        entry = self.highlighted
        if entry is not None:
            self.app.push_screen(details(entry))

    def action_filters(self) -> None:
        self.query_one("#audit-entity", Input).focus()

    def action_refresh(self) -> None:
        self._reload()

    def action_back(self) -> None:
        self.dismiss()
