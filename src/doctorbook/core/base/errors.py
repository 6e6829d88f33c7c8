"""The error hierarchy: each error carries a stable `code` every entry point can rely on."""

from __future__ import annotations

from typing import Literal

#: The stable codes, part of the CLI contract (`--json` prints them; scripts branch on them):
#: add one only with the CLI's exit-code table and README, never rename one.
ErrorCode = Literal[
    "not_found", "permission_denied", "conflict", "policy", "validation", "auth", "unavailable"
]


class DoctorbookError(Exception):
    """Base of every foreseeable error; `str(err)` is a message fit for a user."""

    #: What kind of refusal this is; the CLI maps it to an exit code and prints it under
    #: `--json`. An error no subclass classifies is the system failing, not the caller.
    code: ErrorCode = "unavailable"


class NotFound(DoctorbookError):
    """The thing asked for does not exist (or the actor may not know it exists)."""

    code = "not_found"


class PermissionDenied(DoctorbookError):
    """The actor's role or ownership does not allow this."""

    code = "permission_denied"


class ValidationError(DoctorbookError):
    """Bad input: a malformed e-mail, a weak password, an impossible date."""

    code = "validation"


class PolicyViolation(DoctorbookError):
    """Well-formed input a clinic rule refuses (too late to cancel, lead time)."""

    code = "policy"


class Conflict(DoctorbookError):
    """The state changed under us or already exists (slot taken, e-mail registered)."""

    code = "conflict"


class AuthenticationError(DoctorbookError):
    """Who you are could not be established: wrong credentials, expired or revoked session."""

    code = "auth"


class AccountLocked(AuthenticationError):
    """Too many failed logins; the account is locked for a while (still `auth`: the message
    says until when)."""


class DatabaseUnavailable(DoctorbookError):
    """The database could not be reached or started, or the connection was lost."""

    code = "unavailable"


class ConfigurationError(DoctorbookError):
    """A setting is missing or malformed: the operator's bad input, so `validation`."""

    code = "validation"


class SchemaOutOfDate(DoctorbookError):
    """The database schema is behind this version of doctorbook: not usable until upgraded."""

    code = "unavailable"
