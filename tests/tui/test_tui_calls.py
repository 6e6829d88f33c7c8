"""Issue 13, part 1: screens, dialogs and widgets run core's use cases through `CoreCalls.call`
(tui/calls.py): a thread worker per call, exclusive per screen and group, its answer a message
the screen handles and its failure a `CallFailed` that bubbles to the app. No hand-made
request counters, no hand-built `Worker.StateChanged`, no branching on worker names, no
SQLAlchemy in a screen."""

from __future__ import annotations

import re
from pathlib import Path

TUI = Path(__file__).resolve().parents[2] / "src" / "doctorbook" / "tui"
#: What part 1 removed, and must not come back.
FORBIDDEN = {
    "a thread worker of its own (use self.call)": re.compile(r"@work\("),
    "a hand-built Worker.StateChanged": re.compile(r"Worker\.StateChanged\("),
    "a branch on a worker's name": re.compile(r"worker\.name\s*(?:==|!=|in\b|not in\b)"),
    "a hand-made request counter": re.compile(r"self\._requests\b|self\._generation\b"),
    "SQLAlchemy in a screen": re.compile(r"^\s*(?:from|import) sqlalchemy"),
}


def test_screens_dialogs_and_widgets_call_core_only_through_call() -> None:
    found = []
    for folder in ("screens", "dialogs", "widgets"):
        for path in sorted((TUI / folder).glob("*.py")):
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                for what, pattern in FORBIDDEN.items():
                    if pattern.search(line):
                        found.append(f"{path.relative_to(TUI)}:{number} {what}: {line.strip()}")
    assert found == []


def test_the_scan_finds_what_it_looks_for() -> None:
    lines = {
        "@work(thread=True, exit_on_error=False, group=SESSION_GROUP)": True,
        "self.app.post_message(Worker.StateChanged(event.worker, event.state))": True,
        'if event.worker.name == "_retry":': True,
        "self._requests += 1": True,
        "from sqlalchemy import select": True,
        "self.call(self.DayLoaded, dayview.day_slots, doctor_id=doctor_id, day=day)": False,
        "if message.group == CHANGE and message.refusal is not None:": False,
    }
    for line, forbidden in lines.items():
        assert any(p.search(line) for p in FORBIDDEN.values()) is forbidden, line


def test_every_caller_keeps_its_textual_styles() -> None:
    """Textual takes a node's CSS and component classes from its first DOMNode base: mixing
    `CoreCalls` in must never hide the Screen's (a dialog's dimmed backdrop, the screen's
    selection style that mouse selection needs)."""
    import importlib
    import pkgutil

    from textual.screen import Screen
    from textual.widget import Widget

    from doctorbook import tui
    from doctorbook.tui.calls import CoreCalls

    for module in pkgutil.walk_packages(tui.__path__, "doctorbook.tui."):
        importlib.import_module(module.name)

    def subclasses(cls: type) -> set[type]:
        found = set(cls.__subclasses__())
        return found.union(*(subclasses(c) for c in found))

    callers = subclasses(CoreCalls)
    assert len(callers) > 20
    for caller in callers:
        assert issubclass(caller, Screen | Widget), caller
        bases = caller._css_bases(caller)  # type: ignore[attr-defined]
        assert Screen in bases or Widget in bases, caller
