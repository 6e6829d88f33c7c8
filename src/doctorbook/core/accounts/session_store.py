"""Where a client keeps its tokens: keyring, else a 0600 file, else memory (kiosk, tests)."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol, TypeGuard

from doctorbook.core.base.errors import AuthenticationError
from doctorbook.core.base.locks import file_lock

SERVICE = "doctorbook"


@dataclass(frozen=True)
class StoredSession:
    access_token: str
    refresh_token: str
    email: str


class SessionStore(Protocol):
    def load(self) -> StoredSession | None: ...
    def save(self, stored: StoredSession) -> None: ...
    def clear(self) -> None: ...


class MemoryStore:
    """Tokens only in this process: the kiosk stores nothing on disk."""

    def __init__(self) -> None:
        self._value: StoredSession | None = None

    def load(self) -> StoredSession | None:
        return self._value

    def save(self, stored: StoredSession) -> None:
        self._value = stored

    def clear(self) -> None:
        self._value = None


class DamagedSession(ValueError):
    """What is stored is not a login this code wrote (truncated, edited, wrong types)."""


def _token(value: object) -> TypeGuard[str]:
    # Tokens are URL-safe ASCII; anything else would only fail later, and less clearly.
    return (isinstance(value, str) and 0 < len(value) <= 512 and value.isascii()
            and value.isprintable())


def _decode(raw: str | None) -> StoredSession | None:
    """None when nothing is stored; DamagedSession when what is stored is unusable."""
    if not raw:
        return None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise DamagedSession("not JSON") from None
    if not isinstance(data, dict):
        raise DamagedSession("not a JSON object")
    access, refresh, email = (data.get(k) for k in ("access_token", "refresh_token", "email"))
    if (_token(access) and _token(refresh) and isinstance(email, str)
            and email.isprintable() and len(email) <= 320):
        return StoredSession(access, refresh, email)
    raise DamagedSession("missing or malformed fields")


class FileStore:
    """A JSON file readable only by its owner (0600 in a 0700 directory)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        #: Set by `load` when the file exists but holds no usable login (read as logged out).
        self.damaged: str | None = None

    def load(self) -> StoredSession | None:
        self.damaged = None
        try:
            raw = self.path.read_text(encoding="utf-8")
            if not raw.strip():
                raise DamagedSession("empty")  # a file is only ever written with a login
            return _decode(raw)
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError, DamagedSession):
            # A damaged entry is the same as none (log in again); `resume` says why.
            self.damaged = f"the stored login in {self.path} is unreadable"
            return None

    def save(self, stored: StoredSession) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.path.parent, 0o700)
        tmp = self.path.with_suffix(".tmp")
        # O_CREAT with 0600 from the start: the tokens are never readable by others.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(asdict(stored), fh)
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


class KeyringStore:
    """The OS keyring, slot named by the profile; falls back to a file if the keyring fails."""

    def __init__(self, profile: str, fallback: FileStore, notice: Callable[[], None]) -> None:
        self.profile = profile
        self.fallback = fallback
        self.notice = notice
        self.damaged: str | None = None

    def load(self) -> StoredSession | None:
        import keyring  # local: ~18 ms; a profile kept in its file never needs it
        from keyring.errors import KeyringError

        self.damaged = None
        try:
            return _decode(keyring.get_password(SERVICE, self.profile))
        except DamagedSession:
            self.damaged = (f"the stored login in the keyring (profile {self.profile}) is "
                            "unreadable")
            return None
        except KeyringError:
            self.notice()
            stored = self.fallback.load()
            self.damaged = self.fallback.damaged
            return stored

    def save(self, stored: StoredSession) -> None:
        import keyring  # local: ~18 ms; a profile kept in its file never needs it
        from keyring.errors import KeyringError

        try:
            keyring.set_password(SERVICE, self.profile, json.dumps(asdict(stored)))
        except KeyringError:
            self.notice()
            self.fallback.save(stored)

    def clear(self) -> None:
        import keyring  # local: ~18 ms; a profile kept in its file never needs it
        from keyring.errors import KeyringError

        # Nothing stored (PasswordDeleteError is a KeyringError) or no keyring: nothing to do.
        with contextlib.suppress(KeyringError):
            keyring.delete_password(SERVICE, self.profile)
        self.fallback.clear()


def _usable_keyring() -> bool:
    """False for the `fail` backend (no keyring at all) and the `null` one (drops secrets)."""
    import keyring  # local: ~18 ms; a profile kept in its file never needs it
    from keyring.backends import chainer, fail

    backend = keyring.get_keyring()
    name = type(backend).__module__ + "." + type(backend).__name__
    if isinstance(backend, fail.Keyring) or "null" in name.lower():
        return False
    return not (isinstance(backend, chainer.ChainerBackend) and not backend.backends)


def default_store(
    config_dir: Path, profile: str, warn: Callable[[str], None]
) -> SessionStore:
    """The CLI/TUI store for a profile, telling the user once when tokens go to a file."""
    fallback = FileStore(config_dir / "sessions" / f"{profile}.json")
    marker = config_dir / "sessions" / ".file-fallback-noticed"

    def notice() -> None:
        if marker.exists():
            return
        warn(
            f"doctorbook: no system keyring available; keeping your session in {fallback.path} "
            "(readable only by you)"
        )
        marker.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        marker.touch()

    if fallback.path.exists():
        # Already living in the file: skip probing keyring backends (~100 ms per command).
        return fallback
    if not _usable_keyring():
        notice()
        return fallback
    return KeyringStore(profile, fallback, notice)


def profile_lock(config_dir: Path, profile: str) -> contextlib.AbstractContextManager[None]:
    """Serialise refreshes of one profile across processes (a TUI and a script, say).

    Without it two commands finding the access token expired at once would both present the
    same refresh token, and the second would look like theft and end the whole login.
    """
    directory = config_dir / "sessions"
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    return file_lock(directory / f"{profile}.lock")


def not_logged_in(store: SessionStore) -> AuthenticationError:
    """The error for a store holding no login; a damaged one is named, so nobody wonders
    where their login went (it counts as logged out: `doctorbook login` replaces it)."""
    damaged: str | None = getattr(store, "damaged", None)
    why = f" ({damaged})" if damaged else ""
    return AuthenticationError(f"you are not logged in{why}; run `doctorbook login` first")
