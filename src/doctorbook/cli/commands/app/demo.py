"""`doctorbook demo`: seed a demo clinic in its own embedded database and open the app."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import typer

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.render import echo, print_table


@translate_errors
def demo(
    open_tui: Annotated[
        bool, typer.Option("--tui/--no-tui", help="Open the app after seeding.")
    ] = True,
) -> None:
    """Create (or reuse) the demo clinic under <home>/demo and print its logins."""
    from doctorbook.core import demo as demo_data
    from doctorbook.core.base.db import open_database

    base = CliContext.from_env().settings
    home = base.home / "demo"
    home.mkdir(parents=True, exist_ok=True)
    # Its own home and embedded server: the demo never touches a real clinic's database.
    settings = dataclasses.replace(base, home=home, config_dir=home, database_url=None,
                                   token=None)
    db = open_database(settings, clock=CliContext(settings).clock)
    try:
        accounts = demo_data.seed(db)
    finally:
        db.dispose()
    print_table(
        f"Demo clinic in {home}",
        ["Role", "Name", "E-mail", "Password"],
        [[str(a.role), a.name, a.email, a.password] for a in accounts],
    )
    # The demo is a database of its own: `doctorbook tui` opens the clinic's, not this one.
    echo(f"The demo's data and server live in {home}; `doctorbook demo` opens it again, "
         "`doctorbook db stop` stops its server.")
    if open_tui:
        from doctorbook.cli.commands.app.terminal import require_terminal
        from doctorbook.tui.launch import run_tui

        require_terminal("demo")

        # One per role (the second patient shares the first one's password): fits 80x24.
        shown = {a.role: a for a in reversed(accounts)}
        hint = "\n".join(
            f"{'Demo' if i == 0 else '':<6}{a.email} / {a.password}  ({a.role})"
            for i, a in enumerate(reversed(list(shown.values())))
        )
        run_tui(settings, kiosk=False, login_hint=hint)
