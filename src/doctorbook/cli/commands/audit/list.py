"""`doctorbook audit list`: who did what to which record, newest first (admin)."""

from __future__ import annotations

from datetime import datetime, time
from typing import TYPE_CHECKING, Annotated, Any

import typer

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.ids import MAX_ID
from doctorbook.cli.options import JsonOutput
from doctorbook.cli.render import echo, local_time, print_json, print_table

if TYPE_CHECKING:
    from doctorbook.core.base.audit import AuditView


def parse_entity(value: str | None) -> tuple[str | None, str | None]:
    """`appointment:12` -> ("appointment", "12"); `appointment` alone matches every one."""
    if value is None:
        return None, None
    kind, sep, ident = value.strip().partition(":")
    if not kind or (sep and not ident) or " " in kind:
        from doctorbook.core.base.errors import ValidationError

        raise ValidationError(f"--entity must be KIND:ID or KIND, e.g. appointment:12, "
                              f"not {value!r}")
    return kind, ident or None


def entry_json(entry: AuditView) -> dict[str, Any]:
    return {
        "id": entry.id, "at": entry.at.isoformat(), "actor_id": entry.actor_id,
        "actor_role": entry.actor_role, "action": entry.action,
        "entity_kind": entry.entity_kind, "entity_id": entry.entity_id, "data": entry.data,
    }


def _actor(entry: AuditView) -> str:
    if entry.actor_id is None:
        return "anonymous"
    return f"#{entry.actor_id} {entry.actor_role or ''}".strip()


def _entity(entry: AuditView) -> str:
    if entry.entity_kind is None:
        return "—"
    kind, ident = entry.entity_kind, entry.entity_id
    return kind if ident is None else f"{kind}:{ident}"


@translate_errors
def list_audit(
    entity: Annotated[str | None, typer.Option(
        "--entity", metavar="KIND:ID",
        help="Only this record, e.g. appointment:12 (or a whole kind: appointment).")] = None,
    actor_email: Annotated[str | None, typer.Option(
        "--actor", metavar="EMAIL", help="Only what this user did.")] = None,
    since: Annotated[str | None, typer.Option(
        "--since", help="Only from this day on, YYYY-MM-DD (midnight, this machine's time).",
    )] = None,
    action: Annotated[str | None, typer.Option(
        "--action", help="Only this action, e.g. appointment.cancelled.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many entries.",
                                       min=1, max=MAX_ID)] = 200,
    json_output: JsonOutput = False,
) -> None:
    """List audit entries, newest first: time, actor, action, record and what changed."""
    from doctorbook.core.base.audit import list_entries
    from doctorbook.core.scheduling.schedule import parse_date

    # Bad input is refused before anything connects or asks who you are.
    kind, ident = parse_entity(entity)
    day = parse_date(since, "--since")
    # A calendar day starts at midnight in the zone the table shows times in.
    start = None if day is None else datetime.combine(day, time()).astimezone()
    entries = CliContext.from_env().core.run(list_entries, entity_kind=kind, entity_id=ident,
                                             action=action, actor_email=actor_email, since=start,
                                             limit=limit)
    if json_output:
        print_json({"entries": [entry_json(e) for e in entries]})
        return
    if not entries:
        echo("No audit entries match.")
        return
    print_table(
        "Audit log, newest first",
        ["Time", "Actor", "Action", "Entity", "Data"],
        [[local_time(e.at), _actor(e), e.action, _entity(e), e.data_text] for e in entries],
    )
