"""Settings are declared once (`Settings`' fields): the loader and README's table follow it."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest

from doctorbook.core.base.clock import FixedClock, SystemClock, clock_for
from doctorbook.core.base.errors import ConfigurationError
from doctorbook.core.base.settings import (
    SETTINGS,
    Declared,
    Settings,
    load_settings,
    settings_table_markdown,
)

README = Path(__file__).resolve().parents[2] / "README.md"
BEGIN, END = "<!-- settings-table -->\n", "<!-- /settings-table -->"


def test_readme_shows_the_table_built_from_the_declaration() -> None:
    text = README.read_text(encoding="utf-8")
    assert text.count(BEGIN) == 1 and text.count(END) == 1, "README lost its table markers"
    shown = text.split(BEGIN, 1)[1].split(END, 1)[0]
    assert shown == settings_table_markdown(), (
        "README's settings table is out of date; paste this between the markers:\n\n"
        + settings_table_markdown())


def test_every_field_but_the_derived_config_dir_is_a_declared_setting() -> None:
    names = [f.name for f in dataclasses.fields(Settings)]
    assert [s.name for s in SETTINGS] == [n for n in names if n != "config_dir"]
    for setting in SETTINGS:
        assert setting.spec.help.endswith("."), setting.name
        assert setting.variable == "DOCTORBOOK_" + setting.name.upper()
        assert f"`{setting.variable}`" in settings_table_markdown()


def test_an_empty_environment_gives_the_declared_defaults(tmp_path: Path) -> None:
    loaded = load_settings({"DOCTORBOOK_HOME": str(tmp_path)})
    built = Settings(home=tmp_path.resolve(), config_dir=tmp_path.resolve(), database_url=None)
    assert loaded == built
    for setting in SETTINGS:
        if setting.name != "home":
            assert getattr(loaded, setting.name) == setting.default, setting.name


def _sample(setting: Declared) -> tuple[str, object]:
    """A valid value other than the default, as text and as loaded."""
    spec = setting.spec
    match setting.kind:
        case "flag":
            return "yes", not setting.default
        case "whole":
            return str(int(spec.minimum) + 1), int(spec.minimum) + 1
        case "number":
            return "2.5", 2.5
        case "url":
            return "postgresql://clinic@db.example/doctorbook", None
    if spec.choices:
        return spec.choices[-1].upper() if spec.fold else spec.choices[-1], spec.choices[-1]
    if setting.name == "currency":
        return "usd", "USD"
    if setting.name == "now":
        return "2026-11-24T09:00Z", "2026-11-24T09:00Z"
    return "front-desk.2", "front-desk.2"


FILE_KEYS = [s for s in SETTINGS if s.file_key is not None]


@pytest.mark.parametrize("setting", FILE_KEYS, ids=[s.name for s in FILE_KEYS])
def test_each_setting_is_read_from_config_toml_and_its_variable_wins(
    tmp_path: Path, setting: Declared
) -> None:
    text, value = _sample(setting)
    expected = text if setting.kind == "url" else value
    assert expected != setting.default
    (tmp_path / "config.toml").write_text(f"{setting.file_key} = {text!r}\n".replace("'", '"'))
    from_file = load_settings({"DOCTORBOOK_HOME": str(tmp_path)})
    assert getattr(from_file, setting.name) == expected

    (tmp_path / "config.toml").write_text(f"{setting.file_key} = [{text!r}]\n")
    with pytest.raises(ConfigurationError, match=rf"^{setting.name} must be a single value.*"
                                                 r"\(from .*config\.toml\)$"):
        load_settings({"DOCTORBOOK_HOME": str(tmp_path)})
    from_env = load_settings({"DOCTORBOOK_HOME": str(tmp_path), setting.variable: text})
    assert getattr(from_env, setting.name) == expected


@pytest.mark.parametrize("setting", [s for s in SETTINGS if s.file_key is None and
                                     s.name != "home"], ids=lambda s: s.name)
def test_a_variable_only_setting_ignores_config_toml(tmp_path: Path, setting: Declared) -> None:
    text, value = _sample(setting)
    (tmp_path / "config.toml").write_text(f'{setting.name} = "{text}"\n')
    assert getattr(load_settings({"DOCTORBOOK_HOME": str(tmp_path)}), setting.name) is None
    loaded = load_settings({"DOCTORBOOK_HOME": str(tmp_path), setting.variable: text})
    assert getattr(loaded, setting.name) == value


@pytest.mark.parametrize(("variable", "raw", "message"), [
    ("DOCTORBOOK_KIOSK_IDLE_SECONDS", "two minutes", "must be a whole number: 'two minutes'"),
    ("DOCTORBOOK_KIOSK_IDLE_SECONDS", "1.5", "must be a whole number: 1.5"),
    ("DOCTORBOOK_SMTP_PORT", "0", "must be from 1 to 65535: '0'"),
    ("DOCTORBOOK_EMAIL_LEASE_SECONDS", "nan", "must be from 1 to 2592000: 'nan'"),
    ("DOCTORBOOK_EMAIL_PROVIDER", "Fax", "must be file, smtp or http: 'fax'"),
])
def test_refusals_follow_the_declared_bounds(
    tmp_path: Path, variable: str, raw: str, message: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings({"DOCTORBOOK_HOME": str(tmp_path), variable: raw})
    name = variable.removeprefix("DOCTORBOOK_").lower()
    assert str(caught.value) == f"{name} {message} (from {variable})"


def test_the_clock_comes_from_the_settings(tmp_path: Path) -> None:
    fixed = clock_for(load_settings({"DOCTORBOOK_HOME": str(tmp_path),
                                     "DOCTORBOOK_NOW": "2026-11-24T10:00+01:00"}), warn=False)
    assert isinstance(fixed, FixedClock)
    assert fixed.now() == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert isinstance(clock_for(load_settings({"DOCTORBOOK_HOME": str(tmp_path)})), SystemClock)
