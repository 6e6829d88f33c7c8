"""Session tokens: random from the OS CSPRNG (256 bits), stored only as SHA-256 digests."""

from __future__ import annotations

import hashlib
import secrets

ACCESS_PREFIX = "dba_"
REFRESH_PREFIX = "dbr_"


def new_token(prefix: str) -> str:
    # 32 bytes = 256 bits of entropy; a fast hash is enough for values this random.
    return prefix + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
