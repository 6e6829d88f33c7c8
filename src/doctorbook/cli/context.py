"""What every command needs, built once per invocation from the environment."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import typer

from doctorbook.core.settings import Settings, load_settings

if TYPE_CHECKING:
    from doctorbook.core.clock import Clock
    from doctorbook.core.db import Database
    from doctorbook.core.rbac import Actor
    from doctorbook.core.session_store import SessionStore


def warn(message: str) -> None:
    from doctorbook.cli.render import echo

    echo(message, err=True)


@dataclass
class CliContext:
    settings: Settings
    _db: Database | None = field(default=None)

    @classmethod
    def from_env(cls) -> CliContext:
        return cls(settings=load_settings())

    @property
    def clock(self) -> Clock:
        from doctorbook.core.clock import clock_from_env

        return clock_from_env()

    @property
    def db(self) -> Database:
        if self._db is None:
            from doctorbook.core.db import open_database

            self._db = open_database(self.settings, clock=self.clock)
        return self._db

    @property
    def store(self) -> SessionStore:
        from doctorbook.core.session_store import default_store

        return default_store(self.settings.config_dir, self.settings.profile, warn=warn)

    def actor(self) -> Actor:
        """The logged-in actor: DOCTORBOOK_TOKEN first, else the stored session (refreshed)."""
        from doctorbook.core import auth, session_store

        if self.settings.token:
            with self.db.unit_of_work() as uow:
                return auth.authenticate(uow, access_token=self.settings.token)
        settings = self.settings
        return session_store.resume(
            self.db, self.store,
            lock=lambda: session_store.profile_lock(settings.config_dir, settings.profile),
        )

    def actor_or_anonymous(self) -> Actor:
        from doctorbook.core.errors import AuthenticationError
        from doctorbook.core.rbac import Actor

        try:
            return self.actor()
        except AuthenticationError:
            return Actor.anonymous()


def read_stdin(*, line: bool = False) -> str:
    """Standard input as text (one line, or all of it). Bytes that are not UTF-8 are bad input:
    a strict decoder raises, and under a C locale Python keeps them as lone surrogates."""
    from doctorbook.core.errors import ValidationError

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
            from doctorbook.core.errors import ValidationError

            raise ValidationError("no password on standard input")
        return password
    value: str = typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
    return value
