"""Settings built once from DOCTORBOOK_* variables and an optional TOML file, then passed down.

Every setting is declared once, as a field of `Settings` whose metadata (`declare`) holds its
help text and bounds: its name is its config.toml key, DOCTORBOOK_<NAME> its variable, the
field's default its default. The loader and README's table (`settings_table_markdown`) are both
built from that declaration.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import platformdirs

from doctorbook.core.base.errors import ConfigurationError

APP_NAME = "doctorbook"
PREFIX = "DOCTORBOOK_"

#: URL schemes SQLAlchemy can reach PostgreSQL with here (normalise_url adds the driver).
DATABASE_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
#: Numbers with a natural ceiling; the rest only need to be finite.
MAX_PORT = 65535
MAX_INVITE_TTL_HOURS = 24 * 366
MAX_SECONDS = 30 * 24 * 3600.0

Kind = Literal["text", "whole", "number", "flag", "url", "path"]


@dataclass(frozen=True)
class Spec:
    """What a setting means and which values it takes (its name and default are the field's)."""

    help: str
    kind: Kind | None = None  # None: from the default's type
    minimum: float = 0.0
    maximum: float = MAX_SECONDS
    choices: tuple[str, ...] = ()
    #: Applied to the text before it is checked and kept (str.lower, str.upper).
    fold: Callable[[str], str] | None = None
    #: A rule for text, and the refusal that names it ("must be ...").
    check: Callable[[str], bool] | None = None
    problem: str = ""
    #: Read from the environment only, never from config.toml.
    env_only: bool = False
    #: The default and the values as the table shows them, where they are not plain.
    shown_default: str | None = None
    shown_values: str | None = None


_SPEC = "doctorbook.setting"


def declare(
    help: str, *, kind: Kind | None = None, minimum: float = 0.0, maximum: float = MAX_SECONDS,
    choices: tuple[str, ...] = (), fold: Callable[[str], str] | None = None,
    check: Callable[[str], bool] | None = None, problem: str = "", env_only: bool = False,
    shown_default: str | None = None, shown_values: str | None = None,
) -> dict[str, Spec]:
    """The metadata of a `Settings` field that is a setting: `field(..., metadata=declare(...))`."""
    return {_SPEC: Spec(help, kind, minimum, maximum, choices, fold, check, problem, env_only,
                        shown_default, shown_values)}


#: A profile names a file (<config>/sessions/<profile>.json) and a keyring entry: no path
#: separators, no hidden or relative names, nothing unprintable; e-mail addresses are fine.
_PROFILE = re.compile(r"[^./\\][^/\\]{0,127}")


def _is_profile(value: str) -> bool:
    return bool(_PROFILE.fullmatch(value)) and value.isprintable()


def _is_currency(value: str) -> bool:
    return len(value) == 3 and value.isascii() and value.isalpha()


def _is_token(value: str) -> bool:
    return value.isascii() and value.isprintable()


@dataclass(frozen=True)
class Settings:
    """Everything configurable; immutable so it can be shared with worker threads."""

    home: Path = field(metadata=declare(
        "Where the data (embedded PostgreSQL, mail, logs) and config.toml live.",
        kind="path", env_only=True,
        shown_default="the user data dir (`/var/lib/doctorbook` as root); config.toml in the "
                       "user config dir"))
    config_dir: Path  # not a setting: DOCTORBOOK_HOME, else the user config dir
    # repr=False on every secret (URLs may hold a password): a repr ends up in logs and
    # tracebacks.
    database_url: str | None = field(repr=False, metadata=declare(
        "Any PostgreSQL 15 or newer, instead of the embedded server.", kind="url",
        shown_default="the embedded server"))
    read_database_url: str | None = field(default=None, repr=False, metadata=declare(
        "A hot standby (a streaming replica of the database) that search and public profiles "
        "read from; when it can't be reached they read from the primary.", kind="url",
        shown_default="none: every read goes to the primary"))
    profile: str = field(default="default", metadata=declare(
        "The name the CLI's login is kept under (keyring entry or `sessions/<profile>.json`).",
        check=_is_profile, shown_values="a name (no `/`, `\\`, control characters or leading "
                                         "`.`; 128 characters at most)",
        problem="must be a name of at most 128 characters without '/', '\\' or control "
                "characters, not starting with '.'"))
    token: str | None = field(default=None, repr=False, metadata=declare(
        "A session token for automation, used instead of a stored login.",
        check=_is_token, problem="is not a session token", env_only=True))
    now: str | None = field(default=None, metadata=declare(
        "Take this ISO-8601 instant as \"now\" (demos, end-to-end tests); a warning on stderr "
        "says so.", env_only=True, shown_default="the system clock",
        shown_values="an ISO-8601 instant"))
    email_provider: str = field(default="file", metadata=declare(
        "How e-mail leaves: `.eml` files in `<home>/mail/`, SMTP, or an HTTP API.",
        choices=("file", "smtp", "http"), fold=str.lower))
    kiosk_idle_seconds: int = field(default=120, metadata=declare(
        "The kiosk logs out after this long without a key or click.", minimum=1))
    staff_idle_seconds: int = field(default=900, metadata=declare(
        "The staff app returns to the login form after this long without a key or click.",
        minimum=1))
    shared_terminal: bool = field(default=False, metadata=declare(
        "A terminal several people use (the desk's SSH account): `doctorbook tui` never reuses "
        "a login stored by the CLI, and keeps its own in memory only."))
    # e-mail
    email_from: str = field(default="doctorbook@localhost", metadata=declare(
        "The sender's address."))
    email_from_name: str = field(default="doctorbook", metadata=declare("The sender's name."))
    email_max_attempts: int = field(default=5, metadata=declare(
        "Attempts before a message is marked failed.", minimum=1, maximum=1000))
    email_backoff_base_seconds: float = field(default=60.0, metadata=declare(
        "The first retry's delay; it doubles with each attempt, with jitter."))
    email_backoff_cap_seconds: float = field(default=3600.0, metadata=declare(
        "The longest delay between two attempts."))
    email_lease_seconds: float = field(default=300.0, metadata=declare(
        "How long a dispatcher holds a message it is sending before another may take it.",
        minimum=1.0))
    email_poll_seconds: float = field(default=5.0, metadata=declare(
        "How often the dispatcher daemon looks for messages due.", minimum=0.01))
    email_http_url: str | None = field(default=None, metadata=declare(
        "The http provider's endpoint (a JSON POST with an `Idempotency-Key` header)."))
    email_http_token: str | None = field(default=None, repr=False, metadata=declare(
        "The http provider's bearer token."))
    email_http_timeout_seconds: float = field(default=10.0, metadata=declare(
        "The http provider's timeout.", minimum=0.1))
    smtp_host: str = field(default="localhost", metadata=declare("The SMTP server."))
    smtp_port: int = field(default=25, metadata=declare(
        "The SMTP server's port.", minimum=1, maximum=MAX_PORT))
    smtp_user: str | None = field(default=None, metadata=declare(
        "The SMTP login, if the server wants one."))
    smtp_password: str | None = field(default=None, repr=False, metadata=declare(
        "The SMTP password."))
    smtp_starttls: bool = field(default=False, metadata=declare(
        "Upgrade the SMTP connection with STARTTLS."))
    smtp_ssl: bool = field(default=False, metadata=declare(
        "Connect to the SMTP server over TLS from the start."))
    smtp_timeout_seconds: float = field(default=10.0, metadata=declare(
        "The SMTP timeout.", minimum=0.1))
    # doctors
    currency: str = field(default="EUR", metadata=declare(
        "The currency of a new doctor's price (ISO 4217 code).",
        fold=str.upper, check=_is_currency, problem="must be a 3-letter ISO code"))
    invite_ttl_hours: int = field(default=72, metadata=declare(
        "How long an invitation's token works.", minimum=1, maximum=MAX_INVITE_TTL_HOURS))

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


@dataclass(frozen=True)
class Declared:
    """One setting as declared: the field's name and default with its `Spec`."""

    name: str
    default: object
    spec: Spec

    @property
    def variable(self) -> str:
        return PREFIX + self.name.upper()

    @property
    def file_key(self) -> str | None:
        return None if self.spec.env_only else self.name

    @property
    def kind(self) -> Kind:
        if self.spec.kind is not None:
            return self.spec.kind
        if isinstance(self.default, bool):
            return "flag"
        if isinstance(self.default, int):
            return "whole"
        if isinstance(self.default, float):
            return "number"
        return "text"


#: Every setting, in the order `Settings` declares them.
SETTINGS: tuple[Declared, ...] = tuple(
    Declared(f.name, None if f.default is MISSING else f.default, f.metadata[_SPEC])
    for f in fields(Settings) if _SPEC in f.metadata
)
_BY_NAME = {d.name: d for d in SETTINGS}

ROOT_DATA_DIR = Path("/var/lib/doctorbook")


def _default_dirs() -> tuple[Path, Path]:
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


def _shown(value: float) -> str:
    """2592000.0 -> "2592000", 0.01 -> "0.01" (no exponents in a message)."""
    return str(int(value)) if value == int(value) else repr(value)


def _either(choices: tuple[str, ...]) -> str:
    """("file", "smtp", "http") -> "file, smtp or http"."""
    return ", ".join(choices[:-1]) + " or " + choices[-1] if len(choices) > 1 else choices[0]


class _Sources:
    """Where each setting comes from: DOCTORBOOK_<NAME>, else config.toml, else its default.

    Every refusal names the key and its source, so a bad value can be found and fixed.
    """

    def __init__(self, env: dict[str, str], file_values: dict[str, object], path: Path) -> None:
        self.env = env
        self.file_values = file_values
        self.path = path

    def where(self, name: str) -> str:
        variable = PREFIX + name.upper()
        return variable if self.env.get(variable, "").strip() else str(self.path)

    def fail(self, name: str, problem: str) -> ConfigurationError:
        return ConfigurationError(f"{name} {problem} (from {self.where(name)})")

    def pick(self, name: str) -> str | None:
        value = self.env.get(PREFIX + name.upper(), "").strip()
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

    def value(self, setting: Declared) -> object:
        """The setting's value, checked against its declaration."""
        spec, name = setting.spec, setting.name
        if spec.env_only:
            return self.from_env_only(setting)
        kind = setting.kind
        if kind == "url":
            return self.database_url(name)
        raw = self.pick(name)
        if raw is None:
            return setting.default
        if kind == "flag":
            return self.flag(name, raw)
        if kind in ("whole", "number"):
            return self.number(name, raw, whole=kind == "whole", minimum=spec.minimum,
                               maximum=spec.maximum)
        if spec.fold is not None:
            raw = spec.fold(raw)
        if spec.choices and raw not in spec.choices:
            raise self.fail(name, f"must be {_either(spec.choices)}: {raw!r}")
        if spec.check is not None and not spec.check(raw):
            raise self.fail(name, f"{spec.problem}: {raw!r}")
        return raw

    def from_env_only(self, setting: Declared) -> object:
        """A variable that has no config.toml key; a refusal names the variable alone."""
        raw = self.env.get(setting.variable, "").strip()
        if not raw:
            return setting.default
        spec = setting.spec
        if spec.check is not None and not spec.check(raw):
            raise ConfigurationError(f"{setting.variable} {spec.problem}")
        if _undecodable(raw):
            raise ConfigurationError(f"{setting.variable} is not valid UTF-8")
        return raw

    def number(self, name: str, raw: str, *, whole: bool, minimum: float,
               maximum: float) -> float:
        a_number = "a whole number" if whole else "a number"
        try:
            value = float(raw)
        except ValueError:
            raise self.fail(name, f"must be {a_number}: {raw!r}") from None
        if whole and math.isnan(value):
            raise self.fail(name, f"must be a whole number: {raw!r}")
        # NaN compares false with everything, so it ends here too, with the infinities.
        if not minimum <= value <= maximum:
            raise self.fail(name, f"must be from {_shown(minimum)} to {_shown(maximum)}: "
                                  f"{raw!r}")
        if whole:
            if value != int(value):
                raise self.fail(name, f"must be a whole number: {value:g}")
            return int(value)
        return value

    def flag(self, name: str, raw: str) -> bool:
        lowered = raw.lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise self.fail(name, f"must be true or false: {lowered!r}")

    def database_url(self, name: str) -> str | None:
        """A PostgreSQL URL, checked enough that the driver never sees garbage; the value is
        never repeated in a message (it may hold a password)."""
        url = self.pick(name)
        if url is None:
            return None
        scheme, sep, _ = url.partition("://")
        if not sep or scheme.lower() not in DATABASE_SCHEMES:
            raise self.fail(name, "must be a postgresql:// URL")
        try:
            parts = urlsplit(url)
            _ = parts.port  # raises for a port that is not a number from 0 to 65535
        except ValueError as exc:
            # Not urlsplit's words: they may quote the URL, password and all (a '/' in the
            # password ends the host part, and the rest is read as the port).
            what = "its port" if "port" in str(exc).lower() else "its host"
            raise self.fail(name, f"is not a valid URL ({what} can't be read; a password "
                                  "holding '/', '@', ':' or '#' must be %-escaped)") from None
        if any(ch.isspace() or not ch.isprintable() for ch in url):
            raise self.fail(name, "must not contain spaces or control characters")
        return url


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build the settings: environment first, then the config file, then defaults."""
    env = dict(os.environ if environ is None else environ)
    home_env = env.get(_BY_NAME["home"].variable, "").strip()
    if home_env:
        # Any bytes make a path (surrogateescape round-trips them), so HOME is not checked.
        home = Path(home_env).expanduser().resolve()
        config_dir = home
    else:
        home, config_dir = _default_dirs()
    config_file = config_dir / "config.toml"
    src = _Sources(env, _read_toml(config_file), config_file)
    values: dict[str, Any] = {s.name: src.value(s) for s in SETTINGS if s.name != "home"}
    return Settings(home=home, config_dir=config_dir, **values)


# --- README's table ------------------------------------------------------------------------


def _default_text(setting: Declared) -> str:
    if setting.spec.shown_default is not None:
        return setting.spec.shown_default
    value = setting.default
    if value is None:
        return "none"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float):
        return f"`{_shown(value)}`"
    return f"`{value}`"


def _values_text(setting: Declared) -> str:
    spec, kind = setting.spec, setting.kind
    if spec.shown_values is not None:
        return spec.shown_values
    if spec.problem.startswith("must be "):
        return spec.problem.removeprefix("must be ")
    if spec.choices:
        return _either(tuple(f"`{c}`" for c in spec.choices))
    if kind == "flag":
        return "`true` or `false`"
    if kind in ("whole", "number"):
        noun = "whole number" if kind == "whole" else "number"
        return f"{noun}, {_shown(spec.minimum)} to {_shown(spec.maximum)}"
    return {"url": "`postgresql://` URL", "path": "a directory"}.get(kind, "text")


def settings_table_markdown() -> str:
    """README's settings table, from the declaration (a test keeps README equal to it)."""
    rows = ["| Variable | `config.toml` key | Default | Values | Meaning |",
            "| --- | --- | --- | --- | --- |"]
    for setting in SETTINGS:
        key = f"`{setting.file_key}`" if setting.file_key else "(variable only)"
        cells = [f"`{setting.variable}`", key, _default_text(setting), _values_text(setting),
                 setting.spec.help]
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(rows) + "\n"
