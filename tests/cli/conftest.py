"""CLI fixtures: run commands in-process against a fresh database of their own."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from doctorbook.cli.main import app
from tests.conftest import MemoryKeyring

NOW = "2026-11-24T09:00:00Z"


@dataclass
class Cli:
    env: dict[str, str]
    keyring: MemoryKeyring

    def __call__(self, *args: str, input: str | None = None, **env: str) -> Result:
        runner = CliRunner()
        result = runner.invoke(app, list(args), input=input, env={**self.env, **env})
        # A foreseeable error is one line on stderr, never a traceback.
        assert "Traceback" not in result.output, result.output
        return result


@pytest.fixture
def cli(fresh_db_url: str, tmp_path: Path, memory_keyring: MemoryKeyring) -> Iterator[Cli]:
    yield Cli(
        env={
            "DOCTORBOOK_DATABASE_URL": fresh_db_url,
            "DOCTORBOOK_HOME": str(tmp_path / "home"),
            "DOCTORBOOK_NOW": NOW,
            "DOCTORBOOK_PROFILE": "default",
        },
        keyring=memory_keyring,
    )


PW = "correct horse battery staple"


@pytest.fixture
def registered(cli: Cli) -> Callable[..., Result]:
    def _register(email: str = "ann@example.com", name: str = "Ann Smith") -> Result:
        result = cli("register", "--email", email, "--name", name, "--password-stdin",
                     input=PW + "\n")
        assert result.exit_code == 0, result.output
        return result

    return _register
