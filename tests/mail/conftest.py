"""Mail fixtures: queued rows, dispatchers on the test clock, loopback HTTP and SMTP servers."""

from __future__ import annotations

import dataclasses
import json
import socket
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from doctorbook.core.base.db import Database
from doctorbook.core.base.models import EmailOutbox
from doctorbook.core.base.settings import Settings
from doctorbook.core.mail import outbox
from doctorbook.core.mail.dispatcher import Dispatcher

TOKEN = "test-provider-token"


def make_settings(home: Path, **overrides: Any) -> Settings:
    base = Settings(
        home=home, config_dir=home, database_url=None,
        email_from="clinic@doctorbook.test", email_from_name="City Clinic",
        email_max_attempts=5, email_backoff_base_seconds=60.0,
        email_backoff_cap_seconds=3600.0, email_lease_seconds=300.0,
        email_http_token=TOKEN, email_http_timeout_seconds=5.0, smtp_timeout_seconds=5.0,
    )
    return dataclasses.replace(base, **overrides)


@pytest.fixture
def settings_for(tmp_path: Path) -> Callable[..., Settings]:
    return lambda **overrides: make_settings(tmp_path / "home", **overrides)


@pytest.fixture
def dispatcher_for(db: Database) -> Iterator[Callable[..., Dispatcher]]:
    """Dispatchers on the test database; jitter pinned to none (random() = 0.5) by default."""
    made: list[Dispatcher] = []

    def make(settings: Settings, *, database: Database | None = None, **options: Any) -> Dispatcher:
        options.setdefault("random", lambda: 0.5)
        dispatcher = Dispatcher.from_settings(database or db, settings, **options)
        made.append(dispatcher)
        return dispatcher

    yield make
    for dispatcher in made:
        dispatcher.close()


def queue(
    db: Database, n: int = 1, *, to: str = "ann@example.com", to_name: str | None = "Ann Smith",
    template: str = "test_message", context: dict[str, Any] | None = None,
    attachments: tuple[outbox.Attachment, ...] = (), contains_secret: bool = False,
    kind: str = "test",
) -> list[int]:
    """Queue `n` e-mails through core's own enqueue, committed."""
    ctx = context or {"subject": "Your appointment", "body": "See you on Monday."}
    with db.unit_of_work() as uow:
        ids = [
            outbox.enqueue(uow, kind=kind, to=to, to_name=to_name, template=template,
                           context=ctx, attachments=attachments,
                           contains_secret=contains_secret)
            for _ in range(n)
        ]
        uow.commit()
    return ids


def row(db: Database, outbox_id: int) -> EmailOutbox:
    with db.unit_of_work() as uow:
        found = uow.session.get(EmailOutbox, outbox_id)
        assert found is not None
        uow.session.expunge(found)
        return found


def statuses(db: Database) -> Counter[str]:
    with db.unit_of_work() as uow:
        return Counter(uow.session.scalars(select(EmailOutbox.status)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- a fast HTTP sink (stdlib, threaded, keep-alive) that counts deliveries by key ----------


class Sink:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.keys: Counter[str] = Counter()
        self.bodies: list[dict[str, Any]] = []
        self.keep_bodies = False
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes: without this, Nagle and delayed
            # ACKs add ~40 ms to every keep-alive request.
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                key = self.headers.get("Idempotency-Key", "")
                with sink.lock:
                    sink.keys[key] += 1
                    n = sum(sink.keys.values())
                    if sink.keep_bodies:
                        sink.bodies.append(json.loads(body))
                answer = json.dumps({"id": f"sink-{n}"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sink() -> Iterator[Sink]:
    s = Sink()
    yield s
    s.close()


# -- an SMTP server (aiosmtpd) whose answers the test scripts -------------------------------


class ScriptedSmtp:
    """DATA answers come from `replies` in order, then `default`; RCPT refuses `refuse`."""

    def __init__(self) -> None:
        self.replies: deque[str] = deque()
        self.default = "250 2.0.0 OK"
        self.refuse: dict[str, str] = {}
        self.received: list[bytes] = []
        self.data_commands = 0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.data_commands += 1
        reply = self.replies.popleft() if self.replies else self.default
        if reply.startswith("250"):
            self.received.append(envelope.original_content or envelope.content)
        return reply


@pytest.fixture
def smtp_server() -> Iterator[tuple[ScriptedSmtp, int]]:
    from aiosmtpd.controller import Controller

    handler = ScriptedSmtp()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()
