"""Where a login attempt comes from (SSH client, terminal, OS user), for throttling logins."""

from __future__ import annotations

import functools
import getpass
import os
import re
from collections.abc import Mapping

#: The longest origin stored (the column is 200 characters wide).
MAX_LENGTH = 200
# Each part is cut to this, so one long value can't push the OS user out of the origin.
_PART_LENGTH = 64
# What an IP address (v4, v6 with a zone), a device path or a user name is made of; anything
# else becomes "_", so an origin is always one plain line and never "*" (the all-origins key).
_UNSAFE = re.compile(r"[^A-Za-z0-9._:/@%+=\-]")


def _part(value: str) -> str:
    return _UNSAFE.sub("_", value.strip())[:_PART_LENGTH]


def clean_origin(value: str) -> str:
    """An origin fit to store and show: safe characters, single spaces, at most 200 long."""
    cleaned = " ".join(_part(word) for word in value.split())[:MAX_LENGTH].strip()
    return cleaned or "unknown"


def _ssh_client(environ: Mapping[str, str]) -> str | None:
    # The client's address only: its port changes with every connection, so keeping it would
    # hand a stranger a fresh origin (and fresh attempts) for each reconnect.
    for name in ("SSH_CONNECTION", "SSH_CLIENT"):
        fields = environ.get(name, "").split()
        if fields:
            return fields[0]
    return None


def _terminal() -> str | None:
    # stdin first; `login --password-stdin` reads a pipe, but its stderr is still the terminal.
    for fd in (0, 2, 1):
        try:
            if os.isatty(fd):
                return os.ttyname(fd)
        except OSError:
            continue
    return None


@functools.cache
def _os_user() -> str:
    # From the uid, not getpass.getuser(): that reads $LOGNAME/$USER first, which anyone can set.
    getuid = getattr(os, "getuid", None)
    if getuid is None:  # not POSIX
        return getpass.getuser()
    uid = getuid()
    try:
        import pwd  # local: POSIX only (the ImportError is caught below)

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return str(uid)


def current_origin(environ: Mapping[str, str] | None = None) -> str:
    """`ssh:10.0.0.5 user:desk`, `tty:/dev/tty1 user:kiosk` or `user:cron`: stable for one
    terminal, different between the kiosk and a receptionist's SSH session; never a secret."""
    env = os.environ if environ is None else environ
    parts: list[str] = []
    client = _ssh_client(env)
    if client is not None:
        # Over SSH the terminal is a fresh pseudo-terminal per connection: the address is
        # what stays the same.
        parts.append(f"ssh:{client}")
    else:
        terminal = _terminal()
        if terminal is not None:
            parts.append(f"tty:{terminal}")
    parts.append(f"user:{_os_user()}")
    return clean_origin(" ".join(parts))
