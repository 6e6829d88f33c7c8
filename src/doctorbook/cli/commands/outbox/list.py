"""`doctorbook outbox list`: queued, sent and failed e-mails, newest first (admin)."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.ids import MAX_ID
from doctorbook.cli.options import JsonOutput
from doctorbook.cli.render import echo, local_time, print_json, print_table


@translate_errors
def list_outbox(
    status: Annotated[
        str | None,
        typer.Option("--status", help="Only this status: pending, sending, sent, failed, "
                                      "cancelled."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many rows.")] = 100,
    json_output: JsonOutput = False,
) -> None:
    """List e-mails in the outbox, newest first: recipient, status, attempts, last error."""
    from doctorbook.core.mail.admin import list_messages, parse_status

    # Bad input is refused before anything connects or asks who you are.
    wanted = parse_status(status)
    if not 1 <= limit <= MAX_ID:
        from doctorbook.core.base.errors import ValidationError

        raise ValidationError(f"--limit must be a whole number from 1 to {MAX_ID}")
    items = CliContext.from_env().core.run(list_messages, status=wanted, limit=limit)
    if json_output:
        # A plain array of rows; scripts rely on id, kind, to, status, attempts,
        # next_attempt_at and last_error.
        print_json(items)
        return
    if not items:
        echo(f"No {wanted} e-mails." if wanted else "The outbox is empty.")
        return
    print_table(
        "Outbox" if wanted is None else f"Outbox: {wanted}",
        ["ID", "Kind", "To", "Status", "Attempts", "Next attempt", "Last error"],
        [
            [
                str(m.id), m.kind, m.to, m.status, str(m.attempts),
                local_time(m.next_attempt_at) if m.status == "pending" else "-",
                m.last_error or "",
            ]
            for m in items
        ],
    )
