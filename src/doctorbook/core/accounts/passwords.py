"""Password policy and argon2id hashing (above OWASP's minimum: m=19 MiB, t=2, p=1)."""

from __future__ import annotations

import functools
from importlib import resources

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from doctorbook.core.base.errors import ValidationError

MIN_LENGTH = 10
MAX_LENGTH = 128

# OWASP's minimum is m=19 MiB, t=2, p=1; one more pass costs a few ms and buys margin.
TIME_COST = 3
MEMORY_COST_KIB = 19 * 1024
PARALLELISM = 1


@functools.cache
def hasher() -> PasswordHasher:
    return PasswordHasher(
        time_cost=TIME_COST,
        memory_cost=MEMORY_COST_KIB,
        parallelism=PARALLELISM,
        hash_len=32,
        salt_len=16,
        type=Type.ID,
    )


@functools.cache
def common_passwords() -> frozenset[str]:
    """Common passwords of at least MIN_LENGTH characters (shorter ones fail on length)."""
    text = resources.files("doctorbook.core").joinpath("data/common-passwords.txt").read_text()
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def check_policy(password: str, *, email: str | None = None) -> None:
    """Refuse a password a clinic should not accept; the message says why."""
    if len(password) < MIN_LENGTH:
        raise ValidationError(f"password must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise ValidationError(f"password must be at most {MAX_LENGTH} characters")
    if password.lower() in common_passwords():
        raise ValidationError("password is too common; choose one that is harder to guess")
    if email and password.strip().lower() == email.strip().lower():
        raise ValidationError("password must not be your e-mail address")


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return hasher().check_needs_rehash(password_hash)


@functools.cache
def _dummy_hash() -> str:
    return hash_password("doctorbook-timing-equaliser")


def burn_verify_time(password: str) -> None:
    """Spend a verification's time for an unknown e-mail, so timing reveals nothing."""
    verify_password(_dummy_hash(), password)
