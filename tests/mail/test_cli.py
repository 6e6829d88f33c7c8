"""The commands through a small Typer app (until the lead wires them into `doctorbook`)."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from doctorbook.cli.commands.dispatch.emails import dispatch_emails
from doctorbook.cli.commands.outbox import app as outbox_app
from doctorbook.core.accounts import auth
from doctorbook.core.base.rbac import Role
from tests.conftest import PASSWORD, make_user
from tests.mail.conftest import free_port, queue, row
from tests.mail.test_outbox_admin import fail_row

app = typer.Typer()
app.command("dispatch-emails")(dispatch_emails)
app.add_typer(outbox_app, name="outbox")


def stderr_lines(result) -> list[str]:
    """stderr without the once-per-process DOCTORBOOK_NOW notice."""
    return [line for line in result.stderr.splitlines()
            if line.strip() and "DOCTORBOOK_NOW is set" not in line]


@pytest.fixture
def run(fresh_db_url, tmp_path: Path):
    env = {
        "DOCTORBOOK_DATABASE_URL": fresh_db_url,
        "DOCTORBOOK_HOME": str(tmp_path / "home"),
        "DOCTORBOOK_NOW": "2026-11-24T09:00:00Z",
        "DOCTORBOOK_EMAIL_PROVIDER": "file",
        "DOCTORBOOK_TOKEN": "",
    }

    def invoke(*args: str, **extra: str):
        result = CliRunner().invoke(app, list(args), env={**env, **extra})
        assert "Traceback" not in result.output, result.output
        return result

    invoke.home = tmp_path / "home"  # type: ignore[attr-defined]
    return invoke


@pytest.fixture
def tokens(db):
    with db.unit_of_work() as uow:
        make_user(uow, email="boss@example.com", role=Role.ADMIN)
    with db.unit_of_work() as uow:
        make_user(uow, email="pat@example.com")
    out = {}
    for who in ("boss", "pat"):
        with db.unit_of_work() as uow:
            out[who] = auth.login(uow, email=f"{who}@example.com",
                                  password=PASSWORD).access_token
    return out


def test_dispatch_once_sends_everything_due_and_logs_each_attempt(db, run):
    ids = queue(db, 3)
    result = run("dispatch-emails", "--once")
    assert result.exit_code == 0, result.output
    assert all(row(db, i).status == "sent" for i in ids)
    assert len(list((run.home / "mail").glob("*.eml"))) == 3
    lines = stderr_lines(result)
    assert len(lines) == 4 and lines[-1] == "sent 3, to retry 0, failed 0"
    assert f"#{ids[0]} test -> ann@example.com sent (attempt 1)" in lines[0]
    assert "See you on Monday" not in result.output  # never a body in the log


def test_dispatch_once_with_nothing_due_is_silent(db, run):
    result = run("dispatch-emails", "--once")
    assert result.exit_code == 0 and stderr_lines(result) == [] and result.stdout == ""


def test_log_json_is_one_object_per_attempt(db, run):
    [good] = queue(db)
    [bad] = queue(db, to="nobody")
    result = run("dispatch-emails", "--once", "--log-json", "--batch", "1")
    assert result.exit_code == 0, result.output
    entries = [json.loads(line) for line in stderr_lines(result)]
    assert [(e["outbox_id"], e["result"], e["attempts"]) for e in entries] == [
        (good, "sent", 1), (bad, "failed", 1)
    ]
    assert set(entries[0]) == {"time", "outbox_id", "kind", "to", "result", "attempts",
                               "error"}
    assert entries[0]["time"] == "2026-11-24T09:00:00+00:00" and entries[0]["error"] is None
    assert "invalid recipient address" in entries[1]["error"]


@pytest.mark.parametrize(("args", "message"), [
    (["--batch", "0"], "--batch must be between"),
    (["--senders", "0"], "--senders must be between"),
])
def test_dispatch_bad_options_exit_2(run, args, message):
    result = run("dispatch-emails", "--once", *args)
    assert result.exit_code == 2 and message in result.stderr


def test_dispatch_http_without_url_is_a_configuration_error(db, run):
    result = run("dispatch-emails", "--once", DOCTORBOOK_EMAIL_PROVIDER="http")
    assert result.exit_code == 2
    assert stderr_lines(result) == [
        "error: DOCTORBOOK_EMAIL_HTTP_URL must be set for the http e-mail provider"
    ]


def test_dispatch_with_the_database_down_exits_1_with_one_line(run):
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/nothing"
    result = run("dispatch-emails", "--once", DOCTORBOOK_DATABASE_URL=url)
    assert result.exit_code == 1
    [line] = stderr_lines(result)
    assert line.startswith("error: database unreachable")


def test_daemon_stops_cleanly_on_sigterm(db, run):
    ids = queue(db, 2)
    original = signal.getsignal(signal.SIGTERM)
    mail_dir = run.home / "mail"

    def terminate_when_ready() -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            handler = signal.getsignal(signal.SIGTERM)
            ours = "stop_on_signals" in getattr(handler, "__qualname__", "")
            if ours and len(list(mail_dir.glob("*.eml"))) == 2:
                os.kill(os.getpid(), signal.SIGTERM)
                return
            time.sleep(0.02)

    killer = threading.Thread(target=terminate_when_ready, daemon=True)
    killer.start()
    result = run("dispatch-emails", DOCTORBOOK_EMAIL_POLL_SECONDS="0.05")
    killer.join(timeout=5)
    assert result.exit_code == 0, result.output
    lines = stderr_lines(result)
    assert lines[0].startswith("dispatching e-mails with the file provider")
    assert "SIGTERM: stopping after the e-mails in flight" in lines
    assert lines[-1] == "stopped"
    assert all(row(db, i).status == "sent" for i in ids)
    assert signal.getsignal(signal.SIGTERM) is original  # handlers restored


def test_outbox_list_json_and_table(db, run, tokens):
    first, second = queue(db, 2)
    fail_row(db, first, "HTTP 400 BAD REQUEST: bad sender")
    result = run("outbox", "list", "--json", DOCTORBOOK_TOKEN=tokens["boss"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == [second, first]
    for key in ("id", "kind", "to", "status", "attempts", "next_attempt_at", "last_error"):
        assert key in rows[0]
    assert rows[1]["status"] == "failed" and rows[1]["last_error"].startswith("HTTP 400")
    assert rows[0]["next_attempt_at"] == "2026-11-24T09:00:00+00:00"

    failed = run("outbox", "list", "--status", "failed", DOCTORBOOK_TOKEN=tokens["boss"],
                 COLUMNS="200")
    assert failed.exit_code == 0
    assert "bad sender" in failed.stdout and "ann@example.com" in failed.stdout
    empty = run("outbox", "list", "--status", "sent", DOCTORBOOK_TOKEN=tokens["boss"])
    assert empty.stdout.strip() == "No sent e-mails."


def test_outbox_list_bad_status_exits_2(run, tokens):
    result = run("outbox", "list", "--status", "lost", DOCTORBOOK_TOKEN=tokens["boss"])
    assert result.exit_code == 2
    assert stderr_lines(result) == [
        "error: unknown status 'lost': choose one of pending, sending, sent, failed, cancelled"
    ]


def test_outbox_retry(db, run, tokens):
    [oid] = queue(db)
    fail_row(db, oid)
    done = run("outbox", "retry", str(oid), DOCTORBOOK_TOKEN=tokens["boss"])
    assert done.exit_code == 0, done.output
    assert f"E-mail {oid} (test) to ann@example.com is queued again" in done.stdout
    assert row(db, oid).status == "pending"

    again = run("outbox", "retry", str(oid), DOCTORBOOK_TOKEN=tokens["boss"])
    assert again.exit_code == 1
    assert stderr_lines(again) == [
        f"error: e-mail {oid} is pending, not failed; only failed e-mails can be retried"
    ]
    unknown = run("outbox", "retry", "424242", DOCTORBOOK_TOKEN=tokens["boss"])
    assert unknown.exit_code == 1 and "no e-mail with id 424242" in unknown.stderr
    not_a_number = run("outbox", "retry", "abc", DOCTORBOOK_TOKEN=tokens["boss"])
    assert not_a_number.exit_code == 2


def test_outbox_commands_are_refused_for_a_patient(db, run, tokens):
    [oid] = queue(db)
    fail_row(db, oid)
    for args in (("outbox", "list"), ("outbox", "retry", str(oid))):
        result = run(*args, DOCTORBOOK_TOKEN=tokens["pat"])
        assert result.exit_code == 1
        assert stderr_lines(result) == ["error: a patient may not do this"]
    assert row(db, oid).status == "failed"
    anonymous = run("outbox", "list")
    assert anonymous.exit_code == 1 and "not logged in" in anonymous.stderr
