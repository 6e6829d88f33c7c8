"""The error hierarchy every entry point translates into a one-line message."""

from __future__ import annotations


class DoctorbookError(Exception):
    """Base of every foreseeable error; `str(err)` is a message fit for a user."""

    #: What kind of refusal this is; the CLI maps it to an exit code.
    kind = "error"


class NotFound(DoctorbookError):
    """The thing asked for does not exist (or the actor may not know it exists)."""

    kind = "not_found"


class PermissionDenied(DoctorbookError):
    """The actor's role or ownership does not allow this."""

    kind = "permission_denied"


class ValidationError(DoctorbookError):
    """Bad input: a malformed e-mail, a weak password, an impossible date."""

    kind = "validation"


class PolicyViolation(DoctorbookError):
    """Well-formed input a clinic rule refuses (too late to cancel, lead time)."""

    kind = "policy"


class Conflict(DoctorbookError):
    """The state changed under us or already exists (slot taken, e-mail registered)."""

    kind = "conflict"


class AuthenticationError(DoctorbookError):
    """Who you are could not be established: wrong credentials, expired or revoked session."""

    kind = "authentication"


class AccountLocked(AuthenticationError):
    """Too many failed logins; the account is locked for a while."""

    kind = "locked"


class DatabaseUnavailable(DoctorbookError):
    """The database could not be reached or started."""

    kind = "database"


class ConfigurationError(DoctorbookError):
    """A setting is missing or malformed."""

    kind = "configuration"


class SchemaOutOfDate(DoctorbookError):
    """The database schema is behind this version of doctorbook."""

    kind = "schema"
