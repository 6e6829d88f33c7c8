"""Where a client keeps its tokens, and resuming a stored login."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError

from doctorbook.core.accounts import auth
from doctorbook.core.accounts.session_store import (
    SERVICE,
    FileStore,
    KeyringStore,
    MemoryStore,
    StoredSession,
    default_store,
    not_logged_in,
)
from doctorbook.core.base.db import Database
from doctorbook.core.base.errors import AuthenticationError
from doctorbook.core.boundary import resume
from tests.conftest import PASSWORD

STORED = StoredSession("dba_access-token-value", "dbr_refresh-token-value", "pat@example.com")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- FileStore --------------------------------------------------------------------------


def test_file_store_is_private_to_its_owner_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "config" / "sessions" / "default.json"
    store = FileStore(path)
    assert store.load() is None

    old_umask = os.umask(0)  # a careless umask must not make the tokens readable
    try:
        store.save(STORED)
    finally:
        os.umask(old_umask)

    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700
    assert store.load() == STORED
    assert FileStore(path).load() == STORED  # a later command reads it back
    assert [p.name for p in path.parent.iterdir()] == ["default.json"]  # no temp file left

    store.clear()
    assert not path.exists()
    assert store.load() is None
    store.clear()  # clearing twice is fine


def test_file_store_tightens_an_existing_open_directory(tmp_path: Path) -> None:
    directory = tmp_path / "sessions"
    directory.mkdir(mode=0o755)
    os.chmod(directory, 0o755)
    path = directory / "default.json"
    path.write_text("{}")
    os.chmod(path, 0o644)

    FileStore(path).save(STORED)

    assert _mode(directory) == 0o700
    assert _mode(path) == 0o600


@pytest.mark.parametrize("content", [
    b"", b"not json", b"[]", b'{"access_token": "x"}', b"null", b"\xff\xfe", b"[" * 100_000,
    b'{"access_token": 1, "refresh_token": 2, "email": 3}',
    b'{"access_token": "dba_\\udcff", "refresh_token": "dbr_x", "email": "a@example.com"}',
])
def test_a_damaged_session_file_means_logged_out(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "default.json"
    path.write_bytes(content)
    store = FileStore(path)
    assert store.load() is None
    # Said, not silently dropped: `resume` names the file in its "not logged in".
    assert store.damaged is not None and str(path) in store.damaged
    assert str(path) in str(not_logged_in(store))
    path.unlink()
    assert store.load() is None and store.damaged is None


def test_memory_store_round_trips() -> None:
    store = MemoryStore()
    assert store.load() is None
    store.save(STORED)
    assert store.load() == STORED
    store.clear()
    assert store.load() is None


# --- default_store and the keyring -------------------------------------------------------


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


def test_without_a_keyring_tokens_go_to_a_private_file_and_the_user_is_told_once(
    tmp_path: Path, no_keyring: None
) -> None:
    warnings: list[str] = []

    first = default_store(tmp_path, "default", warnings.append)
    assert isinstance(first, FileStore)
    first.save(STORED)
    second = default_store(tmp_path, "default", warnings.append)

    assert isinstance(second, FileStore)
    assert second.load() == STORED
    assert len(warnings) == 1
    assert str(tmp_path / "sessions" / "default.json") in warnings[0]
    assert "keyring" in warnings[0]
    assert _mode(tmp_path / "sessions" / "default.json") == 0o600


def test_without_a_keyring_the_notice_is_given_once_even_before_anything_is_saved(
    tmp_path: Path, no_keyring: None
) -> None:
    warnings: list[str] = []
    default_store(tmp_path, "default", warnings.append)
    default_store(tmp_path, "default", warnings.append)
    default_store(tmp_path, "work", warnings.append)
    assert len(warnings) == 1


def test_with_a_keyring_tokens_go_to_the_keyring_and_not_to_disk(
    tmp_path: Path, memory_keyring
) -> None:
    warnings: list[str] = []
    store = default_store(tmp_path, "work", warnings.append)

    store.save(STORED)

    assert warnings == []
    [(key, value)] = memory_keyring.values.items()
    assert key == (SERVICE, "work")
    assert STORED.access_token in value and STORED.refresh_token in value
    assert not (tmp_path / "sessions" / "work.json").exists()
    assert default_store(tmp_path, "work", warnings.append).load() == STORED
    assert default_store(tmp_path, "default", warnings.append).load() is None  # per profile

    store.clear()
    assert memory_keyring.values == {}
    assert store.load() is None


class BrokenKeyring(KeyringBackend):
    """A keyring that exists but fails (locked, D-Bus gone)."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringError("the keyring is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringError("the keyring is locked")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringError("the keyring is locked")


