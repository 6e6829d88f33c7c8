"""Search and profiles read from a real hot standby; writes and fresh reads use the primary."""

# A primary of its own (initdb with the embedded binaries, TCP on loopback, trust: nothing but
# this test can reach it) and a streaming standby made with `pg_basebackup -R`, so the test
# neither depends on nor disturbs the shared test server (DOCTORBOOK_TEST_DATABASE_URL too).

from __future__ import annotations

import contextlib
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import func, select, text

from doctorbook.core.accounts import auth
from doctorbook.core.base import embedded, migrate
from doctorbook.core.base.clock import FixedClock
from doctorbook.core.base.db import Database, UnitOfWork, make_engine
from doctorbook.core.base.errors import DatabaseUnavailable
from doctorbook.core.base.models import Appointment, Event
from doctorbook.core.base.rbac import Role
from doctorbook.core.booking import booking, search
from doctorbook.core.boundary import Core, TokenCredentials
from tests.conftest import NOW, PASSWORD, make_user
from tests.search.conftest import add_slot, make_visible_doctor

#: Bounds for waits on the servers (a loaded machine is slow, never this slow).
REPLAY_WAIT_SECONDS = 15.0
HOSTILE_NAME = "Dr [b]Bold[/b] [link=https://x.example]Ruth[/link]"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _options(port: int, socket_dir: Path) -> str:
    # fsync off: a throwaway cluster; a short standby delay so a recovery conflict cancels
    # the standby's query at once rather than after the default 30 s.
    return " ".join([
        "-c listen_addresses=127.0.0.1", f"-p {port}", f"-k {socket_dir}",
        "-c fsync=off", "-c full_page_writes=off", "-c shared_buffers=16MB",
        "-c wal_level=replica", "-c max_wal_senders=4", "-c hot_standby=on",
        "-c max_standby_streaming_delay=100ms",
    ])


@dataclass
class Pair:
    """A primary and its hot standby on loopback."""

    base: Path
    primary_port: int
    standby_port: int

    def url(self, port: int) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{port}/doctorbook"

    @property
    def primary_url(self) -> str:
        return self.url(self.primary_port)

    @property
    def standby_url(self) -> str:
        return self.url(self.standby_port)

    def start(self, name: str, port: int) -> None:
        data = self.base / name
        embedded.run_program("pg_ctl", ["-D", str(data), "-w", "-t", "60", "-l",
                                        str(self.base / f"{name}.log"), "-o",
                                        _options(port, self.base), "start"], timeout=90)

    def stop(self, name: str, *, mode: str = "fast") -> None:
        data = self.base / name
        if (data / "postmaster.pid").exists():
            embedded.run_program("pg_ctl", ["-D", str(data), "-w", "-m", mode, "stop"])

    def wait_replayed(self) -> None:
        """Until the standby has replayed everything the primary has written so far."""
        with psycopg.connect(self.primary_url.replace("+psycopg", ""), autocommit=True) as p:
            target = p.execute("SELECT pg_current_wal_lsn()").fetchone()
        assert target is not None
        deadline = time.monotonic() + REPLAY_WAIT_SECONDS
        with psycopg.connect(self.standby_url.replace("+psycopg", ""), autocommit=True) as s:
            while True:
                row = s.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn",
                                (str(target[0]),)).fetchone()
                if row is not None and row[0]:
                    return
                assert time.monotonic() < deadline, "the standby did not catch up"
                time.sleep(0.02)


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    # In /tmp itself: the sockets go here too, and a socket's path must stay short.
    base = Path(tempfile.mkdtemp(prefix="dbk-standby-", dir="/tmp"))
    found = Pair(base, _free_port(), _free_port())
    try:
        embedded.prepare_server_dir(base)
        embedded.run_program("initdb", ["-D", str(base / "primary"), "--auth=trust",
                                        "--encoding=utf8", "-U", "postgres", "--no-sync"],
                             timeout=120)
        found.start("primary", found.primary_port)
        with psycopg.connect(host="127.0.0.1", port=found.primary_port, user="postgres",
                             dbname="postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE doctorbook")
        engine = make_engine(found.primary_url)
        migrate.upgrade(engine)
        engine.dispose()
        embedded.run_program("pg_basebackup", [
            "-D", str(base / "standby"), "-R", "-X", "stream", "-c", "fast",
            "-h", "127.0.0.1", "-p", str(found.primary_port), "-U", "postgres"], timeout=120)
        found.start("standby", found.standby_port)
        yield found
    finally:
        for name in ("standby", "primary"):
            with contextlib.suppress(DatabaseUnavailable, OSError):
                found.stop(name, mode="immediate")  # thrown away: no shutdown checkpoint
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def clinic(pair: Pair) -> dict[str, Any]:
    """A visible doctor with two open slots and a patient, written on the primary."""
    db = Database(engine=make_engine(pair.primary_url), clock=FixedClock(NOW))
    try:
        with db.unit_of_work() as uow:
            admin = make_user(uow, email="admin@clinic.example", role=Role.ADMIN)
            doctor = make_visible_doctor(uow, admin, "dr.replica@clinic.example",
                                         name=HOSTILE_NAME, specialty="Cardiology")
            day = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
            slots = [add_slot(uow, doctor.user_id, day + timedelta(hours=h)) for h in (1, 2)]
            make_user(uow, email="pat@example.com", name="Pat Patient")
    finally:
        db.dispose()
    return {"doctor_id": doctor.user_id, "slots": slots, "day": day}


