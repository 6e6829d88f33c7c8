"""The e-mail outbox: every use case queues its e-mail here, inside its own transaction.

A row holds facts, not words: the template's name and the small JSON context it needs, frozen
at queue time. The dispatcher renders subject, text, HTML and calendar files when it sends
(`compose`), so a business change writes a few hundred bytes instead of kilobytes of e-mail.
"""

from __future__ import annotations

import base64
import functools
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateNotFound
from sqlalchemy import ColumnElement, Table, Text, func, insert
from sqlalchemy import cast as sql_cast

from doctorbook.core.base import audit, live
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.models import EmailOutbox
from doctorbook.core.mail import visits

if TYPE_CHECKING:
    from sqlalchemy import Insert, Select

#: Facts that are one-time secrets: blanked in the row once it is sent or failed for good (the
#: dispatcher's SQL names them).
SECRET_FACTS = ("token",)


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


@dataclass(frozen=True)
class Composed:
    """One e-mail's words and calendar files, as sent."""

    subject: str
    text: str
    html: str | None
    attachments: tuple[Attachment, ...]


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


def _subject(template: str, context: Mapping[str, Any]) -> str:
    subject = _environment(False).get_template(f"{template}.subject.txt").render(context)
    return " ".join(subject.split())


def _html(template: str, context: Mapping[str, Any]) -> str | None:
    try:
        return _environment(True).get_template(f"{template}.html").render(context)
    except TemplateNotFound:
        return None


def render(template: str, context: Mapping[str, Any]) -> Rendered:
    """Render `<template>.subject.txt`, `.txt` and (if present) `.html`."""
    text = _environment(False).get_template(f"{template}.txt").render(context)
    return Rendered(subject=_subject(template, context), text=text,
                    html=_html(template, context))


def context_of(template: str, facts: Mapping[str, Any], at: datetime) -> Mapping[str, Any]:
    """The template's context from a row's facts; `at` is the sending instant."""
    return visits.context(facts, at) if template == visits.TEMPLATE else facts


def compose(
    template: str, facts: Mapping[str, Any], *, to_address: str, at: datetime
) -> Composed:
    """The e-mail as sent at `at`: words from the templates, calendar files from the facts."""
    rendered = render(template, context_of(template, facts, at))
    files = tuple(
        Attachment(filename=name, content_type=kind, data=data)
        for name, kind, data in visits.calendars(facts, to_address=to_address, stamp=at)
    )
    return Composed(subject=rendered.subject, text=rendered.text, html=rendered.html,
                    attachments=files)


def _render_row(row: EmailOutbox, part: str) -> str | None:
    """`EmailOutbox.subject` / `.text_body` / `.html_body` of a row queued as facts: the words
    as sent (or as they will be, at the row's next attempt)."""
    assert row.template is not None and row.facts is not None
    at = row.sent_at or row.next_attempt_at
    try:
        context = context_of(row.template, row.facts, at)
        if part == "subject":
            return _subject(row.template, context)
        if part == "html":
            return _html(row.template, context)
        return render(row.template, context).text
    except Exception as exc:
        # A row that can't be rendered still lists; the dispatcher fails it when it tries.
        return f"[cannot render {row.template!r}: {type(exc).__name__}]"


EmailOutbox.renderer = _render_row


def _check_template(template: str) -> None:
    """A typo in a template name fails the business change, not the e-mail hours later
    (compiled templates are cached, so this is a dictionary lookup after the first)."""
    _environment(False).get_template(f"{template}.subject.txt")


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

    A rolled-back change therefore leaves no e-mail behind. `context` is stored as the row's
    facts (plain JSON values); with `contains_secret`, its `token` is blanked once sent.
    """
    _check_template(template)
    now = uow.now()
    row = EmailOutbox(
        kind=kind,
        to_address=to,
        to_name=to_name,
        template=template,
        facts=dict(context),
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
        _check_template(mail.template)
        rows.append({
            "kind": mail.kind, "to_address": mail.to, "to_name": mail.to_name,
            "template": mail.template, "facts": dict(mail.context),
            "attachments": [a.to_json() for a in mail.attachments],
            "status": "pending", "attempts": 0, "next_attempt_at": mail.send_at or now,
            "idempotency_key": uuid.uuid4().hex, "entity_kind": mail.entity_kind,
            "entity_id": None if mail.entity_id is None else str(mail.entity_id),
            "contains_secret": False, "created_at": now, "updated_at": now,
        })
    # The table's Core INSERT with a parameter list: one cached statement, one round trip
    # (insertmanyvalues), none of the ORM's per-row bookkeeping.
    uow.session.execute(insert(_table()), rows)
    uow.changed(live.OUTBOX)


def entry(
    *,
    at: ColumnElement[datetime],
    kind: str,
    to: ColumnElement[str],
    to_name: ColumnElement[str | None],
    template: str,
    facts: ColumnElement[Any],
    entity_kind: str,
    entity_id: ColumnElement[Any],
) -> Select[Any]:
    """One e-mail as a `SELECT` of the outbox's columns, for `entries`: the row `enqueue`
    writes, with SQL expressions where only the statement knows the values (the booking's
    own statement queues its confirmation so). Status, attempts, attachments and the secret
    flag are the table's defaults: pending, 0, none, no."""
    _check_template(template)
    return audit.columns_select(_table(), {
        "kind": kind, "to_address": to, "to_name": to_name, "template": template,
        "facts": facts, "next_attempt_at": at,
        # A fresh key per row, as `enqueue` makes (uuid4().hex): 32 hex digits.
        "idempotency_key": func.replace(sql_cast(func.gen_random_uuid(), Text), "-", ""),
        "entity_kind": entity_kind, "entity_id": sql_cast(entity_id, Text),
        "created_at": at, "updated_at": at,
    })


def entries(select: Select[Any]) -> Insert:
    """`INSERT INTO email_outbox ... SELECT` of an `entry` select, to embed in one statement."""
    return audit.insert_from(_table(), select)


def _table() -> Table:
    return cast("Table", EmailOutbox.__table__)
