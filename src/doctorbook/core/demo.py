"""Seeding a demo clinic: an admin, a receptionist and two patients with known passwords."""

from __future__ import annotations

from dataclasses import dataclass

from doctorbook.core import auth
from doctorbook.core.db import Database
from doctorbook.core.rbac import Actor, Role


@dataclass(frozen=True)
class DemoAccount:
    role: Role
    name: str
    email: str
    password: str


DEMO_ACCOUNTS = (
    DemoAccount(Role.ADMIN, "Ada Admin", "admin@demo.clinic", "admin-demo-2026"),
    DemoAccount(Role.RECEPTIONIST, "Rita Reception", "reception@demo.clinic",
                "desk-demo-2026"),
    DemoAccount(Role.PATIENT, "Paul Patient", "paul@demo.clinic", "patient-demo-2026"),
    DemoAccount(Role.PATIENT, "Petra Patient", "petra@demo.clinic", "patient-demo-2026"),
)


def _exists(db: Database, email: str) -> bool:
    from sqlalchemy import select

    from doctorbook.core.models import User

    with db.unit_of_work() as uow:
        return uow.session.scalar(select(User.id).where(User.email == email)) is not None


def seed(db: Database) -> tuple[DemoAccount, ...]:
    """Create the demo accounts that don't exist yet (idempotent) and return them all."""
    admin_actor = Actor.anonymous()
    for account in DEMO_ACCOUNTS:
        if _exists(db, account.email):
            if account.role == Role.ADMIN:
                with db.unit_of_work() as uow:
                    result = auth.login(uow, email=account.email, password=account.password)
                admin_actor = Actor(result.user.id, Role.ADMIN, result.user.email)
                with db.unit_of_work() as uow:
                    auth.logout(uow, access_token=result.access_token)
            continue
        with db.unit_of_work() as uow:
            if account.role == Role.ADMIN:
                view = auth.create_admin(uow, actor=admin_actor, email=account.email,
                                         name=account.name, password=account.password)
                admin_actor = Actor(view.id, Role.ADMIN, view.email)
            elif account.role == Role.PATIENT:
                auth.register(uow, email=account.email, name=account.name,
                              password=account.password)
            else:
                auth.create_staff(uow, actor=admin_actor, email=account.email,
                                  name=account.name, password=account.password,
                                  role=account.role)
    return DEMO_ACCOUNTS
