"""Permissions only (issue 12, part 3): every decision reads the one role -> permission table.

- Every public use case of core (found by introspection: a public function of a core module
  taking the unit of work first and a keyword-only `actor`) refuses an actor who holds no
  permission: anonymous, and a logged-in user of each role whose row of the table is emptied.
  A new use case without a check fails here, unless it is on the commented allow-list of
  deliberately open ones.
- No role comparison outside `core/base/rbac.py` (a grep over src).
- README's role -> permission table is the one `rbac.permissions_table()` generates.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

import doctorbook.core
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import AuthenticationError, DoctorbookError, PermissionDenied
from doctorbook.core.base.models import Appointment, EmailOutbox
from doctorbook.core.base.rbac import (
    DESCRIPTIONS,
    NOT_YOURS,
    ROLE_PERMISSIONS,
    STAFF_ROLES,
    Actor,
    Permission,
    Role,
    is_staff_role,
    permissions_table,
)
from doctorbook.core.booking import booking
from doctorbook.core.doctors import invites
from doctorbook.core.feedback import reviews
from doctorbook.core.scheduling import schedule
from tests.booking.conftest import IN_3_DAYS_10, TOMORROW_10, Clinic, add_slot, clinic
from tests.conftest import NOW, PASSWORD

__all__ = ["clinic"]

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "doctorbook"

# --- which functions are use cases ------------------------------------------------------------

#: Public functions with a keyword-only `actor` that are not use cases: the caller has checked.
HELPERS = {
    # Writes the audit entry for whoever acted; every use case calls it after its own check.
    "base.audit.record": "the audit writer",
    # Cancels in place inside cancel/reschedule, after check_may_cancel.
    "booking.lifecycle.release": "a step of cancel and reschedule",
    # Issues an invitation's token for invite_doctor, approve_request and the staff invites,
    # each of which checks its own permission first.
    "accounts.invitations.create_invite": "a step of the invite use cases",
}

#: Use cases deliberately open to an actor with no permission (they may succeed for them).
OPEN = {
    # A doctor's public profile: patients (and anyone at the kiosk) read it before logging in;
    # hidden profiles stay NotFound for everyone but DOCTORS_MANAGE and the doctor.
    "doctors.doctors.show_doctor": "public profiles",
    # The same profile with a page of its reviews and a week of open slots (search's page).
    "booking.search.doctor_page": "public profiles, with reviews and open slots",
    # "Who am I": any logged-in account, whatever its role holds (anonymous is refused).
    "accounts.identity.whoami": "any logged-in account",
    # Authorised by the code e-mailed to the new address, not by the table; a logged-in actor
    # only narrows it (someone else's code is refused).
    "accounts.accounts.confirm_email_change": "authorised by the e-mailed code",
}
# Open use cases without an actor need no entry: auth.register, auth.login, search.search,
# invites.request_join, invites.accept_invite, accounts.request_password_reset, ...
# setup_state.has_accounts is open too: a fresh database's login form (`doctorbook tui`) says
# how to make the first admin, and whether any account exists says nothing about anybody.
# auth.create_admin is open only while no admin exists (the console's bootstrap): here one
# does, so it must refuse like the rest.


def _short(function: Callable[..., Any]) -> str:
    return f"{function.__module__.removeprefix('doctorbook.core.')}.{function.__name__}"


def discover() -> dict[str, Callable[..., Any]]:
    """Every public function of a core module that takes the unit of work (`uow`) first and
    `actor` as a keyword-only argument: a use case's shape (DESIGN.md, section 2). Builders
    that take an actor but no unit of work (`audit.row`) only describe a row."""
    found: dict[str, Callable[..., Any]] = {}
    for info in pkgutil.walk_packages(doctorbook.core.__path__, "doctorbook.core."):
        module = importlib.import_module(info.name)
        for name, function in vars(module).items():
            if (name.startswith("_") or not inspect.isfunction(function)
                    or function.__module__ != module.__name__):
                continue
            parameters = list(inspect.signature(function).parameters.values())
            actor = next((p for p in parameters if p.name == "actor"), None)
            if (parameters and parameters[0].name == "uow" and actor is not None
                    and actor.kind is inspect.Parameter.KEYWORD_ONLY):
                found[_short(function)] = function
    return found


FOUND = discover()
USE_CASES = {name: f for name, f in sorted(FOUND.items()) if name not in HELPERS}


def test_discovery_finds_the_use_cases_and_the_lists_name_real_functions() -> None:
    assert len(USE_CASES) >= 45, sorted(USE_CASES)
    for known in ("booking.booking.book", "booking.lifecycle.cancel",
                  "scheduling.dayview.day_slots", "base.audit.list_entries",
                  "accounts.accounts.set_staff_active",
                  "accounts.erasure.erase_patient", "mail.admin.retry"):
        assert known in USE_CASES
    # A renamed or removed function must leave the lists too.
    assert set(HELPERS) <= set(FOUND)
    assert set(OPEN) <= set(USE_CASES)


# --- a small clinic to call them on ------------------------------------------------------------


@dataclass(frozen=True)
class World:
    clinic: Clinic
    values: dict[str, object]


@pytest.fixture
def world(uow: UnitOfWork, clinic: Clinic) -> World:
    """Real rows for every id a use case takes, so a refusal can't hide behind "not found"."""
    booked = booking.book(uow, actor=clinic.alice, slot_id=add_slot(
        uow, clinic.doctor.user_id or 0, TOMORROW_10), reason="check-up")
    open_slot = add_slot(uow, clinic.doctor.user_id or 0, IN_3_DAYS_10)
    visit = Appointment(patient_id=clinic.alice.user_id, doctor_id=clinic.doctor.user_id,
                        booked_by_id=clinic.alice.user_id, starts_at=NOW - timedelta(days=3),
                        ends_at=NOW - timedelta(days=3, minutes=-30), status="completed",
                        created_at=NOW, updated_at=NOW)
    uow.session.add(visit)
    uow.commit()
    review = reviews.submit_review(uow, actor=clinic.alice, appointment_id=visit.id, rating=5)
    rule = schedule.add_rule(uow, actor=clinic.doctor, weekday="mon", start="09:00",
                             end="12:00")
    off = schedule.add_exception(uow, actor=clinic.doctor, on=date(2026, 12, 24), kind="off")
    request = invites.request_join(uow, email="newdoc@example.com", name="Dr New")
    outbox_id = uow.session.scalars(select(EmailOutbox.id).order_by(EmailOutbox.id)).first()
    values: dict[str, object] = {
        # ids of real rows
        "appointment_id": booked.id,
        "new_slot_id": open_slot,
        "slot_id": open_slot,
        "specialty": "Cardiology",
        "doctor_id": clinic.doctor.user_id,
        "patient_id": clinic.bob.user_id,
        "user_id": clinic.bob.user_id,
        "ref": "bob@example.com",
        "request_id": request.id,
        "outbox_id": outbox_id,
        "review_id": review.id,
        "rule_id": rule.id,
        "exception_id": off.id,
        # plain arguments, valid where the use case validates them
        "action": "confirm",
        "active": False,
        "day": date(2026, 11, 25),
        "on": date(2026, 12, 31),
        "kind": "off",
        "weekday": "tue",
        "start": "09:00",
        "end": "12:00",
        "email": "someone.new@example.com",
        "new_email": "alice.new@example.com",
        "name": "Someone New",
        "role": Role.RECEPTIONIST,
        "password": PASSWORD,
        "current": PASSWORD,
        "new": "another horse battery staple",
        "old": "Cardiology",
        "query": "Bob",
        "rating": 4,
        "score": 9,
        "reason": "a reason",
        "text": "a note",
        "token": "dbe_not-a-real-code",
    }
    assert outbox_id is not None
    return World(clinic, values)


