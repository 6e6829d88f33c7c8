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
    # e-mail
    email_from: str = "doctorbook@localhost"
    email_from_name: str = "doctorbook"
    email_max_attempts: int = 5
    email_backoff_base_seconds: float = 60.0
    email_backoff_cap_seconds: float = 3600.0
    email_lease_seconds: float = 300.0
    email_poll_seconds: float = 5.0
    email_http_url: str | None = None
    email_http_token: str | None = None
    email_http_timeout_seconds: float = 10.0
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_timeout_seconds: float = 10.0
    # doctors
    currency: str = "EUR"
    invite_ttl_hours: int = 72

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
    def number(name: str, default: float, *, minimum: float = 0.0) -> float:
        raw = pick(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise ConfigurationError(f"{name} must be a number: {raw!r}") from None
        if value < minimum:
            raise ConfigurationError(f"{name} must be at least {minimum:g}: {raw!r}")
        return value

    def whole(name: str, default: int, *, minimum: int = 0) -> int:
        value = number(name, default, minimum=minimum)
        if value != int(value):
            raise ConfigurationError(f"{name} must be a whole number: {value:g}")
        return int(value)

    def flag(name: str) -> bool:
        raw = (pick(name) or "false").lower()
        if raw in {"1", "true", "yes", "on"}:
            return True
        if raw in {"0", "false", "no", "off"}:
            return False
        raise ConfigurationError(f"{name} must be true or false: {raw!r}")

    currency = (pick("currency") or "EUR").upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ConfigurationError(f"currency must be a 3-letter ISO code: {currency!r}")
    return Settings(
        home=home,
        config_dir=config_dir,
        database_url=pick("database_url"),
        profile=pick("profile") or "default",
        token=env.get("DOCTORBOOK_TOKEN", "").strip() or None,
        now=env.get("DOCTORBOOK_NOW", "").strip() or None,
        email_provider=provider,
        kiosk_idle_seconds=idle_seconds,
        email_from=pick("email_from") or "doctorbook@localhost",
        email_from_name=pick("email_from_name") or "doctorbook",
        email_max_attempts=whole("email_max_attempts", 5, minimum=1),
        email_backoff_base_seconds=number("email_backoff_base_seconds", 60.0),
        email_backoff_cap_seconds=number("email_backoff_cap_seconds", 3600.0),
        email_lease_seconds=number("email_lease_seconds", 300.0, minimum=1.0),
        email_poll_seconds=number("email_poll_seconds", 5.0, minimum=0.01),
        email_http_url=pick("email_http_url"),
        email_http_token=pick("email_http_token"),
        email_http_timeout_seconds=number("email_http_timeout_seconds", 10.0, minimum=0.1),
        smtp_host=pick("smtp_host") or "localhost",
        smtp_port=whole("smtp_port", 25, minimum=1),
        smtp_user=pick("smtp_user"),
        smtp_password=pick("smtp_password"),
        smtp_starttls=flag("smtp_starttls"),
        smtp_ssl=flag("smtp_ssl"),
        smtp_timeout_seconds=number("smtp_timeout_seconds", 10.0, minimum=0.1),
        currency=currency,
        invite_ttl_hours=whole("invite_ttl_hours", 72, minimum=1),
    )
