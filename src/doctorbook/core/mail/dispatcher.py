"""The dispatcher: claim due outbox rows under a lease, send outside the claim, record results.

Exactly-once among several dispatchers rests on three things:

1. Claiming is one statement with `FOR UPDATE SKIP LOCKED` that sets `status='sending'` and a
   lease, committed before anything is sent: two dispatchers never claim the same row while
   its lease runs.
2. The lease instant is the claim's fencing token. Recording a result is guarded by
   `status='sending' AND lease_until = <my lease>`; a dispatcher whose lease ran out and whose
   row was claimed again records nothing. A re-claim always sets a later lease (it needs
   `lease_until <= now` and sets `now + lease`), so tokens never repeat for one row.
3. Every attempt carries the row's idempotency key (HTTP `Idempotency-Key`, SMTP/file
   `Message-ID`), so the one unavoidable window (sent, then crashed before recording) ends in
   a resend the provider can recognise.
"""

from __future__ import annotations

import contextlib
import random as _random
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.exc import InterfaceError, OperationalError

from doctorbook.core.base import events, live
from doctorbook.core.base.errors import DatabaseUnavailable
from doctorbook.core.mail import outbox
from doctorbook.core.mail.message import (
    BODY_REMOVED_FAILED,
    BODY_REMOVED_SENT,
    OutgoingMessage,
    Sender,
    attachments_from_json,
    problem,
    sender_from,
)
from doctorbook.core.mail.providers import (
    DeliveryError,
    PermanentError,
    Provider,
    ProviderFactory,
    TransientError,
)
from doctorbook.core.mail.providers import provider_factory as configured
from doctorbook.core.mail.retry import RetryPolicy

if TYPE_CHECKING:
    from doctorbook.core.base.db import Database, UnitOfWork
    from doctorbook.core.base.settings import Settings


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True)
class AttemptLog:
    """One send attempt as the log shows it: never a body, never a token."""

    at: datetime
    outbox_id: int
    kind: str
    to: str
    result: Outcome
    attempts: int
    error: str | None = None


@dataclass(frozen=True)
class Claim:
    """Rows this dispatcher holds until `lease_until`, plus rows it gave up on while claiming."""

    lease_until: datetime
    messages: tuple[OutgoingMessage, ...]
    given_up: tuple[AttemptLog, ...] = ()


@dataclass(frozen=True)
class BatchResult:
    claimed: int
    logs: tuple[AttemptLog, ...]
    #: Claimed but not started (stopping, or the lease nearly over): handed back as pending.
    released: int = 0


@dataclass(frozen=True)
class DispatchSummary:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0
    batches: int = 0

    @classmethod
    def of(cls, batch: BatchResult) -> DispatchSummary:
        results = [log.result for log in batch.logs]
        return cls(
            sent=results.count(Outcome.SENT), retried=results.count(Outcome.RETRY),
            failed=results.count(Outcome.FAILED), released=batch.released, batches=1,
        )

    def __add__(self, other: DispatchSummary) -> DispatchSummary:
        return DispatchSummary(
            sent=self.sent + other.sent, retried=self.retried + other.retried,
            failed=self.failed + other.failed, released=self.released + other.released,
            batches=self.batches + other.batches,
        )


@dataclass(frozen=True)
class _Sent:
    message: OutgoingMessage
    provider_id: str | None


@dataclass(frozen=True)
class _Failed:
    message: OutgoingMessage
    error: DeliveryError


@dataclass(frozen=True)
class _Skipped:
    message: OutgoingMessage


_Result = _Sent | _Failed | _Skipped


# Blanking a secret-carrying row (sent, or failed for good) replaces its bodies and the token
# among its facts (outbox.SECRET_FACTS) with a note saying why; admin.retry refuses those.
# (A row queued as facts has no stored text yet: it gets the note as its HTML too, as every
# template that carries a token has an HTML part.)

