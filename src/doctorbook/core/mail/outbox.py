"""The e-mail outbox: every use case queues its e-mail here, inside its own transaction.

Rendering happens at queue time (subject, text and HTML from the package's templates), so what
is sent is exactly what the business change decided, whenever the dispatcher gets to it.
"""

from __future__ import annotations

import base64
import functools
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateNotFound
from sqlalchemy import Table, insert, update

from doctorbook.core.base import live
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.models import EmailOutbox


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes

    def to_json(self) -> dict[str, str]:
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "data_b64": base64.b64encode(self.data).decode("ascii"),
        }


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str | None


@functools.cache
def _environment(html: bool) -> Environment:
    # HTML templates autoescape (names and bios are user input); text ones must not.
    return Environment(
        loader=PackageLoader("doctorbook.core", "templates/email"),
        autoescape=html,  # noqa: S701 - text bodies are plain text, HTML ones escape
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        # Templates ship inside the package: never stat them again once compiled.
        auto_reload=False,
    )


def render(template: str, context: Mapping[str, Any]) -> Rendered:
    """Render `<template>.subject.txt`, `.txt` and (if present) `.html`."""
    text_env, html_env = _environment(False), _environment(True)
    subject = text_env.get_template(f"{template}.subject.txt").render(context)
    text = text_env.get_template(f"{template}.txt").render(context)
    try:
        html: str | None = html_env.get_template(f"{template}.html").render(context)
    except TemplateNotFound:
        html = None
    return Rendered(subject=" ".join(subject.split()), text=text, html=html)


def enqueue(
    uow: UnitOfWork,
    *,
    kind: str,
    to: str,
    to_name: str | None,
    template: str,
    context: Mapping[str, Any],
    attachments: Sequence[Attachment] = (),
    entity_kind: str | None = None,
    entity_id: str | int | None = None,
    send_at: datetime | None = None,
    contains_secret: bool = False,
) -> int:
    """Queue one e-mail in the caller's transaction (no commit here); returns the outbox id.

    A rolled-back change therefore leaves no e-mail behind.
    """
    rendered = render(template, context)
    now = uow.now()
    row = EmailOutbox(
        kind=kind,
        to_address=to,
        to_name=to_name,
        subject=rendered.subject,
        text_body=rendered.text,
        html_body=rendered.html,
        attachments=[a.to_json() for a in attachments],
        status="pending",
        attempts=0,
        next_attempt_at=send_at or now,
        # One key for every attempt, so a provider that honours it never sends twice.
        idempotency_key=uuid.uuid4().hex,
        entity_kind=entity_kind,
        entity_id=None if entity_id is None else str(entity_id),
        contains_secret=contains_secret,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(row)
    uow.session.flush()
    uow.changed(live.OUTBOX, row.id)
    return row.id


@dataclass(frozen=True)
class Mail:
    """One e-mail for `enqueue_many`: the same fields `enqueue` takes."""

    kind: str
    to: str
    to_name: str | None
    template: str
    context: Mapping[str, Any]
    attachments: Sequence[Attachment] = ()
    entity_kind: str | None = None
    entity_id: str | int | None = None
    send_at: datetime | None = None


def enqueue_many(uow: UnitOfWork, mails: Sequence[Mail]) -> None:
    """Queue several e-mails in one INSERT, in the caller's transaction (the booking hot path)."""
    if not mails:
        return
    now = uow.now()
    rows = []
    for mail in mails:
        rendered = render(mail.template, mail.context)
        rows.append({
            "kind": mail.kind, "to_address": mail.to, "to_name": mail.to_name,
            "subject": rendered.subject, "text_body": rendered.text,
            "html_body": rendered.html, "attachments": [a.to_json() for a in mail.attachments],
            "status": "pending", "attempts": 0, "next_attempt_at": mail.send_at or now,
            "idempotency_key": uuid.uuid4().hex, "entity_kind": mail.entity_kind,
            "entity_id": None if mail.entity_id is None else str(mail.entity_id),
            "contains_secret": False, "created_at": now, "updated_at": now,
        })
    # The table's Core INSERT with a parameter list: one cached statement, one round trip
    # (insertmanyvalues), none of the ORM's per-row bookkeeping.
    uow.session.execute(insert(cast("Table", EmailOutbox.__table__)), rows)
    uow.changed(live.OUTBOX)


def cancel_pending(uow: UnitOfWork, *, entity_kind: str, entity_id: str | int, kind: str) -> int:
    """Cancel queued, unsent e-mails of one kind for an entity (reminders of a cancelled visit)."""
    result = uow.session.execute(
        update(EmailOutbox)
        .where(
            EmailOutbox.entity_kind == entity_kind,
            EmailOutbox.entity_id == str(entity_id),
            EmailOutbox.kind == kind,
            EmailOutbox.status == "pending",
        )
        .values(status="cancelled", updated_at=uow.now())
    )
    cancelled = int(getattr(result, "rowcount", 0) or 0)
    if cancelled:
        uow.changed(live.OUTBOX)
    return cancelled
