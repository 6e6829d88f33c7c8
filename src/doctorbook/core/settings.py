"""Settings built once from DOCTORBOOK_* variables and an optional TOML file, then passed down."""

from __future__ import annotations

import math
import os
import re
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
    #: The staff app returns to the login form after this long without a key or click.
    staff_idle_seconds: int = 900
    #: A terminal several people use (the desk's SSH account): `doctorbook tui` never reuses
    #: a login stored by the CLI, and keeps its own in memory only.
    shared_terminal: bool = False
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
    except UnicodeDecodeError:
        raise ConfigurationError(f"cannot read {path}: it is not valid UTF-8") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"cannot read {path}: {exc}") from None


def _undecodable(value: str) -> bool:
    """Environment bytes that were not UTF-8 arrive as lone surrogates (surrogateescape)."""
    return any("\ud800" <= ch <= "\udfff" for ch in value)


#: URL schemes SQLAlchemy can reach PostgreSQL with here (normalise_url adds the driver).
DATABASE_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
#: Numbers with a natural ceiling; the rest only need to be finite.
MAX_PORT = 65535
MAX_INVITE_TTL_HOURS = 24 * 366
MAX_SECONDS = 30 * 24 * 3600.0


def _shown(value: float) -> str:
    """2592000.0 -> "2592000", 0.01 -> "0.01" (no exponents in a message)."""
    return str(int(value)) if value == int(value) else repr(value)