def _call(uow: UnitOfWork, name: str, actor: Actor, world: World) -> object:
    function = USE_CASES[name]
    kwargs: dict[str, object] = {}
    for parameter in list(inspect.signature(function).parameters.values())[1:]:
        if parameter.name == "actor":
            kwargs["actor"] = actor
        elif parameter.default is inspect.Parameter.empty:
            assert parameter.name in world.values, (
                f"{name} takes `{parameter.name}`: give it a sample value in world()")
            kwargs[parameter.name] = world.values[parameter.name]
    return function(uow, **kwargs)


ACTORS = ["anonymous", "patient", "doctor", "receptionist", "admin"]


@pytest.mark.parametrize("who", ACTORS)
def test_every_use_case_refuses_an_actor_without_permissions(
    uow: UnitOfWork, world: World, who: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The doctor is the booked appointment's own doctor and the patient its own patient, so
    only the table (not who they are) can refuse them."""
    c = world.clinic
    actor = {"anonymous": Actor.anonymous(), "patient": c.alice, "doctor": c.doctor,
             "receptionist": c.desk, "admin": c.admin}[who]
    for role in Role:  # every row of the table emptied: nobody holds anything
        monkeypatch.setitem(ROLE_PERMISSIONS, role, frozenset())
    wrong: list[str] = []
    for name in USE_CASES:
        try:
            result = _call(uow, name, actor, world)
        except (PermissionDenied, AuthenticationError):
            outcome = None
        except DoctorbookError as exc:
            outcome = f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # a crash: always wrong, open or not
            wrong.append(f"{name} crashed: {type(exc).__name__}: {exc}")
            continue
        else:
            outcome = f"succeeded ({type(result).__name__})"
        finally:
            uow.rollback()  # nothing a refused call did stays for the next one
        if outcome is not None and name not in OPEN:
            wrong.append(f"{name} {outcome}")
    assert wrong == [], "use cases that don't refuse an actor without permissions:\n" + \
        "\n".join(wrong)


def test_the_same_actors_with_their_permissions_are_let_through(
    uow: UnitOfWork, world: World,
) -> None:
    """The refusals above come from the emptied table: with it, the owner gets in."""
    c = world.clinic
    shown = _call(uow, "booking.appointments.show_appointment", c.doctor, world)
    assert getattr(shown, "notes_visible", None) is True
    assert _call(uow, "scheduling.dayview.day_slots", c.doctor, world)
    assert _call(uow, "booking.appointments.show_appointment", c.alice, world)
    with pytest.raises(PermissionDenied, match=NOT_YOURS):
        _call(uow, "booking.appointments.show_appointment", c.bob, world)


# --- the helpers ---------------------------------------------------------------------------------


def test_own_or_any() -> None:
    doctor, desk = Actor(5, Role.DOCTOR), Actor(9, Role.RECEPTIONIST)
    patient = Actor(7, Role.PATIENT)
    own, any_ = Permission.APPOINTMENTS_MANAGE_OWN, Permission.APPOINTMENTS_MANAGE_ANY
    assert doctor.may(own=own, any=any_, owner_id=5)
    assert not doctor.may(own=own, any=any_, owner_id=6)
    assert desk.may(own=own, any=any_, owner_id=6)
    assert not patient.may(own=own, any=any_, owner_id=7)  # owning isn't enough: no _OWN
    # Several owners: an appointment is its patient's and its doctor's.
    assert patient.owns(Permission.APPOINTMENTS_VIEW_OWN, (7, 5))
    assert not patient.owns(Permission.APPOINTMENTS_VIEW_OWN, (8, 5))
    assert not Actor(None, Role.PATIENT).owns(Permission.APPOINTMENTS_VIEW_OWN, None)
    doctor.require_own_or_any(own=own, any=any_, owner_id=5)
    with pytest.raises(PermissionDenied, match="not yours"):
        doctor.require_own_or_any(own=own, any=any_, owner_id=6, denied="not yours")
    with pytest.raises(AuthenticationError):
        Actor.anonymous().require_own_or_any(own=own, any=any_, owner_id=None)


def test_role_predicates_and_role_can() -> None:
    assert [r for r in Role if r.is_patient] == [Role.PATIENT]
    assert [r for r in Role if r.is_doctor] == [Role.DOCTOR]
    assert [r for r in Role if r.is_receptionist] == [Role.RECEPTIONIST]
    assert [r for r in Role if r.is_admin] == [Role.ADMIN]
    assert [r for r in Role if r.is_staff] == list(STAFF_ROLES)
    assert is_staff_role("admin") and not is_staff_role("doctor")
    for role in Role:
        for permission in Permission:
            assert role.can(permission) == (permission in ROLE_PERMISSIONS[role])
            assert Actor(1, role).can(permission) == role.can(permission)


# --- no role comparisons outside rbac.py ---------------------------------------------------------

_ROLE_NAMES = "|".join(str(r) for r in Role)
ROLE_COMPARISON = re.compile(
    r"\bRole\.[A-Z_]+\s*(==|!=)"  # Role.X == ...
    r"|(==|!=|\bis(\s+not)?)\s*(str\()?Role\.[A-Z_]+"  # == Role.X, is (not) Role.X, == str(..)
    r"|\bin\s*[(\[{]\s*(str\()?Role\."  # ... (not) in (Role.X, ...)
    r"|\bcase\s+Role\."  # match role: case Role.X
    rf"|role\b\)?\s*(==|!=|\bin\b)\s*[(\[{{]?\s*[\"']({_ROLE_NAMES})[\"']"  # role == "admin"
)



def role_comparisons(text: str) -> list[tuple[int, str]]:
    hits = []
    for number, line in enumerate(text.splitlines(), 1):
        code = line.split("#", 1)[0]
        if ROLE_COMPARISON.search(code):
            hits.append((number, line.strip()))
    return hits


@pytest.mark.parametrize("line", [
    "if actor.role != Role.PATIENT:",
    "own = doctor_id if actor.role == Role.DOCTOR else patient_id",
    "select(User).where(User.role == str(Role.ADMIN))",
    "if user.role is not Role.PATIENT:",
    "if role not in (Role.RECEPTIONIST,):",
    "if Role.ADMIN == role:",
    "case Role.DOCTOR:",
    "if user.role == 'admin':",
    'where(User.role == "patient")',
    "if row.role != str(Role.PATIENT):",
])
def test_the_grep_sees_a_role_comparison(line: str) -> None:
    assert role_comparisons(line)


@pytest.mark.parametrize("line", [
    "if not Role(user.role).is_patient:",
    "DemoAccount(Role.ADMIN, 'Ada Admin', 'admin@demo.clinic', 'pw')",
    "actor = Actor(user.id, Role.DOCTOR, user.email)",
    "stmt = select(User).where(has_role(User.role, Role.PATIENT))",
    "data={'role': str(Role.PATIENT)}",
])
def test_the_grep_lets_uses_of_roles_through(line: str) -> None:
    assert not role_comparisons(line)


def test_no_role_comparison_outside_rbac() -> None:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if relative == "core/base/rbac.py":
            continue
        found += [f"{relative}:{n}: {line}" for n, line in role_comparisons(path.read_text())]
    assert found == [], ("compare roles in core/base/rbac.py only: use a permission "
                         "(actor.can, require, actor.require_own_or_any) or a Role predicate "
                         "(is_patient, is_staff, ...):\n" + "\n".join(found))


# --- the README's table ---------------------------------------------------------------------------


def test_every_permission_says_what_it_allows() -> None:
    assert set(DESCRIPTIONS) == set(Permission)
    assert all(DESCRIPTIONS[p] and "|" not in DESCRIPTIONS[p] for p in Permission)


def test_readme_shows_the_table_the_code_generates() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- permissions-table -->", "<!-- /permissions-table -->"
    assert readme.count(start) == 1 and readme.count(end) == 1
    shown = readme.split(start, 1)[1].split(end, 1)[0]
    assert shown.strip() == permissions_table().strip(), (
        "README's permissions table is stale: paste rbac.permissions_table() between the "
        "markers")
    for role in Role:
        assert f"| {role} " in permissions_table()
