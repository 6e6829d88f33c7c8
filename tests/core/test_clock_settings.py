"""The clock (DOCTORBOOK_NOW) and settings from DOCTORBOOK_* variables and config.toml."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from doctorbook.core.base import clock as clock_module
from doctorbook.core.base.clock import FixedClock, SystemClock, clock_from_env, parse_instant
from doctorbook.core.base.errors import ConfigurationError
from doctorbook.core.base.settings import load_settings

INSTANT = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

# --- clock ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["2026-11-24T09:00:00", "2026-11-24T09:00:00Z", "2026-11-24T09:00Z", "2026-11-24 09:00",
     "2026-11-24T09:00:00+00:00", "2026-11-24T10:00:00+01:00", "2026-11-24T04:00:00-05:00",
     "  2026-11-24T09:00:00Z\n"],
)
def test_doctorbook_now_is_parsed_as_an_aware_utc_instant(raw: str) -> None:
    clock = clock_from_env({"DOCTORBOOK_NOW": raw}, warn=False)

    assert isinstance(clock, FixedClock)
    now = clock.now()
    assert now == INSTANT
    assert now.utcoffset() == timedelta(0)
    assert clock.now() == now  # it stands still


@pytest.mark.parametrize("raw", ["tomorrow", "2026-13-01T00:00", "24/11/2026 09:00", "now"])
def test_a_bad_doctorbook_now_is_a_configuration_error(raw: str) -> None:
    with pytest.raises(ConfigurationError, match="DOCTORBOOK_NOW"):
        clock_from_env({"DOCTORBOOK_NOW": raw}, warn=False)
    with pytest.raises(ConfigurationError):
        parse_instant(raw)


@pytest.mark.parametrize("env", [{}, {"DOCTORBOOK_NOW": ""}, {"DOCTORBOOK_NOW": "   "}])
def test_without_doctorbook_now_the_clock_is_the_system_clock(env: dict[str, str]) -> None:
    clock = clock_from_env(env)

    assert isinstance(clock, SystemClock)
    before = datetime.now(UTC)
    now = clock.now()
    assert now.tzinfo is not None
    assert before - timedelta(seconds=5) <= now <= datetime.now(UTC)


def test_a_fixed_clock_moves_only_when_told() -> None:
    clock = FixedClock(INSTANT)
    clock.advance(timedelta(minutes=15))
    clock.advance(timedelta(days=1))
    assert clock.now() == INSTANT + timedelta(days=1, minutes=15)


def test_the_fixed_time_is_announced_once_on_stderr(monkeypatch, capsys) -> None:
    monkeypatch.setattr(clock_module, "_warned", False)
    clock_from_env({"DOCTORBOOK_NOW": "2026-11-24T09:00Z"})
    clock_from_env({"DOCTORBOOK_NOW": "2026-11-24T09:00Z"})

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("DOCTORBOOK_NOW") == 1
    assert "2026-11-24T09:00:00+00:00" in captured.err


# --- settings ---------------------------------------------------------------------------


def test_settings_from_the_environment(tmp_path: Path) -> None:
    settings = load_settings({
        "DOCTORBOOK_HOME": str(tmp_path),
        "DOCTORBOOK_DATABASE_URL": "postgresql://clinic@db.example/doctorbook",
        "DOCTORBOOK_PROFILE": "reception",
        "DOCTORBOOK_TOKEN": "dba_automation",
        "DOCTORBOOK_NOW": "2026-11-24T09:00Z",
        "DOCTORBOOK_EMAIL_PROVIDER": "SMTP",
    })

    assert settings.home == tmp_path.resolve()
    assert settings.config_dir == tmp_path.resolve()
    assert settings.config_file == tmp_path.resolve() / "config.toml"
    assert settings.pgdata == tmp_path.resolve() / "pgdata"
    assert settings.database_url == "postgresql://clinic@db.example/doctorbook"
    assert not settings.uses_embedded
    assert settings.profile == "reception"
    assert settings.token == "dba_automation"
    assert settings.now == "2026-11-24T09:00Z"
    assert settings.email_provider == "smtp"


def test_settings_defaults_under_a_home(tmp_path: Path) -> None:
    settings = load_settings({"DOCTORBOOK_HOME": str(tmp_path)})

    assert settings.database_url is None
    assert settings.uses_embedded
    assert settings.profile == "default"
    assert settings.token is None
    assert settings.now is None
    assert settings.email_provider == "file"
    assert settings.kiosk_idle_seconds == 120


def test_a_relative_home_is_made_absolute(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings({"DOCTORBOOK_HOME": "clinic-data"})
    assert settings.home == tmp_path.resolve() / "clinic-data"


CONFIG = """
database_url = "postgresql://from-file@db.example/doctorbook"
profile = "from-file"
email_provider = "http"
kiosk_idle_seconds = 45
"""


def test_settings_read_config_toml_in_the_home(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(CONFIG)

    settings = load_settings({"DOCTORBOOK_HOME": str(tmp_path)})

    assert settings.database_url == "postgresql://from-file@db.example/doctorbook"
    assert settings.profile == "from-file"
    assert settings.email_provider == "http"
    assert settings.kiosk_idle_seconds == 45


def test_the_environment_overrides_the_file(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(CONFIG)

    settings = load_settings({
        "DOCTORBOOK_HOME": str(tmp_path),
        "DOCTORBOOK_DATABASE_URL": "postgresql://from-env@db.example/doctorbook",
        "DOCTORBOOK_PROFILE": "from-env",
        "DOCTORBOOK_EMAIL_PROVIDER": "file",
        "DOCTORBOOK_KIOSK_IDLE_SECONDS": "300",
    })

    assert settings.database_url == "postgresql://from-env@db.example/doctorbook"
    assert settings.profile == "from-env"
    assert settings.email_provider == "file"
    assert settings.kiosk_idle_seconds == 300


def test_an_empty_variable_does_not_hide_the_file(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(CONFIG)
    settings = load_settings({"DOCTORBOOK_HOME": str(tmp_path), "DOCTORBOOK_PROFILE": " "})
    assert settings.profile == "from-file"


def test_a_bad_email_provider_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="carrier-pigeon"):
        load_settings({"DOCTORBOOK_HOME": str(tmp_path),
                       "DOCTORBOOK_EMAIL_PROVIDER": "carrier-pigeon"})
    (tmp_path / "config.toml").write_text('email_provider = "fax"\n')
    with pytest.raises(ConfigurationError, match="fax"):
        load_settings({"DOCTORBOOK_HOME": str(tmp_path)})


def test_a_malformed_config_file_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("profile = \n")
    with pytest.raises(ConfigurationError, match=r"config\.toml"):
        load_settings({"DOCTORBOOK_HOME": str(tmp_path)})


def test_a_non_numeric_kiosk_idle_time_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="kiosk_idle_seconds"):
        load_settings({"DOCTORBOOK_HOME": str(tmp_path),
                       "DOCTORBOOK_KIOSK_IDLE_SECONDS": "two minutes"})
