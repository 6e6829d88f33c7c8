"""The guard behind "text from users is data" in the TUI: no screen can hand a raw string to a
widget that parses markup, and the widgets they use draw any string literally."""

from __future__ import annotations

import ast
from pathlib import Path

from textual.app import App, ComposeResult

import doctorbook.tui
from doctorbook.tui.widgets.plain import Label, Static

TUI = Path(doctorbook.tui.__file__).parent
#: Textual widgets that read markup in a plain string: ours (widgets/plain.py) replace them.
MARKUP_WIDGETS = {"Static", "Label"}
#: The only places markup is asked for, each over a string built from our own words and numbers.
MARKUP_ALLOWED = {("outbox.py", "counts_text"), ("doctors_admin.py", "counts_text")}


def modules() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text())) for path in sorted(TUI.rglob("*.py"))]


def test_no_module_uses_textuals_own_static_or_label() -> None:
    offenders = [
        f"{path.relative_to(TUI)}:{node.lineno}"
        for path, tree in modules() if path.name != "plain.py"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "textual.widgets"
        and {alias.name for alias in node.names} & MARKUP_WIDGETS
    ]
    assert offenders == [], "import Static/Label from doctorbook.tui.widgets.plain instead"


def test_markup_is_read_only_from_our_own_words() -> None:
    offenders = []
    for path, tree in modules():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            asks = [k for k in node.keywords if k.arg == "markup"
                    and isinstance(k.value, ast.Constant) and k.value.value is True]
            if not asks:
                continue
            first = node.args[0] if node.args else None
            built_by = (first.func.id if isinstance(first, ast.Call)
                        and isinstance(first.func, ast.Name) else None)
            if (path.name, built_by) not in MARKUP_ALLOWED:
                offenders.append(f"{path.relative_to(TUI)}:{node.lineno}")
    assert offenders == []


class Shows(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("Eve [/bold] Evil [link=file:///etc/passwd]x[/link]", id="static")
        yield Label("rash [/]\x1b[2J\u202e", id="label")


async def test_our_static_and_label_draw_any_string_literally() -> None:
    app = Shows()
    async with app.run_test() as pilot:
        await pilot.pause()
        static = app.query_one("#static", Static)
        label = app.query_one("#label", Label)
        assert str(static.render()) == "Eve [/bold] Evil [link=file:///etc/passwd]x[/link]"
        assert str(label.render()) == "rash [/]\ufffd[2J\ufffd"
        label.update("[/]\x07")
        assert str(label.render()) == "[/]\ufffd"