# Expired leases of rows already at their last attempt: the dispatcher holding them died (or
# hung) every time; sending once more would exceed max attempts, so they fail here.
_GIVE_UP_SQL = """
UPDATE email_outbox SET
    status = 'failed', lease_until = NULL, updated_at = :now,
    last_error = 'the dispatcher stopped during attempt ' || attempts || ' (lease expired)'
                 || COALESCE('; before that: ' || last_error, ''),
    text_body = CASE WHEN contains_secret THEN :removed ELSE text_body END,
    html_body = CASE WHEN contains_secret AND (html_body IS NOT NULL OR text_body IS NULL)
                     THEN :removed ELSE html_body END,
    facts = CASE WHEN contains_secret AND facts ? 'token'
                 THEN facts || jsonb_build_object('token', CAST(:removed AS text)) ELSE facts END
WHERE id IN (
    SELECT id FROM email_outbox
    WHERE status = 'sending' AND lease_until <= :now
      AND attempts >= COALESCE(max_attempts, :max_attempts)
    FOR UPDATE SKIP LOCKED
)
RETURNING id, kind, to_address, attempts, last_error
"""

# Reminders are re-checked just before they are claimed: one for a visit that was cancelled,
# completed or missed, or that has already started, is cancelled instead of sent (the use
# cases cancel them too; this covers a change that raced the queueing or a claim).
_STALE_REMINDERS_SQL = """
UPDATE email_outbox AS o SET
    status = 'cancelled', lease_until = NULL, updated_at = :now,
    last_error = 'not sent: appointment ' || a.id || ' is ' || a.status
                 || CASE WHEN a.starts_at <= :now THEN ' and has started' ELSE '' END
FROM appointments AS a
WHERE o.kind = 'appointment_reminder' AND o.entity_kind = 'appointment'
  AND a.id = CAST(o.entity_id AS bigint)
  AND ((o.status = 'pending' AND o.next_attempt_at <= :now)
       OR (o.status = 'sending' AND o.lease_until <= :now))
  AND (a.status NOT IN ('pending', 'confirmed') OR a.starts_at <= :now)
"""


# Reminders are derived, not queued by the booking: each run first queues those now due, one
# row per (visit, lead) under the key `reminder:<appointment id>:<lead>`, so a reminder is
# queued at most once whoever runs this and however often. Due means: the visit is still to
# come and pending or confirmed, its lead (24 h or 2 h before the start) has been reached, and
# it was booked before that moment (a visit booked 5 h ahead gets the 2 h one only). Once the
# 2 h one is due, a 24 h one not yet queued never will be (a dispatcher back after a day).
# The patient needs an e-mail address and must not be erased. The facts are the keys
# `appointment_mail` writes, so the same template renders them; the range on starts_at is
# served by ix_appointments_starts_at, the NOT EXISTS by the outbox key's unique index.
_QUEUE_REMINDERS_SQL = """
INSERT INTO email_outbox (
    kind, to_address, to_name, template, facts, attachments, status, attempts,
    next_attempt_at, idempotency_key, entity_kind, entity_id, contains_secret,
    created_at, updated_at)
SELECT 'appointment_reminder', pu.email, pu.name, 'appointment',
       jsonb_build_object(
           'event', 'reminder', 'lead', r.lead, 'status', a.status,
           'appointment_id', a.id, 'sequence', a.sequence,
           'starts_at', a.starts_at, 'ends_at', a.ends_at, 'tz', COALESCE(d.timezone, 'UTC'),
           'patient_name', pu.name, 'doctor_name', du.name, 'doctor_email', du.email,
           'clinic_name', d.clinic_name, 'address', d.address, 'city', d.city,
           'reason', a.reason, 'cancel_hours', d.cancel_hours, 'cancel_reason', a.cancel_reason),
       '[]'::jsonb, 'pending', 0, :now, r.key, 'appointment', CAST(a.id AS text), false,
       :now, :now
FROM appointments AS a
CROSS JOIN LATERAL (
    -- The lead now due: the 2 h one from 2 h before the start, else the 24 h one.
    SELECT CASE WHEN due_2h THEN '2h' ELSE '24h' END AS lead,
           CASE WHEN due_2h THEN interval '2 hours' ELSE interval '24 hours' END AS before,
           'reminder:' || a.id || ':' || CASE WHEN due_2h THEN '2h' ELSE '24h' END AS key
    FROM (SELECT a.starts_at - interval '2 hours' <= :now AS due_2h) AS due
) AS r
JOIN users AS pu ON pu.id = a.patient_id
JOIN users AS du ON du.id = a.doctor_id
JOIN doctors AS d ON d.user_id = a.doctor_id
WHERE a.starts_at > :now AND a.starts_at <= :now + interval '24 hours'
  AND a.status IN ('pending', 'confirmed')
  AND a.created_at < a.starts_at - r.before
  AND pu.email IS NOT NULL AND pu.erased_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM email_outbox AS o WHERE o.idempotency_key = r.key)
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING id
"""


