"""Whether a clinic's database is set up yet: what a first run's login form tells its user."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import exists, select

from doctorbook.core.base.account_models import User

if TYPE_CHECKING:
    from doctorbook.core.base.db import UnitOfWork


def has_accounts(uow: UnitOfWork) -> bool:
    """Whether any account exists, of any role or state. Open to anyone: a fresh database's
    login form says how to make the first admin, and a yes/no says nothing about anybody."""
    return bool(uow.session.scalar(select(exists().where(User.id.is_not(None)))))
