"""Failed logins are throttled per (e-mail, origin): a stranger can't lock the desk out."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from doctorbook.core.accounts import auth, origin, passwords
from doctorbook.core.base.clock import FixedClock
from doctorbook.core.base.db import Database, UnitOfWork
from doctorbook.core.base.errors import AuthenticationError
from doctorbook.core.base.models import AuditEntry
from doctorbook.core.base.rbac import Role
from tests.conftest import PASSWORD, make_user

DESK = "desk@example.com"
KIOSK = "kiosk"
SSH = "ssh:10.0.0.5"
FROM_KIOSK = "too many failed logins from this terminal; try again in "
FOR_EMAIL = "too many failed logins for this e-mail; try again in "


def _receptionist(uow: UnitOfWork) -> int:
    return make_user(uow, email=DESK, name="Desk", role=Role.RECEPTIONIST).user_id


def _outcome(uow: UnitOfWork, email: str, password: str, where: str) -> tuple[str, str]:
    """(exception type, message) of one attempt, or ("ok", e-mail)."""
    try:
        result = auth.login(uow, email=email, password=password, origin=where)
    except AuthenticationError as exc:
        return type(exc).__name__, str(exc)
    return "ok", result.user.email


def _audit(uow: UnitOfWork, action: str) -> list[AuditEntry]:
    return list(uow.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    ))


# --- the stranger at the kiosk ----------------------------------------------------------


def test_a_stranger_failing_20_times_at_the_kiosk_leaves_the_desk_able_to_log_in(uow) -> None:
    desk_id = _receptionist(uow)

    outcomes = [_outcome(uow, DESK, f"guess number {i}", KIOSK) for i in range(20)]

    assert outcomes[:4] == [("AuthenticationError", auth.BAD_CREDENTIALS)] * 4
    assert outcomes[4:] == [("AccountLocked", FROM_KIOSK + "30 seconds")] * 16
    # Only five guesses were ever checked; the rest were refused without trying them.
    assert len(_audit(uow, "login.failed")) == 5
    # The receptionist, at her SSH session, is not slowed down at all.
    result = auth.login(uow, email=DESK, password=PASSWORD, origin=SSH)
    assert result.user.id == desk_id


def test_a_patient_stranger_waiting_out_every_refusal_still_never_locks_the_desk(
    uow, clock: FixedClock
) -> None:
    _receptionist(uow)
    failures = 0
    while failures < 20:
        kind, message = _outcome(uow, DESK, f"guess number {failures}", KIOSK)
        if kind == "AccountLocked" and not message.endswith(("30 seconds", "1 minute")):
            clock.advance(timedelta(minutes=15))
        else:
            clock.advance(timedelta(minutes=1))
        failures = len(_audit(uow, "login.failed"))

    assert _outcome(uow, DESK, PASSWORD, SSH) == ("ok", DESK)


def test_the_kiosk_pair_is_throttled_with_one_line_and_unthrottles_after_the_delay(
    uow, clock: FixedClock
) -> None:
    _receptionist(uow)
    for i in range(4):
        assert _outcome(uow, DESK, f"guess {i}", KIOSK)[0] == "AuthenticationError"

    kind, message = _outcome(uow, DESK, "guess 4", KIOSK)

    assert (kind, message) == ("AccountLocked", FROM_KIOSK + "30 seconds")
    assert "\n" not in message
    # Even the right password, from the kiosk, waits...
    assert _outcome(uow, DESK, PASSWORD, KIOSK) == ("AccountLocked", FROM_KIOSK + "30 seconds")
    clock.advance(timedelta(seconds=29))
    assert _outcome(uow, DESK, PASSWORD, KIOSK) == ("AccountLocked", FROM_KIOSK + "1 second")
    # ... for 30 seconds, no longer.
    clock.advance(timedelta(seconds=1))
    assert _outcome(uow, DESK, PASSWORD, KIOSK) == ("ok", DESK)


def test_the_delay_grows_from_30_seconds_to_at_most_15_minutes(uow, clock: FixedClock) -> None:
    _receptionist(uow)
    for i in range(4):
        _outcome(uow, DESK, f"guess {i}", KIOSK)

    waits = []
    for i in range(8):
        kind, message = _outcome(uow, DESK, f"guess {i + 4}", KIOSK)
        assert kind == "AccountLocked"
        waits.append(message.removeprefix(FROM_KIOSK))
        clock.advance(timedelta(minutes=15))  # past every refusal, within the run

    assert waits == ["30 seconds", "1 minute", "2 minutes", "4 minutes", "8 minutes",
                     "15 minutes", "15 minutes", "15 minutes"]


# --- resets -----------------------------------------------------------------------------


def test_a_success_from_that_origin_resets_it(uow, clock: FixedClock) -> None:
    _receptionist(uow)
    for i in range(4):
        _outcome(uow, DESK, f"typo {i}", KIOSK)
    assert _outcome(uow, DESK, PASSWORD, KIOSK) == ("ok", DESK)

    # Four more typos are four typos, not a throttle.
    assert [_outcome(uow, DESK, f"typo again {i}", KIOSK)[0] for i in range(4)] == [
        "AuthenticationError"
    ] * 4
    # And after a throttle, a success ends the run: the next typo is not doubled.
    assert _outcome(uow, DESK, "typo 9", KIOSK) == ("AccountLocked", FROM_KIOSK + "30 seconds")
    clock.advance(timedelta(seconds=30))
    assert _outcome(uow, DESK, PASSWORD, KIOSK) == ("ok", DESK)
    assert _outcome(uow, DESK, "one more typo", KIOSK)[0] == "AuthenticationError"


def test_a_success_from_another_origin_does_not_unthrottle_the_kiosk(uow) -> None:
    _receptionist(uow)
    for i in range(5):
        _outcome(uow, DESK, f"guess {i}", KIOSK)

    assert _outcome(uow, DESK, PASSWORD, SSH) == ("ok", DESK)

    assert _outcome(uow, DESK, PASSWORD, KIOSK)[0] == "AccountLocked"


# --- no account enumeration -------------------------------------------------------------


def _script(uow: UnitOfWork, clock: FixedClock, email: str) -> list[tuple[str, str]]:
    """Every kind of answer a stranger can get for an e-mail (never its right password)."""
    seen = [_outcome(uow, email, f"guess {i}", KIOSK) for i in range(7)]
    clock.advance(timedelta(seconds=30))
    seen += [_outcome(uow, email, "guess 7", KIOSK), _outcome(uow, email, "guess 8", KIOSK)]
    # Then a crowd of origins (an SSH host each): the all-origins cap of 50 an hour.
    seen += [_outcome(uow, email, f"guess {i}", f"ssh:10.1.0.{i}") for i in range(50)]
    seen.append(_outcome(uow, email, "yet another guess", "ssh:10.2.0.1"))
    clock.advance(timedelta(minutes=15))
    seen.append(_outcome(uow, email, "after the cap", "ssh:10.2.0.2"))
    seen.append(_outcome(uow, email, "after the cap, again", "ssh:10.2.0.3"))
    return seen


def test_an_unknown_email_gets_exactly_the_answers_of_a_known_one(
    uow, clock: FixedClock
) -> None:
    desk_id = _receptionist(uow)

    known = _script(uow, clock, DESK)
    failed_known = len(_audit(uow, "login.failed"))
    throttled_known = [e.data["scope"] for e in _audit(uow, "login.throttled")]
    clock.advance(timedelta(days=1))
    unknown = _script(uow, clock, "nobody@example.com")

    assert known == unknown
    # The script met every answer there is, at the same attempts for both e-mails.
    assert {kind for kind, _ in known} == {"AuthenticationError", "AccountLocked"}
    assert known[6] == ("AccountLocked", FROM_KIOSK + "30 seconds")
    assert known[7] == ("AccountLocked", FROM_KIOSK + "1 minute")
    assert known[-3] == ("AccountLocked", FOR_EMAIL + "15 minutes")
    assert known[-1] == ("AccountLocked", FOR_EMAIL + "30 minutes")
    assert len(_audit(uow, "login.failed")) == 2 * failed_known
    throttled = _audit(uow, "login.throttled")
    assert [e.data["scope"] for e in throttled] == 2 * throttled_known
    assert {e.entity_id for e in throttled} == {str(desk_id), None}


def test_known_and_unknown_emails_cost_one_argon2_verification_each(
    uow, monkeypatch: pytest.MonkeyPatch
) -> None:
    _receptionist(uow)
    verified: list[str] = []
    real = passwords.verify_password

    def counting(password_hash: str, password: str) -> bool:
        verified.append(password)
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "verify_password", counting)
    for email in (DESK, "nobody@example.com"):
        verified.clear()
        _outcome(uow, email, "a wrong password", KIOSK)
        assert verified == ["a wrong password"], email
    # A refusal tries no password at all, for either.
    for email in (DESK, "nobody@example.com"):
        for i in range(4):
            _outcome(uow, email, f"guess {i}", KIOSK)
        verified.clear()
        assert _outcome(uow, email, PASSWORD, KIOSK)[0] == "AccountLocked"
        assert verified == []


# --- the all-origins cap ----------------------------------------------------------------


def test_fifty_failures_from_many_origins_stop_new_origins_but_not_a_trusted_desk(
    uow, clock: FixedClock
) -> None:
    desk_id = _receptionist(uow)
    assert _outcome(uow, DESK, PASSWORD, SSH) == ("ok", DESK)  # her usual terminal
    clock.advance(timedelta(hours=2))

    answers = [_outcome(uow, DESK, f"guess {i}", f"ssh:10.9.0.{i}") for i in range(50)]

    assert answers[:49] == [("AuthenticationError", auth.BAD_CREDENTIALS)] * 49
    assert answers[49] == ("AccountLocked", FOR_EMAIL + "15 minutes")
    # A new origin is refused even with the right password...
    assert _outcome(uow, DESK, PASSWORD, "ssh:10.9.1.1") == (
        "AccountLocked", FOR_EMAIL + "15 minutes")
    # ... the origin she logged in from lately is not.
    assert auth.login(uow, email=DESK, password=PASSWORD, origin=SSH).user.id == desk_id
    clock.advance(timedelta(minutes=15))
    assert _outcome(uow, DESK, PASSWORD, "ssh:10.9.1.1") == ("ok", DESK)
    account = [e for e in _audit(uow, "login.throttled") if e.data["scope"] == "account"]
    assert len(account) == 1
    assert account[0].data["origin"] == "ssh:10.9.0.49"


# --- the audit trail --------------------------------------------------------------------


def test_a_throttle_is_audited_with_the_origin_and_never_the_password(uow) -> None:
    desk_id = _receptionist(uow)
    guesses = [f"secret guess {i}" for i in range(5)]
    for guess in guesses:
        _outcome(uow, DESK, guess, KIOSK)

    [entry] = _audit(uow, "login.throttled")

    assert entry.actor_id is None
    assert (entry.entity_kind, entry.entity_id) == ("user", str(desk_id))
    assert entry.data["origin"] == KIOSK
    assert entry.data["email"] == DESK
    assert entry.data["scope"] == "origin"
    assert entry.data["seconds"] == 30
    assert entry.data["failures"] == 5
    failed = _audit(uow, "login.failed")
    assert [e.data["origin"] for e in failed] == [KIOSK] * 5
    dumped = "\n".join(uow.session.execute(
        text("SELECT row_to_json(a)::text FROM audit_log a UNION ALL "
             "SELECT row_to_json(t)::text FROM login_throttles t")
    ).scalars())
    for guess in [*guesses, PASSWORD]:
        assert guess not in dumped
    # The throttle table holds a digest of the e-mail, not the address.
    assert DESK not in "\n".join(
        uow.session.execute(text("SELECT row_to_json(t)::text FROM login_throttles t")).scalars()
    )


# --- where an attempt comes from --------------------------------------------------------


def test_current_origin_reads_the_ssh_client_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.5 52144 10.0.0.1 22")
    monkeypatch.setenv("SSH_CLIENT", "10.9.9.9 1 22")

    found = origin.current_origin()

    assert found.startswith("ssh:10.0.0.5 user:")
    assert "52144" not in found  # the client port changes with every connection
    monkeypatch.delenv("SSH_CONNECTION")
    assert origin.current_origin().startswith("ssh:10.9.9.9 user:")


def test_without_ssh_the_origin_is_the_terminal_and_the_os_user(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    monkeypatch.delenv("SSH_CLIENT", raising=False)
    monkeypatch.setenv("USER", "somebody-else")  # the uid decides, not the environment
    monkeypatch.setattr(origin.os, "isatty", lambda fd: fd == 0)
    monkeypatch.setattr(origin.os, "ttyname", lambda fd: "/dev/tty1")

    found = origin.current_origin()

    assert found.startswith("tty:/dev/tty1 user:")
    assert "somebody-else" not in found
    monkeypatch.setattr(origin.os, "isatty", lambda fd: False)
    assert origin.current_origin().startswith("user:")


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("kiosk", "kiosk"),
        ("  ssh:fe80::1%eth0   user:desk ", "ssh:fe80::1%eth0 user:desk"),
        ("*", "_"),
        ("evil\x1b[31m\nname", "evil__31m name"),
        ("", "unknown"),
        ("x" * 500, "x" * 64),
    ],
)
def test_an_origin_is_one_safe_short_line(given: str, stored: str) -> None:
    assert origin.clean_origin(given) == stored


def test_login_without_an_origin_throttles_per_ssh_client(
    uow, monkeypatch: pytest.MonkeyPatch
) -> None:
    _receptionist(uow)

    def attempt(client: str, password: str) -> tuple[str, str]:
        monkeypatch.setenv("SSH_CONNECTION", f"{client} 40000 10.0.0.1 22")
        try:
            return "ok", auth.login(uow, email=DESK, password=password).user.email
        except AuthenticationError as exc:
            return type(exc).__name__, str(exc)

    for i in range(5):
        attempt("192.0.2.66", f"guess {i}")
    assert attempt("192.0.2.66", PASSWORD) == ("AccountLocked", FROM_KIOSK + "30 seconds")
    assert attempt("10.0.0.5", PASSWORD) == ("ok", DESK)
    origins = {e.data["origin"] for e in _audit(uow, "login.failed")}
    assert len(origins) == 1
    assert origins.pop().startswith("ssh:192.0.2.66 user:")


# --- concurrency ------------------------------------------------------------------------


def test_a_burst_of_parallel_guesses_gets_five_tries_not_more(db: Database) -> None:
    with db.unit_of_work() as uow:
        _receptionist(uow)

    def guess(i: int) -> str:
        with db.unit_of_work() as uow:
            return _outcome(uow, DESK, f"parallel guess {i}", KIOSK)[0]

    with ThreadPoolExecutor(max_workers=12) as pool:
        kinds = list(pool.map(guess, range(12)))

    assert kinds.count("AuthenticationError") == 4
    assert kinds.count("AccountLocked") == 8
    with db.unit_of_work() as uow:
        assert len(_audit(uow, "login.failed")) == 5
        row = uow.session.execute(
            text("SELECT failed_at, strikes FROM login_throttles WHERE origin = :o"), {"o": KIOSK}
        ).one()
        assert (len(row.failed_at), row.strikes) == (5, 1)


def test_the_old_per_account_lock_column_is_gone(uow) -> None:
    columns = uow.session.execute(text(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'users'"
    )).scalars().all()
    assert "locked_until" not in columns

