"""Options several commands share, declared once so their names and help never drift."""

from __future__ import annotations

from typing import Annotated

import typer

Email = Annotated[str, typer.Option("--email", help="The e-mail address.")]
Name = Annotated[str, typer.Option("--name", help="The full name.")]
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input.")
]
JsonOutput = Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")]
OverridePolicy = Annotated[bool, typer.Option(
    "--override-policy",
    help="Desk staff: book despite the doctor's minimum notice (audited).")]
