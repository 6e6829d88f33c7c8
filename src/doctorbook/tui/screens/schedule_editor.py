"""The doctor's weekly hours and upcoming exceptions: add, remove, and regenerate the slots."""

from __future__ import annotations

from datetime import time
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header

from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.rbac import Actor
from doctorbook.core.scheduling import schedule, slots
from doctorbook.core.scheduling.schedule import ExceptionView, RuleView, ScheduleView
from doctorbook.core.scheduling.slots import BookedConflict, GenerationReport
from doctorbook.tui.calls import CoreCalls
from doctorbook.tui.dialogs.confirm import ConfirmDialog
from doctorbook.tui.dialogs.exception_form import KIND_LABELS, ExceptionDialog, ExceptionForm
from doctorbook.tui.dialogs.rule_form import DAY_NAMES, RuleDialog, RuleForm
from doctorbook.tui.widgets.plain import Label, Static
from doctorbook.tui.widgets.tables import MAX_WIDTH, key_at_cursor, show_rows_keeping_cursor

#: The calls that change the schedule: not exclusive (a second change must not silence the
#: first one's answer); a refusal goes to the app, which says it.
CHANGE = "change"
LOADING = "Loading your schedule…"
NO_RULES = "No weekly hours yet. Press a to add some."
NO_EXCEPTIONS = "No exceptions from today on. Press x to add a day off or other hours."
RULE_COLUMNS = ("Weekday", "Hours", "Slot", "Valid from", "Valid until")
EXCEPTION_COLUMNS = ("Date", "Kind", "Hours", "Reason")
EXCEPTIONS_TITLE = "Exceptions from today on (x add · d remove)"
AFTER_EDIT = "Press g to update your open slots."
#: Booked appointments named in the warning after generating; the rest are counted.
CONFLICTS_NAMED = 3


def hours(start: time | None, end: time | None) -> str:
    return f"{start:%H:%M}-{end:%H:%M}"


def describe_rule(rule: RuleView | RuleForm) -> str:
    """'Monday 09:00-13:00', for a rule shown or one just typed."""
    start = rule.start_time if isinstance(rule, RuleView) else rule.start
    end = rule.end_time if isinstance(rule, RuleView) else rule.end
    return f"{DAY_NAMES[rule.weekday]} {hours(start, end)}"


def describe_exception(exc: ExceptionView | ExceptionForm, article: str = "a") -> str:
    """'a day off on Mon 2026-12-07' or 'extra hours 14:00-16:00 on Mon 2026-12-07'."""
    day = exc.date if isinstance(exc, ExceptionView) else exc.day
    start = exc.start_time if isinstance(exc, ExceptionView) else exc.start
    end = exc.end_time if isinstance(exc, ExceptionView) else exc.end
    what = f"{article} day off" if exc.kind == "off" else (
        f"{KIND_LABELS[exc.kind].lower()} {hours(start, end)}")
    return f"{what} on {day:%a %Y-%m-%d}"


def rule_row(rule: RuleView) -> tuple[str, tuple[str, ...]]:
    return str(rule.id), (
        DAY_NAMES[rule.weekday], hours(rule.start_time, rule.end_time),
        f"{rule.slot_minutes} min",
        rule.valid_from.isoformat() if rule.valid_from else "—",
        rule.valid_until.isoformat() if rule.valid_until else "—",
    )


def exception_row(exc: ExceptionView) -> tuple[str, tuple[str, ...]]:
    when = "—"
    if exc.kind != "off":
        when = hours(exc.start_time, exc.end_time)
        if exc.slot_minutes:
            when += f", {exc.slot_minutes} min"
    return str(exc.id), (
        f"{exc.date:%a %Y-%m-%d}", KIND_LABELS.get(exc.kind, exc.kind), when, exc.reason or "",
    )


def rules_title(view: ScheduleView | None) -> str:
    if view is None:
        return "Weekly hours"
    zone = f"{view.timezone} time" if view.timezone else "no timezone set"
    return f"Weekly hours, {zone} (a add · d remove)"


def generated_text(report: GenerationReport) -> str:
    created = report.created
    return f"{created} slot{'s' if created != 1 else ''} created, {report.removed} removed."


def conflicts_text(conflicts: tuple[BookedConflict, ...]) -> str:
    """How many booked appointments the schedule no longer covers, and the first of them."""
    count = len(conflicts)
    named = ", ".join(
        f"{c.local_start:%a %d %b %H:%M} ({c.reason})" for c in conflicts[:CONFLICTS_NAMED]
    )
    more = f" and {count - CONFLICTS_NAMED} more" if count > CONFLICTS_NAMED else ""
    appointments = "appointment is" if count == 1 else "appointments are"
    return (
        f"{count} booked {appointments} no longer covered by your schedule: {named}{more}. "
        "They were kept; cancel or move them if you won't be there."
    )