def _count(uow: UnitOfWork, now: datetime, kind: str, emails: Iterable[tuple[int, str]]) -> None:
    """One product event per outbox row (its id and kind only: never an address or a body)."""
    events.record_many(uow, (events.row(kind, at=now, data={"outbox_id": i, "email_kind": k})
                             for i, k in emails))


# Two claim paths, each served by its partial index: leases that ran out (a crashed
# dispatcher's rows) first, then due pending rows oldest first. SKIP LOCKED makes concurrent
# dispatchers take disjoint rows; the attempt is counted here, at claim time, so a message
# that kills its dispatcher still runs out of attempts.
_CLAIM_SQL = """
WITH expired AS (
    SELECT id FROM email_outbox
    WHERE status = 'sending' AND lease_until <= :now
      AND attempts < COALESCE(max_attempts, :max_attempts)
    ORDER BY lease_until
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
), due AS (
    SELECT id FROM email_outbox
    WHERE status = 'pending' AND next_attempt_at <= :now
    ORDER BY next_attempt_at, id
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
), picked AS (
    SELECT id FROM expired UNION ALL SELECT id FROM due LIMIT :limit
)
UPDATE email_outbox AS o SET
    status = 'sending', lease_until = :lease, attempts = o.attempts + 1, updated_at = :now
FROM picked
WHERE o.id = picked.id
RETURNING o.id, o.kind, o.idempotency_key, o.to_address, o.to_name, o.subject, o.text_body,
          o.html_body, o.template, o.facts, o.attachments, o.created_at, o.attempts,
          COALESCE(o.max_attempts, :max_attempts) AS max_attempts
"""

# Every result is recorded under this guard (the lease is the fencing token; see above).
_MARK_SENT_SQL = """
UPDATE email_outbox AS o SET
    status = 'sent', sent_at = :now, updated_at = :now, lease_until = NULL, last_error = NULL,
    provider_message_id = v.provider_id,
    text_body = CASE WHEN o.contains_secret THEN :removed ELSE o.text_body END,
    html_body = CASE WHEN o.contains_secret AND (o.html_body IS NOT NULL OR o.text_body IS NULL)
                     THEN :removed ELSE o.html_body END,
    facts = CASE WHEN o.contains_secret AND o.facts ? 'token'
                 THEN o.facts || jsonb_build_object('token', CAST(:removed AS text))
                 ELSE o.facts END
FROM unnest(CAST(:ids AS bigint[]), CAST(:provider_ids AS text[])) AS v(id, provider_id)
WHERE o.id = v.id AND o.status = 'sending' AND o.lease_until = :lease
RETURNING o.id
"""

_MARK_RETRY_SQL = """
UPDATE email_outbox AS o SET
    status = 'pending', lease_until = NULL, updated_at = :now,
    next_attempt_at = v.next_at, last_error = v.error
FROM unnest(CAST(:ids AS bigint[]), CAST(:next_ats AS timestamptz[]), CAST(:errors AS text[]))
     AS v(id, next_at, error)
WHERE o.id = v.id AND o.status = 'sending' AND o.lease_until = :lease
RETURNING o.id
"""