class _Sources:
    """Where each setting comes from: DOCTORBOOK_<NAME>, else config.toml, else nothing.

    Every refusal names the key and its source, so a bad value can be found and fixed.
    """

    def __init__(self, env: dict[str, str], file_values: dict[str, object], path: Path) -> None:
        self.env = env
        self.file_values = file_values
        self.path = path

    def where(self, name: str) -> str:
        variable = f"DOCTORBOOK_{name.upper()}"
        return variable if self.env.get(variable, "").strip() else str(self.path)

    def fail(self, name: str, problem: str) -> ConfigurationError:
        return ConfigurationError(f"{name} {problem} (from {self.where(name)})")

    def pick(self, name: str) -> str | None:
        value = self.env.get(f"DOCTORBOOK_{name.upper()}", "").strip()
        if not value:
            raw = self.file_values.get(name)
            if raw is None or isinstance(raw, dict | list):
                if raw is not None:
                    raise self.fail(name, "must be a single value, not a table or a list")
                return None
            value = str(raw).strip()
            if not value:
                return None
        if _undecodable(value):
            raise self.fail(name, "is not valid UTF-8")
        return value

    def number(self, name: str, default: float, *, minimum: float = 0.0,
               maximum: float = MAX_SECONDS) -> float:
        raw = self.pick(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise self.fail(name, f"must be a number: {raw!r}") from None
        # NaN compares false with everything, so it would slip through the range check.
        if not math.isfinite(value) or not minimum <= value <= maximum:
            raise self.fail(name, f"must be from {_shown(minimum)} to {_shown(maximum)}: "
                                  f"{raw!r}")
        return value

    def whole(self, name: str, default: int, *, minimum: int = 0, maximum: float) -> int:
        value = self.number(name, default, minimum=minimum, maximum=maximum)
        if value != int(value):
            raise self.fail(name, f"must be a whole number: {value:g}")
        return int(value)

    def flag(self, name: str) -> bool:
        raw = (self.pick(name) or "false").lower()
        if raw in {"1", "true", "yes", "on"}:
            return True
        if raw in {"0", "false", "no", "off"}:
            return False
        raise self.fail(name, f"must be true or false: {raw!r}")

    def database_url(self) -> str | None:
        """A PostgreSQL URL, checked enough that the driver never sees garbage; the value is
        never repeated in a message (it may hold a password)."""
        url = self.pick("database_url")
        if url is None:
            return None
        from urllib.parse import urlsplit

        scheme, sep, _ = url.partition("://")
        if not sep or scheme.lower() not in DATABASE_SCHEMES:
            raise self.fail("database_url", "must be a postgresql:// URL")
        try:
            parts = urlsplit(url)
            _ = parts.port  # raises for a port that is not a number from 0 to 65535
        except ValueError as exc:
            raise self.fail("database_url", f"is not a valid URL ({exc})") from None
        if any(ch.isspace() or not ch.isprintable() for ch in url):
            raise self.fail("database_url", "must not contain spaces or control characters")
        return url


#: A profile names a file (<config>/sessions/<profile>.json) and a keyring entry: no path
#: separators, no hidden or relative names, nothing unprintable; e-mail addresses are fine.
_PROFILE = re.compile(r"[^./\\][^/\\]{0,127}")


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build the settings: environment first, then the config file, then defaults."""
    env = dict(os.environ if environ is None else environ)
    home_env = env.get("DOCTORBOOK_HOME", "").strip()
    if home_env:
        # Any bytes make a path (surrogateescape round-trips them), so HOME is not checked.
        home = Path(home_env).expanduser().resolve()
        config_dir = home
    else:
        home, config_dir = _default_dirs()
    config_file = config_dir / "config.toml"
    src = _Sources(env, _read_toml(config_file), config_file)

    idle = src.pick("kiosk_idle_seconds") or "120"
    try:
        idle_seconds = int(idle)
    except ValueError:
        raise src.fail("kiosk_idle_seconds", f"must be a whole number: {idle!r}") from None
    if not 0 < idle_seconds <= MAX_SECONDS:
        raise src.fail("kiosk_idle_seconds",
                       f"must be from 1 to {_shown(MAX_SECONDS)}: {idle_seconds}")
    provider = (src.pick("email_provider") or "file").lower()
    if provider not in {"file", "smtp", "http"}:
        raise src.fail("email_provider", f"must be file, smtp or http: {provider!r}")
    profile = src.pick("profile") or "default"
    if not _PROFILE.fullmatch(profile) or not profile.isprintable():
        raise src.fail("profile", "must be a name of at most 128 characters without '/', "
                                  f"'\\' or control characters, not starting with '.': "
                                  f"{profile!r}")
    token = env.get("DOCTORBOOK_TOKEN", "").strip() or None
    if token is not None and (_undecodable(token) or not token.isascii()
                              or not token.isprintable()):
        raise ConfigurationError("DOCTORBOOK_TOKEN is not a session token")
    now = env.get("DOCTORBOOK_NOW", "").strip() or None
    if now is not None and _undecodable(now):
        raise ConfigurationError("DOCTORBOOK_NOW is not valid UTF-8")

    currency = (src.pick("currency") or "EUR").upper()
    if len(currency) != 3 or not (currency.isascii() and currency.isalpha()):
        raise src.fail("currency", f"must be a 3-letter ISO code: {currency!r}")
    return Settings(
        home=home,
        config_dir=config_dir,
        database_url=src.database_url(),
        profile=profile,
        token=token,
        now=now,
        email_provider=provider,
        kiosk_idle_seconds=idle_seconds,
        staff_idle_seconds=src.whole("staff_idle_seconds", 900, minimum=1,
                                     maximum=MAX_SECONDS),
        shared_terminal=src.flag("shared_terminal"),
        email_from=src.pick("email_from") or "doctorbook@localhost",
        email_from_name=src.pick("email_from_name") or "doctorbook",
        email_max_attempts=src.whole("email_max_attempts", 5, minimum=1, maximum=1000),
        email_backoff_base_seconds=src.number("email_backoff_base_seconds", 60.0),
        email_backoff_cap_seconds=src.number("email_backoff_cap_seconds", 3600.0),
        email_lease_seconds=src.number("email_lease_seconds", 300.0, minimum=1.0),
        email_poll_seconds=src.number("email_poll_seconds", 5.0, minimum=0.01),
        email_http_url=src.pick("email_http_url"),
        email_http_token=src.pick("email_http_token"),
        email_http_timeout_seconds=src.number("email_http_timeout_seconds", 10.0,
                                              minimum=0.1),
        smtp_host=src.pick("smtp_host") or "localhost",
        smtp_port=src.whole("smtp_port", 25, minimum=1, maximum=MAX_PORT),
        smtp_user=src.pick("smtp_user"),
        smtp_password=src.pick("smtp_password"),
        smtp_starttls=src.flag("smtp_starttls"),
        smtp_ssl=src.flag("smtp_ssl"),
        smtp_timeout_seconds=src.number("smtp_timeout_seconds", 10.0, minimum=0.1),
        currency=currency,
        invite_ttl_hours=src.whole("invite_ttl_hours", 72, minimum=1,
                                   maximum=MAX_INVITE_TTL_HOURS),
    )