class ScheduleEditorScreen(CoreCalls, Screen[None]):
    """Loads the logged-in doctor's schedule through a call to core; every change is a call
    too, answered with the schedule as it is now."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # a and x are named in the section titles: with them the key bar wouldn't fit 80 columns.
        Binding("a", "add_rule", "Add weekly hours", show=False, id="add-rule"),
        Binding("x", "add_exception", "Add an exception", show=False, id="add-exception"),
        Binding("d,delete", "remove", "Remove", id="remove-schedule-entry"),
        Binding("g", "generate", "Update slots", id="generate-slots"),
        Binding("escape", "back", "Back", id="back"),
    ]

    view: reactive[ScheduleView | None] = reactive(None, init=False)

    def __init__(self) -> None:
        super().__init__()
        #: What was typed into a dialog that core then refused: the next dialog starts from it.
        self.rule_draft: RuleForm | None = None
        self.exception_draft: ExceptionForm | None = None

    def compose(self) -> ComposeResult:
        yield Header(icon="+")
        with Vertical(classes="home-body"):
            yield Label("Weekly hours", id="rules-title", classes="screen-title")
            yield Static(LOADING, id="rules-empty", classes="schedule-empty")
            yield DataTable(id="rules-table", cursor_type="row", zebra_stripes=True)
            yield Label(EXCEPTIONS_TITLE, classes="section-title")
            yield Static(LOADING, id="exceptions-empty", classes="schedule-empty")
            yield DataTable(id="exceptions-table", cursor_type="row", zebra_stripes=True)
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = "My schedule"
        for selector in ("#rules-table", "#exceptions-table"):
            self.query_one(selector, DataTable).display = False
        self.call(self.ScheduleLoaded, schedule.show_schedule)

    # --- calls to core --------------------------------------------------------------------

    class ScheduleLoaded(Message):
        """The doctor's schedule, after a change (`note` says which; `saved` is the form
        core accepted) or when asked for."""

        def __init__(
            self,
            view: ScheduleView,
            note: str | None = None,
            saved: RuleForm | ExceptionForm | None = None,
        ) -> None:
            super().__init__()
            self.view = view
            self.note = note
            self.saved = saved

    class SlotsGenerated(Message):
        """The doctor's own open slots were generated from the schedule, shown as `view`."""

        def __init__(self, report: GenerationReport, view: ScheduleView) -> None:
            super().__init__()
            self.report = report
            self.view = view

    # Each change and the schedule as it is after it: one unit of work.

    def _add_rule(self, form: RuleForm) -> None:
        def add_then_read(uow: UnitOfWork, *, actor: Actor) -> tuple[RuleView, ScheduleView]:
            rule = schedule.add_rule(
                uow, actor=actor, weekday=form.weekday, start=form.start, end=form.end,
                slot_minutes=form.slot_minutes, valid_from=form.valid_from,
                valid_until=form.valid_until,
            )
            return rule, schedule.show_schedule(uow, actor=actor)

        def added(done: tuple[RuleView, ScheduleView]) -> Message:
            rule, view = done
            return self.ScheduleLoaded(view, f"Added {describe_rule(rule)}. {AFTER_EDIT}", form)

        self.call(added, add_then_read, group=CHANGE, exclusive=False)

    def _add_exception(self, form: ExceptionForm) -> None:
        def add_then_read(
            uow: UnitOfWork, *, actor: Actor
        ) -> tuple[ExceptionView, ScheduleView]:
            exc = schedule.add_exception(
                uow, actor=actor, on=form.day, kind=form.kind, start=form.start, end=form.end,
                reason=form.reason,
            )
            return exc, schedule.show_schedule(uow, actor=actor)

        def added(done: tuple[ExceptionView, ScheduleView]) -> Message:
            exc, view = done
            return self.ScheduleLoaded(view, f"Added {describe_exception(exc)}. {AFTER_EDIT}",
                                       form)

        self.call(added, add_then_read, group=CHANGE, exclusive=False)

    def _remove(self, entry: RuleView | ExceptionView) -> None:
        def remove_then_read(uow: UnitOfWork, *, actor: Actor) -> ScheduleView:
            if isinstance(entry, RuleView):
                schedule.remove_rule(uow, actor=actor, rule_id=entry.id)
            else:
                schedule.remove_exception(uow, actor=actor, exception_id=entry.id)
            return schedule.show_schedule(uow, actor=actor)

        what = (describe_rule(entry) if isinstance(entry, RuleView)
                else describe_exception(entry, "the"))
        self.call(lambda view: self.ScheduleLoaded(view, f"Removed {what}. {AFTER_EDIT}"),
                  remove_then_read, group=CHANGE, exclusive=False)

    def _generate(self) -> None:
        def generate_then_read(
            uow: UnitOfWork, *, actor: Actor
        ) -> tuple[GenerationReport, ScheduleView]:
            report = slots.generate(uow, actor=actor)
            # The schedule the slots came from, should it have changed elsewhere (the CLI).
            return report, schedule.show_schedule(uow, actor=actor)

        self.call(lambda done: self.SlotsGenerated(*done), generate_then_read, group=CHANGE,
                  exclusive=False)

    # --- results ---------------------------------------------------------------------------

    def on_schedule_editor_screen_schedule_loaded(self, message: ScheduleLoaded) -> None:
        if message.saved is not None:
            if message.saved == self.rule_draft:
                self.rule_draft = None
            if message.saved == self.exception_draft:
                self.exception_draft = None
        self.view = message.view
        if message.note:
            self.notify(message.note, markup=False)

    def on_schedule_editor_screen_slots_generated(self, message: SlotsGenerated) -> None:
        report = message.report
        self.notify(generated_text(report), markup=False)
        if report.conflicts:
            self.notify(
                conflicts_text(report.conflicts), severity="warning", timeout=15, markup=False
            )
        self.view = message.view

    def on_resize(self) -> None:
        """The columns were fitted to the width there was: fit them to the new one, after the
        layout (the tables' new width is known then)."""
        self.call_after_refresh(lambda: self.watch_view(self.view))

    def watch_view(self, view: ScheduleView | None) -> None:
        self.query_one("#rules-title", Label).update(rules_title(view))
        focused = self.focused
        self._fill("rules", RULE_COLUMNS,
                   [rule_row(r) for r in view.rules] if view else None, NO_RULES)
        self._fill("exceptions", EXCEPTION_COLUMNS,
                   [exception_row(e) for e in view.exceptions] if view else None, NO_EXCEPTIONS)
        if self.is_current and (focused is None or not focused.display):
            for selector in ("#rules-table", "#exceptions-table"):
                table = self.query_one(selector, DataTable)
                if table.display:
                    table.focus()
                    break
        self.refresh_bindings()

    def _fill(
        self,
        name: str,
        columns: tuple[str, ...],
        rows: list[tuple[str, tuple[str, ...]]] | None,
        empty_text: str,
    ) -> None:
        """Show `rows` in a table, keeping the cursor on the same entry (or row), or say why
        there are none."""
        table: DataTable[str] = self.query_one(f"#{name}-table", DataTable)
        empty = self.query_one(f"#{name}-empty", Static)
        # At 80 columns a long reason is what gives way (ending in "…"), never a date or hours.
        show_rows_keeping_cursor(table, columns, rows or [], fit=True,
                                 least={c: MAX_WIDTH for c in columns if c != "Reason"})
        empty.update(LOADING if rows is None else empty_text)
        empty.display = not rows
        table.display = bool(rows)

    @property
    def selected(self) -> RuleView | ExceptionView | None:
        """The rule or exception under the cursor of the table that has the focus."""
        view = self.view
        if view is None:
            return None
        entries: tuple[RuleView, ...] | tuple[ExceptionView, ...]
        for selector, entries in (("#rules-table", view.rules),
                                  ("#exceptions-table", view.exceptions)):
            table: DataTable[str] = self.query_one(selector, DataTable)
            if table.has_focus:
                key = key_at_cursor(table)
                return next((e for e in entries if str(e.id) == key), None)
        return None

    @on(DataTable.RowHighlighted)
    def _highlight_moved(self) -> None:
        self.refresh_bindings()

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "remove":
            return self.selected is not None
        if action in ("add_rule", "add_exception", "generate"):
            return self.view is not None or None
        return True

    # --- actions ---------------------------------------------------------------------------

    def action_add_rule(self) -> None:
        if self.view is None:
            return

        def added(form: RuleForm | None) -> None:
            # Kept until core accepts it; cancelling the dialog throws it away.
            self.rule_draft = form
            if form is not None:
                self._add_rule(form)

        self.app.push_screen(
            RuleDialog(default_slot_minutes=self.view.default_slot_minutes,
                       draft=self.rule_draft),
            added,
        )

    def action_add_exception(self) -> None:
        if self.view is None:
            return

        def added(form: ExceptionForm | None) -> None:
            self.exception_draft = form
            if form is not None:
                self._add_exception(form)

        self.app.push_screen(
            ExceptionDialog(default_slot_minutes=self.view.default_slot_minutes,
                            draft=self.exception_draft),
            added,
        )

    def action_remove(self) -> None:
        entry = self.selected
        if entry is None:
            return
        if isinstance(entry, RuleView):
            question = (f"Remove {describe_rule(entry)} from your weekly hours? "
                        "Booked appointments are kept.")
        else:
            question = f"Remove {describe_exception(entry, 'the')}?"

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._remove(entry)

        self.app.push_screen(ConfirmDialog(question, confirm="Remove"), confirmed)

    def action_generate(self) -> None:
        if self.view is None:
            return
        if not self.view.timezone:
            self.notify(
                "Set your clinic's timezone in your profile first (p on the home screen).",
                severity="warning",
            )
            return
        self._generate()

    def action_back(self) -> None:
        self.dismiss()
