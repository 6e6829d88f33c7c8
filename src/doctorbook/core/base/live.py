"""Live updates: what a committed use case changed, announced by NOTIFY, heard by a Listener."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

#: The one channel every doctorbook process announces on and listens to (channels are per
#: database, so two clinics' databases on one server never hear each other).
CHANNEL = "doctorbook"

# --- topics: keep them few; a screen refreshes on the topics it shows -------------------------
#: Appointment ids booked, rescheduled, cancelled or changed (status, reason, patient details):
#: a patient's appointments, an appointment's detail.
APPOINTMENTS = "appointments"
#: Doctor ids whose days changed (one of their appointments came, went or changed): the day
#: view and the doctor dashboard check whether theirs is among them.
DOCTORS = "doctors"
#: Doctor ids whose open slots or schedule changed (generation, rules, exceptions, a slot
#: booked or freed): search's next slots, a profile's slots, the schedule editor.
SLOTS = "slots"
#: Outbox ids claimed, sent, failed, retried or cancelled: the admin's outbox.
OUTBOX = "outbox"
TOPICS = (APPOINTMENTS, DOCTORS, SLOTS, OUTBOX)

#: PostgreSQL refuses a payload of 8000 bytes or more (the default build's limit).
MAX_PAYLOAD = 7999


@dataclass(frozen=True)
class Changes:
    """What changed, by topic: the ids, or None for "anything of this topic" (too many ids to
    send, or a payload we could not read). Ids only: never a name or an e-mail."""

    topics: Mapping[str, frozenset[int] | None]

    def __bool__(self) -> bool:
        return bool(self.topics)

    def touches(self, topic: str, *ids: int) -> bool:
        """Whether `topic` changed, and (given ids) whether any of those ids may have."""
        if topic not in self.topics:
            return False
        changed = self.topics[topic]
        return not ids or changed is None or not changed.isdisjoint(ids)

    def ids(self, topic: str) -> frozenset[int] | None:
        """The ids of `topic` that changed: empty if none did, None if any may have."""
        return self.topics.get(topic, frozenset())

    def merge(self, other: Changes) -> Changes:
        topics = dict(self.topics)
        for topic, ids in other.topics.items():
            mine = topics.get(topic, frozenset())
            topics[topic] = None if mine is None or ids is None else mine | ids
        return Changes(topics)

    @classmethod
    def everything(cls) -> Changes:
        return cls(dict.fromkeys(TOPICS))

    def to_payload(self, limit: int = MAX_PAYLOAD) -> str:
        """Compact JSON under `limit` bytes: the topics with the most ids give them up first
        (sent as null: refresh everything of that topic) until it fits."""
        topics: dict[str, list[int] | None] = {
            topic: None if ids is None else sorted(ids) for topic, ids in self.topics.items()
        }
        while True:
            payload = json.dumps(topics, separators=(",", ":"), sort_keys=True)
            if len(payload.encode()) <= limit:
                return payload
            biggest = max(topics, key=lambda t: len(topics[t] or ()))
            topics[biggest] = None

    @classmethod
    def from_payload(cls, payload: str) -> Changes:
        """Read a payload; anything unexpected reads as "everything may have changed"."""
        try:
            raw = json.loads(payload)
            if not isinstance(raw, dict):
                raise ValueError("not an object")
            topics: dict[str, frozenset[int] | None] = {}
            for topic, ids in raw.items():
                if ids is None:
                    topics[str(topic)] = None
                elif isinstance(ids, list) and all(
                        isinstance(i, int) and not isinstance(i, bool) for i in ids):
                    topics[str(topic)] = frozenset(ids)
                else:
                    raise ValueError(f"bad ids for {topic!r}")
        except ValueError:
            log.warning("live updates: unreadable notification; refreshing everything")
            return cls.everything()
        return cls(topics)


class Recorder:
    """What one unit of work changed so far; taken once it committed."""

    def __init__(self) -> None:
        self._topics: dict[str, set[int] | None] = {}

    def add(self, topic: str, ids: Iterable[int]) -> None:
        if topic not in TOPICS:
            raise ValueError(f"unknown live-update topic {topic!r}; one of {', '.join(TOPICS)}")
        wanted = {int(i) for i in ids}
        if topic not in self._topics:
            self._topics[topic] = wanted or None
            return
        mine = self._topics[topic]
        if mine is not None:
            if wanted:
                mine |= wanted
            else:
                self._topics[topic] = None  # no ids: anything of the topic

    def clear(self) -> None:
        self._topics.clear()

    def take(self) -> Changes | None:
        if not self._topics:
            return None
        changes = Changes({t: None if ids is None else frozenset(ids)
                           for t, ids in self._topics.items()})
        self._topics.clear()
        return changes


# --- announcing ---------------------------------------------------------------------------------


def libpq_url(engine: Engine) -> str:
    """The engine's URL as libpq reads it (without SQLAlchemy's `+psycopg`), password included:
    pass it to a connection, never to a log."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def _describe(exc: BaseException) -> str:
    """The error's first line (psycopg's connection errors name host or socket, no secrets)."""
    first = str(exc).strip().splitlines()
    return first[0] if first else type(exc).__name__


#: One statement in its own (autocommit) transaction. `synchronous_commit` off for it alone: a
#: notifying commit holds a cluster-wide lock until it returns, so waiting for the WAL flush
#: under that lock would serialise every announcing commit; and a hint lost in a crash costs
#: nothing (the screens' slow refresh heals it).
_NOTIFY = "SELECT pg_notify(%s, %s), set_config('synchronous_commit', 'off', true)"


