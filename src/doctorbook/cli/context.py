"""What every command needs, built once per invocation from the environment."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import typer

from doctorbook.core.base.settings import Settings, load_settings

if TYPE_CHECKING:
    from collections.abc import Callable

    from doctorbook.core.accounts.session_store import SessionStore
    from doctorbook.core.base.clock import Clock
    from doctorbook.core.base.db import Database
    from doctorbook.core.base.errors import AuthenticationError
    from doctorbook.core.boundary import Core, Credentials


def warn(message: str) -> None:
    from doctorbook.cli.render import echo

    echo(message, err=True)


@dataclass
class CliContext:
    settings: Settings
    _db: Database | None = field(default=None)
    _core: Core | None = field(default=None)

    @classmethod
    def from_env(cls) -> CliContext:
        return cls(settings=load_settings())

    @property
    def clock(self) -> Clock:
        from doctorbook.core.base.clock import clock_for

        return clock_for(self.settings)

    @property
    def db(self) -> Database:
        if self._db is None:
            from doctorbook.core.base.db import open_database

            self._db = open_database(self.settings, clock=self.clock)
        return self._db

    @property
    def store(self) -> SessionStore:
        from doctorbook.core.accounts.session_store import default_store

        return default_store(self.settings.config_dir, self.settings.profile, warn=warn)

    @property
    def core(self) -> Core:
        """The way into core as the caller: DOCTORBOOK_TOKEN first, else the stored session
        (renewed under the profile's lock when it expired)."""
        from doctorbook.core.accounts.session_store import profile_lock
        from doctorbook.core.boundary import Core, StoredCredentials, TokenCredentials

        if self._core is None:
            settings = self.settings
            credentials: Credentials
            if settings.token:
                credentials = TokenCredentials(settings.token)
            else:
                credentials = _OnFirstUse(lambda: StoredCredentials(
                    self.db, self.store,
                    lock=lambda: profile_lock(settings.config_dir, settings.profile)))
            self._core = Core(self.db, credentials)
        return self._core

    def require_login(self) -> None:
        """Refuse at once, before prompting for anything, when nobody is logged in at all (no
        token, no stored session). Whether the login still holds is the use case's own
        transaction's to check (`core.run`)."""
        credentials = self.core.credentials
        if credentials.access_token() is None:
            raise credentials.not_logged_in()


class _OnFirstUse:
    """Credentials built when first asked for: `core.run_open` (register, login, a code from
    an e-mail...) never asks, so it leaves the session store alone (its first use may announce
    that sessions go to a file, which belongs to the command that stores one)."""

    def __init__(self, build: Callable[[], Credentials]) -> None:
        self._build = build
        self._built: Credentials | None = None

    def _credentials(self) -> Credentials:
        if self._built is None:
            self._built = self._build()
        return self._built

    def access_token(self) -> str | None:
        return self._credentials().access_token()

    def not_logged_in(self) -> AuthenticationError:
        return self._credentials().not_logged_in()

    def recover(self, error: AuthenticationError, presented: str) -> bool:
        return self._credentials().recover(error, presented)


def read_stdin(*, line: bool = False) -> str:
    """Standard input as text (one line, or all of it). Bytes that are not UTF-8 are bad input:
    a strict decoder raises, and under a C locale Python keeps them as lone surrogates."""
    from doctorbook.core.base.errors import ValidationError

    try:
        text = sys.stdin.readline() if line else sys.stdin.read()
    except UnicodeDecodeError:
        raise ValidationError("standard input is not valid UTF-8") from None
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        raise ValidationError("standard input is not valid UTF-8")
    return text


def read_password(*, from_stdin: bool, confirm: bool, prompt: str = "Password") -> str:
    """A password from stdin (`--password-stdin`) or a hidden prompt; never from argv."""
    if from_stdin:
        line = read_stdin(line=True)
        password = line[:-1] if line.endswith("\n") else line
        if password.endswith("\r"):
            password = password[:-1]
        if not password:
            from doctorbook.core.base.errors import ValidationError

            raise ValidationError("no password on standard input")
        return password
    value: str = typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
    return value