def _core(url: str, read_url: str | None, token: str | None = None) -> Core:
    db = Database(engine=make_engine(url), clock=FixedClock(NOW), read_url=read_url)
    return Core(db, TokenCredentials(token))


def _where_and_search(uow: UnitOfWork, **filters: Any) -> tuple[bool, Any]:
    """The search, with whether its transaction ran on a server in recovery (a standby)."""
    in_recovery = uow.execute(text("SELECT pg_is_in_recovery()")).scalar_one()
    return bool(in_recovery), search.search_recorded(uow, **filters)


def _events(url: str, search_id: Any) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            kinds = select(Event.kind).where(Event.search_id == search_id).order_by(Event.id)
            return list(conn.execute(kinds).scalars())
    finally:
        engine.dispose()


def test_search_and_profiles_read_the_standby_and_writes_go_to_the_primary(
    pair: Pair, clinic: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    pair.wait_replayed()
    core = _core(pair.primary_url, pair.standby_url)
    try:
        # (a) The search runs on the standby; its event is written on the primary.
        on_standby, (search_id, results) = core.run_read(_where_and_search,
                                                         specialty="cardiology")
        assert on_standby is True
        [found] = results
        assert found.name == HOSTILE_NAME
        assert [s.slot_id for s in found.next_slots] == clinic["slots"]
        assert _events(pair.primary_url, search_id) == ["search_shown"]

        # A write slipped into a read is refused (the standby is read-only, and so is the
        # transaction), never half-done.
        def writes(uow: UnitOfWork) -> None:
            uow.execute(text("CREATE TABLE sneaky (id int)"))

        with pytest.raises(Exception, match="read-only"):
            core.run_read(writes)

        # (b) A slot added on the primary shows in search once the standby replayed it.
        earlier = add_slot_on(pair.primary_url, clinic["doctor_id"],
                              clinic["day"] - timedelta(minutes=30))
        pair.wait_replayed()
        on_standby, (_, results) = core.run_read(_where_and_search, specialty="cardiology")
        assert on_standby is True
        assert results[0].next_slots[0].slot_id == earlier

        # The public profile opened from that search reads the standby too; the click goes
        # to the primary.
        page = core.run_read_as_anyone(search.doctor_page, doctor_id=clinic["doctor_id"],
                                       search_id=search_id, first_day=clinic["day"].date())
        assert page.profile.name == HOSTILE_NAME
        assert earlier in [s.slot_id for s in page.week.slots]
        assert _events(pair.primary_url, search_id) == ["search_shown", "result_opened"]

        # (d) A booking made through Core goes to the primary (and reaches the standby later).
        login = core.run_open(auth.login, email="pat@example.com", password=PASSWORD)
        patient = _core(pair.primary_url, pair.standby_url, login.access_token)
        view = patient.run(booking.book, slot_id=earlier, search_id=search_id)
        assert _appointments(pair.primary_url, view.id) == 1
        pair.wait_replayed()
        assert _appointments(pair.standby_url, view.id) == 1
        _, (_, results) = core.run_read(_where_and_search, specialty="cardiology")
        assert earlier not in [s.slot_id for s in results[0].next_slots]
        patient.db.dispose()
    finally:
        core.db.dispose()
    assert "replica" not in capsys.readouterr().err


def test_a_recovery_conflict_is_read_again_on_the_primary(
    pair: Pair, clinic: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """The standby cancels a query that holds a lock the primary's replayed change needs: the
    read is done again on the primary, without a warning, and the next read uses the standby."""
    pair.wait_replayed()
    core = _core(pair.primary_url, pair.standby_url)
    attempts: list[bool] = []

    def lock_on_primary() -> None:
        time.sleep(0.3)  # the standby's query is sleeping by then
        with psycopg.connect(pair.primary_url.replace("+psycopg", "")) as conn:
            conn.execute("LOCK TABLE doctors IN ACCESS EXCLUSIVE MODE")

    def slow_read(uow: UnitOfWork) -> int:
        in_recovery = bool(uow.execute(text("SELECT pg_is_in_recovery()")).scalar_one())
        attempts.append(in_recovery)
        count = int(uow.execute(text("SELECT count(*) FROM doctors")).scalar_one())
        if in_recovery:
            locker = threading.Thread(target=lock_on_primary)
            locker.start()
            try:
                uow.execute(text("SELECT pg_sleep(20)"))  # cancelled by the conflict
            finally:
                locker.join()
        return count

    try:
        started = time.monotonic()
        assert core.run_read(slow_read) == 1
        assert attempts == [True, False]
        assert time.monotonic() - started < 15
        assert core.run_read(_where_and_search)[0] is True
    finally:
        core.db.dispose()
    assert "replica" not in capsys.readouterr().err


def test_the_apps_find_the_standby_in_their_settings(
    pair: Pair, clinic: dict[str, Any], tmp_path: Path
) -> None:
    """DOCTORBOOK_READ_DATABASE_URL reaches the read side through `open_database`, and through
    the TUI's database that opens in a thread (`OpeningDatabase`, as `doctorbook tui` has it)."""
    from doctorbook.core.base.settings import load_settings
    from doctorbook.tui.launch import OpeningDatabase

    pair.wait_replayed()
    settings = load_settings({"DOCTORBOOK_HOME": str(tmp_path),
                              "DOCTORBOOK_DATABASE_URL": pair.primary_url,
                              "DOCTORBOOK_READ_DATABASE_URL": pair.standby_url})
    assert pair.standby_url not in repr(settings)
    opening = OpeningDatabase(settings, FixedClock(NOW))
    try:
        opening.start(retry=False, opened=lambda db: None, failed=lambda error: None)
        core = Core(opening, TokenCredentials(None))  # type: ignore[arg-type]  # as app.py
        on_standby, (_, results) = core.run_read(_where_and_search, specialty="cardiology")
        assert on_standby is True and [r.name for r in results] == [HOSTILE_NAME]
        assert core.run_as_anyone(_in_recovery) is False  # everything else: the primary
    finally:
        opening.dispose()


def _in_recovery(uow: UnitOfWork, *, actor: Any) -> bool:
    return bool(uow.execute(text("SELECT pg_is_in_recovery()")).scalar_one())


def test_with_the_standby_down_reads_go_to_the_primary_with_one_warning(
    pair: Pair, clinic: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    core = _core(pair.primary_url, pair.standby_url)
    try:
        assert core.run_read(_where_and_search)[0] is True  # a pooled standby connection
        capsys.readouterr()
        pair.stop("standby")
        for _ in range(3):
            on_standby, (search_id, results) = core.run_read(_where_and_search,
                                                             specialty="cardiology")
            assert on_standby is False
            assert [r.name for r in results] == [HOSTILE_NAME]
            assert _events(pair.primary_url, search_id) == ["search_shown"]
        page = core.run_read_as_anyone(search.doctor_page, doctor_id=clinic["doctor_id"])
        assert page.profile.name == HOSTILE_NAME
        lines = capsys.readouterr().err.splitlines()
        assert len(lines) == 1, lines
        assert lines[0].startswith("doctorbook: read replica unreachable (")
        assert lines[0].endswith("); reading from the primary")
        assert str(pair.standby_port) in lines[0]

        # Back up: not tried again until the retry interval has passed, then used again.
        pair.start("standby", pair.standby_port)
        assert core.run_read(_where_and_search)[0] is False
        core.db.read_retry_seconds = 0.0
        assert core.run_read(_where_and_search)[0] is True
        assert capsys.readouterr().err == ""
    finally:
        core.db.dispose()


def test_without_a_standby_reads_are_read_only_transactions_on_the_primary(
    pair: Pair, clinic: dict[str, Any]
) -> None:
    core = _core(pair.primary_url, None)
    try:
        on_standby, (search_id, results) = core.run_read(_where_and_search)
        assert on_standby is False and results
        assert _events(pair.primary_url, search_id) == ["search_shown"]
        read_only = core.run_read(
            lambda uow: uow.execute(text("SHOW transaction_read_only")).scalar_one())
        assert read_only == "on"
    finally:
        core.db.dispose()


def add_slot_on(url: str, doctor_id: int, starts_at: datetime) -> int:
    db = Database(engine=make_engine(url), clock=FixedClock(NOW))
    try:
        with db.unit_of_work() as uow:
            return add_slot(uow, doctor_id, starts_at)
    finally:
        db.dispose()


def _appointments(url: str, appointment_id: int) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(Appointment)
                                    .where(Appointment.id == appointment_id)).scalar_one())
    finally:
        engine.dispose()