def announce(via: Connection | Engine, changes: Changes) -> None:
    """NOTIFY every listener of `changes`; call only once the change committed. On the unit
    of work's own connection, now idle between transactions (no pool checkout, no extra
    connection: one round trip), else on an autocommit connection from the engine's pool.
    Never raises: the change did commit, and a lost hint is healed by the slow refresh."""
    try:
        payload = changes.to_payload()
        if isinstance(via, Connection) and not via.invalidated and not via.in_transaction():
            _notify_between_transactions(via, payload)
            return
        engine = via if isinstance(via, Engine) else via.engine
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(_NOTIFY, (CHANNEL, payload))
    except Exception as exc:
        log.warning("live updates: could not announce a change (%s); screens catch up at "
                    "their next refresh", _describe(exc))


def _notify_between_transactions(conn: Connection, payload: str) -> None:
    # Straight on the driver: SQLAlchemy would begin (and then need to end) a transaction of
    # its own; psycopg switches to autocommit without a round trip when idle.
    driver = conn.connection.driver_connection
    assert driver is not None
    before = driver.autocommit
    driver.autocommit = True
    try:
        driver.execute(_NOTIFY, (CHANNEL, payload))
    finally:
        if not driver.closed:
            driver.autocommit = before


# --- listening ----------------------------------------------------------------------------------


class Listener:
    """A daemon thread that LISTENs on its own connection and calls `on_change` for each
    notification (bursts already waiting are merged into one call), and `on_reconnect` once it
    is listening again after losing its connection (or never having had one): whatever changed
    meanwhile was not heard, so the caller refreshes everything. While the server is away it
    retries with backoff. Callbacks run on the listener's thread."""

    def __init__(
        self,
        url: str,
        *,
        on_change: Callable[[Changes], None],
        on_reconnect: Callable[[], None] = lambda: None,
        poll_seconds: float = 0.2,
        ping_seconds: float = 30.0,
        backoff: tuple[float, float] = (0.1, 5.0),
        name: str = "doctorbook-live",
    ) -> None:
        # SQLAlchemy's URL form works too: libpq only needs the driver part gone.
        self._url = url.replace("postgresql+psycopg://", "postgresql://", 1)
        self._on_change = on_change
        self._on_reconnect = on_reconnect
        self._poll = poll_seconds
        self._ping = ping_seconds
        self._backoff = backoff
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    @classmethod
    def for_engine(
        cls, engine: Engine, *, on_change: Callable[[Changes], None],
        on_reconnect: Callable[[], None] = lambda: None,
    ) -> Listener:
        return cls(libpq_url(engine), on_change=on_change, on_reconnect=on_reconnect)

    @property
    def listening(self) -> bool:
        return self._listening.is_set()

    def start(self) -> None:
        self._thread.start()

    def wait_listening(self, timeout: float) -> bool:
        """Wait until LISTEN is in effect (changes committed from now on are heard)."""
        return self._listening.wait(timeout)

    def stop(self, timeout: float = 2.0) -> None:
        """End the thread and close its connection. Prompt: the thread checks between waits
        of `poll_seconds` (and during backoff); a connection attempt in progress is left to
        finish and close in the background (the thread is a daemon)."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    # -- the thread ------------------------------------------------------------------------

    def _run(self) -> None:
        delay = self._backoff[0]
        missed = False  # whether changes may have gone unheard: refresh once listening again
        while not self._stop.is_set():
            try:
                conn = self._connect()
            except Exception as exc:
                if not missed:
                    log.warning("live updates: can't listen (%s); retrying", _describe(exc))
                missed = True
                self._stop.wait(delay)
                delay = min(delay * 2, self._backoff[1])
                continue
            delay = self._backoff[0]
            try:
                self._listening.set()
                if missed:
                    log.info("live updates: listening again")
                    self._call(self._on_reconnect)
                missed = False
                self._listen(conn)
            except Exception as exc:
                if not self._stop.is_set():
                    log.warning("live updates: connection lost (%s); reconnecting",
                                _describe(exc))
                    missed = True
            finally:
                self._listening.clear()
                with contextlib.suppress(Exception):  # a broken connection: nothing to close
                    conn.close()

    def _connect(self) -> psycopg.Connection[Any]:
        import psycopg

        conn = psycopg.connect(
            self._url, autocommit=True, connect_timeout=5, application_name="doctorbook-live",
            # Over TCP a silently vanished server shows up within ~25 s, not hours.
            keepalives=1, keepalives_idle=10, keepalives_interval=5, keepalives_count=3,
        )
        try:
            conn.execute(f"LISTEN {CHANNEL}")
        except BaseException:
            conn.close()
            raise
        return conn

    def _listen(self, conn: psycopg.Connection[Any]) -> None:
        last = time.monotonic()
        while not self._stop.is_set():
            changes: Changes | None = None
            for note in conn.notifies(timeout=self._poll, stop_after=1):
                changes = self._merge(changes, note)
            if changes is not None:
                # Whatever else already arrived joins this call: a burst (a big slot
                # generation) makes one refresh, not hundreds.
                for note in conn.notifies(timeout=0):
                    changes = self._merge(changes, note)
                if not self._stop.is_set():
                    self._call(self._on_change, changes)
                last = time.monotonic()
            elif time.monotonic() - last >= self._ping:
                conn.execute("SELECT 1")  # a dead connection raises here, then we reconnect
                last = time.monotonic()

    @staticmethod
    def _merge(changes: Changes | None, note: psycopg.Notify) -> Changes | None:
        if note.channel != CHANNEL:
            return changes
        heard = Changes.from_payload(note.payload)
        return heard if changes is None else changes.merge(heard)

    @staticmethod
    def _call(callback: Callable[..., None], *args: object) -> None:
        try:
            callback(*args)
        except Exception:
            # A failing screen must not end live updates for every other one.
            log.exception("live updates: a change handler failed")
