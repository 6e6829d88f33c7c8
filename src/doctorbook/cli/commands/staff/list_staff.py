"""`doctorbook staff list [--json]`: receptionists, admins and open invitations."""

from __future__ import annotations

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.options import JsonOutput
from doctorbook.cli.render import local_time, print_json, print_table


@translate_errors
def list_staff(json_output: JsonOutput = False) -> None:
    """List staff (admin): active and disabled accounts, then invitations not yet accepted."""
    from doctorbook.core.accounts import accounts

    items = CliContext.from_env().core.run(accounts.list_staff)
    if json_output:
        print_json({"staff": items})
        return
    rows = []
    for s in items:
        if s.invite_expires_at is not None:
            note = f"invited {local_time(s.since)}, until {local_time(s.invite_expires_at)}"
        else:
            note = s.disabled_reason or ""
        rows.append(["" if s.user_id is None else str(s.user_id), s.name, s.email, str(s.role),
                     str(s.status), note])
    print_table("Staff", ["ID", "Name", "E-mail", "Role", "Status", "Note"], rows)
