"""`doctorbook dispatch-emails`: send queued e-mails once (cron) or keep polling (daemon)."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any

import typer

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import fail, translate_errors
from doctorbook.cli.render import json_text, literal

if TYPE_CHECKING:
    from doctorbook.core.mail.dispatcher import AttemptLog

_STYLE = {"sent": "green", "retry": "yellow", "failed": "bold red"}


def json_logger(stream: Any = None) -> Callable[[AttemptLog], None]:
    """One JSON object per line; the keys are a contract for log shippers."""

    def log(entry: AttemptLog) -> None:
        # json_text: a recipient or a provider's error text may hold C1 or bidi controls.
        line = json_text({
            "time": entry.at.isoformat(), "outbox_id": entry.outbox_id, "kind": entry.kind,
            "to": entry.to, "result": str(entry.result), "attempts": entry.attempts,
            "error": entry.error,
        })
        print(line, file=stream or sys.stderr, flush=True)

    return log


def console_logger() -> tuple[Callable[[AttemptLog], None], Callable[[str], None]]:
    """Rich lines on stderr for people: one per attempt, plus a way to say other things."""
    from rich.console import Console
    from rich.text import Text

    console = Console(stderr=True, highlight=False, soft_wrap=True)

    def log(entry: AttemptLog) -> None:
        # Recipients and provider errors are outside text: literal, never markup or escapes.
        result = str(entry.result)
        line = Text(f"{entry.at:%Y-%m-%d %H:%M:%S} #{entry.outbox_id} ")
        line.append_text(literal(f"{entry.kind} -> {entry.to} "))
        line.append(result, style=_STYLE.get(result, ""))
        line.append(f" (attempt {entry.attempts})")
        if entry.error:
            line.append(" ")
            line.append_text(literal(entry.error, style="dim"))
        console.print(line)

    def say(message: str) -> None:
        console.print(literal(message))

    return log, say


@contextmanager
def stop_on_signals(stop: threading.Event, say: Callable[[str], None]) -> Iterator[None]:
    """SIGTERM/SIGINT set `stop`: the loop ends after the message in flight.

    The first signal restores the previous handlers, so a second Ctrl-C interrupts at once.
    Signal handlers only exist in the main thread; elsewhere the caller sets `stop` itself.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    def handle(signum: int, frame: FrameType | None) -> None:
        restore()
        say(f"{signal.Signals(signum).name}: stopping after the e-mails in flight")
        stop.set()

    for sig in previous:
        signal.signal(sig, handle)
    try:
        yield
    finally:
        restore()


@translate_errors
def dispatch_emails(
    once: Annotated[
        bool, typer.Option("--once", help="Send everything due now, then exit (for cron).")
    ] = False,
    batch: Annotated[
        int, typer.Option("--batch", help="Rows claimed per database round trip.")
    ] = 100,
    senders: Annotated[
        int, typer.Option("--senders", help="Messages sent concurrently.")
    ] = 4,
    log_json: Annotated[
        bool, typer.Option("--log-json", help="Log one JSON object per line (on stderr).")
    ] = False,
) -> None:
    """Send queued e-mails: --once for cron, otherwise a daemon polling the outbox.

    Needs no login (it runs on the server). Logs one line per send attempt on stderr, never
    a body. The daemon stops cleanly on SIGTERM or Ctrl-C after the e-mails in flight.
    """
    if batch < 1 or batch > 10_000:
        raise fail("--batch must be between 1 and 10000", 2)
    if senders < 1 or senders > 64:
        raise fail("--senders must be between 1 and 64", 2)
    from doctorbook.core.mail.dispatcher import Dispatcher

    ctx = CliContext.from_env()
    settings = ctx.settings
    log: Callable[[AttemptLog], None]
    say: Callable[[str], None]
    if log_json:
        # JSON mode: every line is an attempt (or an outage), nothing chatty in between.
        log, say = json_logger(), lambda message: None
    else:
        log, say = console_logger()
    db = ctx.db  # opening it checks it is reachable and migrated (exit 1 otherwise)
    stop = threading.Event()
    dispatcher = Dispatcher.from_settings(
        db, settings, batch=batch, senders=senders, on_attempt=log, stop=stop
    )
    with dispatcher:
        if once:
            summary = dispatcher.run_once()
            if summary.sent or summary.retried or summary.failed:
                say(f"sent {summary.sent}, to retry {summary.retried}, "
                    f"failed {summary.failed}")
            return
        say(f"dispatching e-mails with the {settings.email_provider} provider, "
            f"polling every {settings.email_poll_seconds:g} s (Ctrl-C to stop)")

        def on_error(exc: BaseException) -> None:
            first = str(getattr(exc, "orig", exc)).strip().splitlines()
            message = first[0] if first else type(exc).__name__
            if log_json:
                print(json_text({"time": db.clock.now().isoformat(), "result": "error",
                                 "error": f"database unreachable: {message}"}),
                      file=sys.stderr, flush=True)
            else:
                say(f"database unreachable: {message}; retrying in "
                    f"{settings.email_poll_seconds:g} s")

        with stop_on_signals(stop, say):
            dispatcher.run_forever(on_error=on_error)
        say("stopped")