_MARK_FAILED_SQL = """
UPDATE email_outbox AS o SET
    status = 'failed', lease_until = NULL, updated_at = :now, last_error = v.error,
    text_body = CASE WHEN o.contains_secret THEN :removed ELSE o.text_body END,
    html_body = CASE WHEN o.contains_secret AND (o.html_body IS NOT NULL OR o.text_body IS NULL)
                     THEN :removed ELSE o.html_body END,
    facts = CASE WHEN o.contains_secret AND o.facts ? 'token'
                 THEN o.facts || jsonb_build_object('token', CAST(:removed AS text))
                 ELSE o.facts END
FROM unnest(CAST(:ids AS bigint[]), CAST(:errors AS text[])) AS v(id, error)
WHERE o.id = v.id AND o.status = 'sending' AND o.lease_until = :lease
RETURNING o.id
"""

# Not attempted after all: the attempt counted at claim time is given back.
_RELEASE_SQL = """
UPDATE email_outbox AS o SET
    status = 'pending', lease_until = NULL, updated_at = :now, attempts = o.attempts - 1
FROM unnest(CAST(:ids AS bigint[])) AS v(id)
WHERE o.id = v.id AND o.status = 'sending' AND o.lease_until = :lease
RETURNING o.id
"""

LEASE_LOST = "lease expired before the result was recorded; another dispatcher owns the row"


def _database_errors() -> tuple[type[BaseException], ...]:
    return (OperationalError, InterfaceError, DatabaseUnavailable)


def send_timeout(settings: Settings) -> float:
    """How long one send may take at most, roughly, for the configured provider."""
    if settings.email_provider == "http":
        return settings.email_http_timeout_seconds
    if settings.email_provider == "smtp":
        # Connect, greeting, TLS, login, envelope and data each get the socket timeout.
        return settings.smtp_timeout_seconds * 3
    return 5.0


