"""`doctorbook account set [--phone P] [--date-of-birth YYYY-MM-DD]`: change your details."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import EXIT_BAD_INPUT, fail, translate_errors
from doctorbook.cli.render import echo


@translate_errors
def set_details(
    phone: Annotated[str | None, typer.Option(
        "--phone", help="Your phone number; an empty value removes it.", show_default=False)]
        = None,
    date_of_birth: Annotated[str | None, typer.Option(
        "--date-of-birth", metavar="YYYY-MM-DD", help="An empty value removes it.",
        show_default=False)] = None,
) -> None:
    """Change your phone number or date of birth."""
    from doctorbook.core.accounts import accounts

    changes: dict[str, Any] = {}
    if phone is not None:
        changes["phone"] = phone or None
    if date_of_birth is not None:
        try:
            changes["date_of_birth"] = date.fromisoformat(date_of_birth) if date_of_birth \
                else None
        except ValueError:
            raise fail(f"--date-of-birth must be YYYY-MM-DD, not {date_of_birth[:40]!r}",
                       EXIT_BAD_INPUT) from None
    view = CliContext.from_env().core.run(accounts.update_own_details, **changes)
    born = view.date_of_birth.isoformat() if view.date_of_birth else "-"
    echo(f"saved: phone {view.phone or '-'}, date of birth {born}")