def test_a_failing_keyring_falls_back_to_the_file_and_says_so_once(tmp_path: Path) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(BrokenKeyring())
    try:
        warnings: list[str] = []
        store = default_store(tmp_path, "default", warnings.append)
        assert isinstance(store, KeyringStore)

        store.save(STORED)
        assert store.load() == STORED
        path = tmp_path / "sessions" / "default.json"
        assert _mode(path) == 0o600
        assert len(warnings) == 1

        store.clear()
        assert not path.exists()
        assert store.load() is None
        assert len(warnings) == 1
    finally:
        keyring.set_keyring(previous)


# --- resume -----------------------------------------------------------------------------


def _login(db: Database) -> auth.LoginResult:
    with db.unit_of_work() as uow:
        auth.register(uow, email="pat@example.com", name="Pat", password=PASSWORD)
    with db.unit_of_work() as uow:
        return auth.login(uow, email="pat@example.com", password=PASSWORD)


def test_resume_refreshes_an_expired_access_token_transparently(db: Database, clock) -> None:
    result = _login(db)
    store = MemoryStore()
    stored = StoredSession(result.access_token, result.refresh_token, result.user.email)
    store.save(stored)

    assert resume(db, store).user_id == result.user.id
    assert store.load() == stored  # nothing to renew yet

    clock.advance(timedelta(minutes=20))
    actor = resume(db, store)

    assert actor.user_id == result.user.id
    assert actor.email == "pat@example.com"
    renewed = store.load()
    assert renewed is not None
    assert renewed.access_token != stored.access_token
    assert renewed.refresh_token != stored.refresh_token
    with db.unit_of_work() as uow:
        assert auth.authenticate(uow, access_token=renewed.access_token).user_id == actor.user_id
    assert resume(db, store).user_id == actor.user_id  # and again, without another rotation
    assert store.load() == renewed


def test_resume_after_the_refresh_token_expired_logs_out(db: Database, clock) -> None:
    result = _login(db)
    store = MemoryStore()
    store.save(StoredSession(result.access_token, result.refresh_token, result.user.email))

    clock.advance(timedelta(days=31))
    with pytest.raises(AuthenticationError):
        resume(db, store)
    assert store.load() is None


def test_resume_without_a_stored_session_asks_to_log_in(db: Database) -> None:
    with pytest.raises(AuthenticationError, match="not logged in"):
        resume(db, MemoryStore())


def test_a_second_process_waiting_for_the_refresh_uses_the_new_tokens(db, clock, tmp_path):
    """Two clients of one profile find the token expired at once: only one refreshes."""
    import threading

    from doctorbook.core.accounts import session_store as ss

    with db.unit_of_work() as uow:
        auth.register(uow, email="race@example.com", name="Race", password=PASSWORD)
    with db.unit_of_work() as uow:
        result = auth.login(uow, email="race@example.com", password=PASSWORD)
    store = ss.FileStore(tmp_path / "sessions" / "default.json")
    store.save(ss.StoredSession(result.access_token, result.refresh_token, "race@example.com"))
    clock.advance(timedelta(minutes=20))

    actors, errors = [], []

    def client() -> None:
        try:
            lock = lambda: ss.profile_lock(tmp_path, "default")  # noqa: E731
            actors.append(resume(db, store, lock=lock))
        except Exception as exc:  # pragma: no cover - the failure is what we assert on
            errors.append(exc)

    threads = [threading.Thread(target=client) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert {a.email for a in actors} == {"race@example.com"}
    # The login survived: no client was mistaken for a thief.
    assert resume(db, store).email == "race@example.com"
