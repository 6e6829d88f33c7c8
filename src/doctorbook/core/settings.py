"""Settings built once from DOCTORBOOK_* variables and an optional TOML file, then passed down."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from doctorbook.core.errors import ConfigurationError

APP_NAME = "doctorbook"


@dataclass(frozen=True)
class Settings:
    """Everything configurable; immutable so it can be shared with worker threads."""

    home: Path
    config_dir: Path
    database_url: str | None
    profile: str = "default"
    token: str | None = None
    now: str | None = None
    email_provider: str = "file"
    kiosk_idle_seconds: int = 120

    @property
    def pgdata(self) -> Path:
        return self.home / "pgdata"

    @property
    def mail_dir(self) -> Path:
        return self.home / "mail"

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def uses_embedded(self) -> bool:
        return self.database_url is None


ROOT_DATA_DIR = Path("/var/lib/doctorbook")


def _default_dirs() -> tuple[Path, Path]:
    import platformdirs  # local: only needed when DOCTORBOOK_HOME is unset

    config = Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # As root the server runs as a system user that must reach the data dir through
        # every parent; /var/lib is where that belongs, not inside /root.
        return ROOT_DATA_DIR, config
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)), config


def _read_toml(path: Path) -> dict[str, object]:
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"cannot read {path}: {exc}") from None


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build the settings: environment first, then the config file, then defaults."""
    env = dict(os.environ if environ is None else environ)
    home_env = env.get("DOCTORBOOK_HOME", "").strip()
    if home_env:
        home = Path(home_env).expanduser().resolve()
        config_dir = home
    else:
        home, config_dir = _default_dirs()
    file_values = _read_toml(config_dir / "config.toml")

    def pick(name: str) -> str | None:
        value = env.get(f"DOCTORBOOK_{name.upper()}", "").strip()
        if value:
            return value
        raw = file_values.get(name)
        return str(raw) if raw is not None and str(raw).strip() else None

    idle = pick("kiosk_idle_seconds") or "120"
    try:
        idle_seconds = int(idle)
    except ValueError:
        raise ConfigurationError(f"kiosk_idle_seconds must be a whole number: {idle!r}") from None
    if idle_seconds <= 0:
        raise ConfigurationError(f"kiosk_idle_seconds must be positive: {idle_seconds}")
    provider = (pick("email_provider") or "file").lower()
    if provider not in {"file", "smtp", "http"}:
        raise ConfigurationError(
            f"DOCTORBOOK_EMAIL_PROVIDER must be file, smtp or http: {provider!r}"
        )
    return Settings(
        home=home,
        config_dir=config_dir,
        database_url=pick("database_url"),
        profile=pick("profile") or "default",
        token=env.get("DOCTORBOOK_TOKEN", "").strip() or None,
        now=env.get("DOCTORBOOK_NOW", "").strip() or None,
        email_provider=provider,
        kiosk_idle_seconds=idle_seconds,
    )