@dataclass
class Dispatcher:
    """Sends due outbox rows through providers built by `provider_factory`.

    `senders` threads send concurrently, each with its own provider instance (one httpx
    client, one SMTP connection at a time); claiming and recording stay on the calling
    thread, one short transaction per batch each.
    """

    db: Database
    provider_factory: ProviderFactory
    sender: Sender
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    lease_seconds: float = 300.0
    poll_seconds: float = 5.0
    batch: int = 100
    senders: int = 1
    #: Stop starting sends this long before the lease ends, so a send never outlives it.
    lease_margin: float = 30.0
    random: Callable[[], float] = _random.random
    on_attempt: Callable[[AttemptLog], None] | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    _pool: ThreadPoolExecutor | None = field(default=None, init=False, repr=False)
    _local: threading.local = field(default_factory=threading.local, init=False, repr=False)
    _providers: list[Provider] = field(default_factory=list, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @classmethod
    def from_settings(
        cls,
        db: Database,
        settings: Settings,
        *,
        provider_factory: ProviderFactory | None = None,
        **options: Any,
    ) -> Dispatcher:
        lease = settings.email_lease_seconds
        options.setdefault("lease_margin", min(lease / 2, send_timeout(settings)))
        return cls(
            db=db,
            provider_factory=provider_factory or configured(settings, db.clock),
            sender=sender_from(settings.email_from, settings.email_from_name),
            policy=RetryPolicy(
                max_attempts=settings.email_max_attempts,
                base_seconds=settings.email_backoff_base_seconds,
                cap_seconds=settings.email_backoff_cap_seconds,
            ),
            lease_seconds=lease,
            poll_seconds=settings.email_poll_seconds,
            **options,
        )

    def __post_init__(self) -> None:
        if self.batch < 1 or self.senders < 1:
            raise ValueError("batch and senders must be at least 1")
        # A margin of half the lease or more would leave no time to send at all.
        self.lease_margin = max(0.0, min(self.lease_margin, self.lease_seconds / 2))

    # -- the phases ----------------------------------------------------------------------

    def queue_reminders(self) -> int:
        """Queue the reminders due now (see _QUEUE_REMINDERS_SQL); returns how many."""
        now = self.db.clock.now()
        with self.db.unit_of_work() as uow:
            ids = [r.id for r in uow.session.execute(text(_QUEUE_REMINDERS_SQL), {"now": now})]
            if ids:
                uow.changed(live.OUTBOX, *ids)
            uow.commit()
        return len(ids)

    def claim(self, limit: int | None = None) -> Claim:
        """Take up to `limit` due rows under a fresh lease, committed before returning."""
        now = self.db.clock.now()
        lease = now + timedelta(seconds=self.lease_seconds)
        common = {"now": now, "max_attempts": self.policy.max_attempts}
        with self.db.unit_of_work() as uow:
            stale = uow.session.execute(text(_STALE_REMINDERS_SQL), {"now": now})
            given_up = uow.session.execute(
                text(_GIVE_UP_SQL), {**common, "removed": BODY_REMOVED_FAILED}
            ).all()
            _count(uow, now, "email_failed", ((r.id, r.kind) for r in given_up))
            rows = uow.session.execute(
                text(_CLAIM_SQL), {**common, "lease": lease, "limit": limit or self.batch}
            ).all()
            if stale.rowcount:  # type: ignore[attr-defined]
                uow.changed(live.OUTBOX)  # reminders cancelled: rare, no ids needed
            if given_up or rows:
                uow.changed(live.OUTBOX, *(r.id for r in given_up), *(r.id for r in rows))
            uow.commit()
        messages = tuple(
            sorted((self._message(row._mapping, now) for row in rows),
                   key=lambda m: m.outbox_id)
        )
        logs = tuple(
            AttemptLog(at=now, outbox_id=r.id, kind=r.kind, to=r.to_address,
                       result=Outcome.FAILED, attempts=r.attempts, error=r.last_error)
            for r in given_up
        )
        return Claim(lease_until=lease, messages=messages, given_up=logs)

    def send(self, claim: Claim) -> list[_Result]:
        """Send the claimed messages (outside any transaction), in parallel if configured."""
        return self._start(claim)()

    def _start(self, claim: Claim) -> Callable[[], list[_Result]]:
        """Start sending on the sender threads; the returned callable waits for the results.

        With one sender the sending happens in the caller's thread when it asks for the
        results, so the previous batch is recorded before this one is sent.
        """
        deadline = claim.lease_until - timedelta(seconds=self.lease_margin)
        messages = claim.messages
        if self.senders == 1 or len(messages) <= 1:
            return lambda: [self._attempt(m, deadline) for m in messages]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.senders, thread_name_prefix="dbk-mail")
        results: list[_Result | None] = [None] * len(messages)
        queue = iter(enumerate(messages))
        lock = threading.Lock()

        def worker() -> None:
            # Each thread pulls the next message itself: a slow one holds up only its thread,
            # and there is no per-message task overhead.
            while True:
                with lock:
                    item = next(queue, None)
                if item is None:
                    return
                index, message = item
                results[index] = self._attempt(message, deadline)

        workers = [self._pool.submit(worker) for _ in range(min(self.senders, len(messages)))]

        def wait() -> list[_Result]:
            for future in workers:
                future.result()
            return [r for r in results if r is not None]

        return wait

    def record(self, claim: Claim, results: Sequence[_Result]) -> BatchResult:
        """Write every result of one batch in one short transaction, guarded by the lease."""
        now = self.db.clock.now()
        sent = [r for r in results if isinstance(r, _Sent)]
        skipped = [r.message.outbox_id for r in results if isinstance(r, _Skipped)]
        retry: list[tuple[_Failed, datetime]] = []
        failed: list[_Failed] = []
        for r in results:
            if not isinstance(r, _Failed):
                continue
            if r.error.permanent or r.message.attempt >= r.message.max_attempts:
                failed.append(r)
            else:
                delay = self.policy.delay(r.message.attempt, self.random, r.error.retry_after)
                retry.append((r, now + timedelta(seconds=delay)))

        guard = {"now": now, "lease": claim.lease_until}
        recorded: set[int] = set()

        def run(sql: str, params: dict[str, Any]) -> None:
            recorded.update(row[0] for row in uow.session.execute(text(sql), params))

        with self.db.unit_of_work() as uow:
            if sent:
                run(_MARK_SENT_SQL, {
                    **guard, "removed": BODY_REMOVED_SENT,
                    "ids": [r.message.outbox_id for r in sent],
                    "provider_ids": [r.provider_id for r in sent],
                })
            if retry:
                run(_MARK_RETRY_SQL, {
                    **guard,
                    "ids": [r.message.outbox_id for r, _ in retry],
                    "next_ats": [at for _, at in retry],
                    "errors": [str(r.error) for r, _ in retry],
                })
            if failed:
                run(_MARK_FAILED_SQL, {
                    **guard, "removed": BODY_REMOVED_FAILED,
                    "ids": [r.message.outbox_id for r in failed],
                    "errors": [str(r.error) for r in failed],
                })
            if skipped:
                run(_RELEASE_SQL, {**guard, "ids": skipped})
            # Delivery metrics, in the same transaction as the results they count.
            for kind, done in (("email_sent", [r.message for r in sent]),
                               ("email_failed", [r.message for r in failed])):
                _count(uow, now, kind,
                       ((m.outbox_id, m.kind) for m in done if m.outbox_id in recorded))
            if recorded:
                uow.changed(live.OUTBOX, *recorded)
            uow.commit()

        logs = list(claim.given_up)
        errors = {r.message.outbox_id: str(r.error) for r in results if isinstance(r, _Failed)}
        for outcome, items in (
            (Outcome.SENT, [r.message for r in sent]),
            (Outcome.RETRY, [r.message for r, _ in retry]),
            (Outcome.FAILED, [r.message for r in failed]),
        ):
            for m in items:
                error = errors.get(m.outbox_id)
                if m.outbox_id not in recorded:
                    error = f"{error}; {LEASE_LOST}" if error else LEASE_LOST
                logs.append(AttemptLog(at=now, outbox_id=m.outbox_id, kind=m.kind,
                                       to=m.to_address, result=outcome, attempts=m.attempt,
                                       error=error))
        logs.sort(key=lambda log: log.outbox_id)
        return BatchResult(claimed=len(claim.messages), logs=tuple(logs), released=len(skipped))

    # -- loops ---------------------------------------------------------------------------

    def dispatch_batch(self) -> BatchResult:
        """Claim one batch, send it, record it; logs each attempt through `on_attempt`."""
        self.queue_reminders()
        claim = self.claim()
        if not claim.messages and not claim.given_up:
            return BatchResult(claimed=0, logs=())
        result = self.record(claim, self.send(claim))
        self._log(result)
        return result

    def run_once(self) -> DispatchSummary:
        """Send everything due now, batch after batch, until nothing is due (cron's --once).

        Pipelined: the next batch is claimed while this one is being sent, and this one is
        recorded while the next one is being sent, so the senders rarely wait on the database.
        Each row is still claimed by one batch and sent by one thread.
        """
        summary = DispatchSummary()
        self.queue_reminders()
        claim = self._claim_if_due()
        waiting = self._start(claim) if claim is not None else None
        while claim is not None and waiting is not None:
            try:
                following = None if self.stop.is_set() else self._claim_if_due()
            except BaseException:
                # The database went away mid-run: still try to record what is in flight, so
                # it isn't resent after the lease (the claim error is the one to report).
                results = waiting()
                with contextlib.suppress(Exception):
                    self._log(self.record(claim, results))
                raise
            results = waiting()
            waiting = self._start(following) if following is not None else None
            batch = self.record(claim, results)
            self._log(batch)
            summary += DispatchSummary.of(batch)
            claim = following
        return summary

    def _claim_if_due(self) -> Claim | None:
        claim = self.claim()
        return claim if claim.messages or claim.given_up else None

    def _log(self, batch: BatchResult) -> None:
        if self.on_attempt is not None:
            for log in batch.logs:
                self.on_attempt(log)

    def run_forever(
        self,
        *,
        wait: Callable[[float], object] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> DispatchSummary:
        """Poll every `poll_seconds` until `stop` is set; the message in flight finishes first.

        A database outage is reported through `on_error` and retried at the next poll: the
        daemon outlives a PostgreSQL restart. `wait` defaults to waiting on `stop`, so a
        signal handler that sets it ends the pause at once.
        """
        pause = wait or self.stop.wait
        summary = DispatchSummary()
        database_errors = _database_errors()
        while not self.stop.is_set():
            try:
                once = self.run_once()
            except database_errors as exc:
                if on_error is None:
                    raise
                on_error(exc)
            else:
                summary += once
            if self.stop.is_set():
                break
            pause(self.poll_seconds)
        return summary

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        with self._lock:
            providers, self._providers = self._providers, []
        for provider in providers:
            provider.close()

    def __enter__(self) -> Dispatcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- internals -----------------------------------------------------------------------

    def _provider(self) -> Provider:
        provider: Provider | None = getattr(self._local, "provider", None)
        if provider is None:
            provider = self.provider_factory()
            self._local.provider = provider
            with self._lock:
                self._providers.append(provider)
        return provider

    def _attempt(self, message: OutgoingMessage, deadline: datetime) -> _Result:
        """One send; never raises, so one bad message can't stop its batch."""
        if self.stop.is_set() or self.db.clock.now() >= deadline:
            return _Skipped(message)
        reason = problem(message)
        if reason is not None:
            return _Failed(message, PermanentError(reason))
        try:
            return _Sent(message, self._provider().send(message))
        except DeliveryError as exc:
            return _Failed(message, exc)
        except Exception as exc:
            # A bug or an unforeseen library error: retried, since it may well be passing.
            return _Failed(message, TransientError(f"{type(exc).__name__}: {exc}"))

    def _message(self, row: Any, now: datetime) -> OutgoingMessage:
        """The claimed row as a message: stored words as they are (rows queued before the
        outbox held facts), else rendered from its facts now, at the sending instant."""
        defect = None
        subject, body, html = row["subject"], row["text_body"], row["html_body"]
        try:
            attachments = attachments_from_json(row["attachments"] or [])
        except (KeyError, TypeError, ValueError) as exc:
            # Claimed already: it must be recorded as failed, not break the whole batch.
            attachments, defect = (), f"unreadable attachment in the outbox row: {exc!r}"
        if body is None and defect is None:
            try:
                if row["template"] is None or row["facts"] is None:
                    raise ValueError("neither words nor facts")
                composed = outbox.compose(row["template"], row["facts"],
                                          to_address=row["to_address"], at=now)
            except Exception as exc:
                # Bad facts or a template gone: permanent, retrying renders the same.
                defect = f"the e-mail could not be rendered: {type(exc).__name__}: {exc}"
            else:
                subject, body, html = composed.subject, composed.text, composed.html
                attachments = (*composed.attachments, *attachments)
        return OutgoingMessage(
            outbox_id=row["id"], kind=row["kind"], idempotency_key=row["idempotency_key"],
            sender=self.sender, to_address=row["to_address"], to_name=row["to_name"],
            subject=subject or "", text=body or "", html=html,
            attachments=attachments,
            created_at=row["created_at"], date=now, attempt=row["attempts"],
            max_attempts=row["max_attempts"], defect=defect,
        )
