"""How the patients commands show a patient: no e-mail is "-", never "None"."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from doctorbook.core.accounts.identity import UserView

NONE = "-"


def born_option(help: str) -> Any:
    return typer.Option("--born", metavar="DATE", show_default=False,
                        help=f"{help} 1980-03-12 or 12.03.1980 (day first).")


def born_text(view: UserView) -> str:
    return view.date_of_birth.isoformat() if view.date_of_birth else NONE


def contact_line(view: UserView) -> str:
    """Name, e-mail, phone, date of birth on one line (each "-" when unknown)."""
    return (f"{view.name}, e-mail {view.email or NONE}, phone {view.phone or NONE}, "
            f"born {born_text(view)}")


def named(view: UserView) -> str:
    """"Name <e-mail>", or "Name (patient 12)" for a walk-in without one."""
    return f"{view.name} <{view.email}>" if view.email else f"{view.name} (patient {view.id})"
