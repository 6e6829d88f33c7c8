"""Hostile text through the CLI (DESIGN.md 6, issue 10 A): every listing shows people's strings
literally (markup as text, no control character on the terminal) and --json gives back exactly
what is stored.

Each field a listing shows is filled with the whole shared list (tests/hostile.py), written
through core where core accepts the string and, where it refuses it, stored raw with SQL as data
from before that validation existed would be; then each listing runs once.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import keyring
import pytest
from sqlalchemy import text
from typer.testing import CliRunner, Result

from doctorbook.cli.main import app
from doctorbook.core.accounts import auth, passwords
from doctorbook.core.base.audit import record
from doctorbook.core.base.clock import FixedClock, parse_instant
from doctorbook.core.base.db import Database, UnitOfWork, make_engine
from doctorbook.core.base.errors import Conflict, ValidationError
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.booking import booking, lifecycle
from doctorbook.core.doctors import doctors, invites, specialties
from doctorbook.core.feedback import reviews
from doctorbook.core.scheduling import schedule
from tests.cli.conftest import NOW, Cli
from tests.cli.test_booking_commands import PEOPLE, Clinic, seed_clinic
from tests.conftest import MemoryKeyring, _create_from_template, _drop
from tests.hostile import CURATED, ESCAPES, MARKUP, has_control, hostile_strings
from tests.search.conftest import add_slot, make_visible_doctor

HOSTILE = hostile_strings()
#: Markup that must come out as the very same text (it would restyle, link or crash if parsed).
MARKERS = ["Eve [/bold] Evil", "rash [/]", "[link=file:///etc/passwd]click[/link]",
           "[@click=app.quit]quit[/]", ":smile: :cross_mark:", "[blink]ALERT[/blink]",
           "\\[escaped]", "[/][/][/][/]"]
#: Wide enough that no marker is ever wrapped inside a table cell.
WIDE = {"COLUMNS": "3000"}
T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

#: What became of each string, per field: through core, refused and stored raw, or refused and
#: unstorable (NUL, lone surrogates). For the record; the assertions do not depend on it.
tally: Counter[str] = Counter()


def storable(value: str) -> bool:
    """PostgreSQL text holds neither NUL nor lone surrogates (they are not UTF-8)."""
    return "\x00" not in value and not any(unicodedata.category(ch) == "Cs" for ch in value)


def run(cli: Cli, who: str, *args: str, input: str | None = None, **env: str) -> Result:
    """In process, with click told the output is a colour terminal: it then strips no escape
    sequence from what a command echoes, so any that leaks is seen."""
    result = CliRunner().invoke(app, list(args), input=input, color=True,
                                env={**cli.env, "DOCTORBOOK_PROFILE": who, **WIDE, **env})
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        repr(result.exception))
    return result


def terminal_safe(output: str) -> None:
    """No ESC, C1, bidi control, separator or other control character; newlines are ours."""
    bad = [line for line in output.split("\n") if has_control(line)]
    assert not bad, [ascii(line[:120]) for line in bad[:5]]


def shown(result: Result) -> str:
    assert result.exit_code == 0, result.output[-2000:]
    terminal_safe(result.stdout)
    terminal_safe(result.stderr)
    return result.stdout


def decoded(result: Result) -> Any:
    return json.loads(shown(result))


def literally(output: str, values: list[str | None]) -> int:
    """Each marker that is among `values` shows as itself; how many there were."""
    expected = [m for m in MARKERS if any(m in (v or "") for v in values)]
    missing = [m for m in expected if m not in output]
    assert not missing, missing
    return len(expected)


def rows(uow: UnitOfWork, sql: str, **params: Any) -> list[Any]:
    return list(uow.session.execute(text(sql), params))


def raw(uow: UnitOfWork, sql: str, **params: Any) -> Any:
    """Data from before core refused control characters: written past core, with SQL."""
    result = uow.session.execute(text(sql), params)
    uow.commit()
    return result


def through_core(field: str, value: str, write: Callable[[str], object],
                 fallback: Callable[[str], object] | None = None) -> bool:
    """Write `value` through core; when core refuses it (ValidationError, or Conflict for a
    duplicate) and PostgreSQL can hold it, it is stored raw: by `fallback`, or else by the
    caller (who does so whenever this returns False for a storable value)."""
    try:
        write(value)
    except (ValidationError, Conflict):
        if not storable(value):
            tally[f"{field}: refused, unstorable"] += 1
            return False
        if fallback is not None:
            fallback(value)
        tally[f"{field}: refused, stored raw"] += 1
        return False
    tally[f"{field}: through core"] += 1
    return True


@dataclass(frozen=True)
class World:
    clinic: Clinic
    db: Database


@pytest.fixture(scope="module")
def world(server_url: str, template_url: str,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One clinic (seed_clinic: staff, two doctors, two patients, all logged in) for the whole
    module: each test adds its own hostile rows and compares with what the database holds."""
    name = f"dbk_hostile_{os.getpid()}"
    url = _create_from_template(server_url, name)
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    cli = Cli(env={"DOCTORBOOK_DATABASE_URL": url, "DOCTORBOOK_NOW": NOW,
                   "DOCTORBOOK_HOME": str(tmp_path_factory.mktemp("hostile") / "home"),
                   "DOCTORBOOK_PROFILE": "default"}, keyring=backend)
    database = Database(engine=make_engine(url), clock=FixedClock(parse_instant(NOW)))
    try:
        yield World(seed_clinic(cli, database), database)
    finally:
        database.dispose()
        keyring.set_keyring(previous)
        _drop(server_url, name)


@pytest.fixture
def clinic(world: World, monkeypatch: pytest.MonkeyPatch) -> Clinic:
    # Hundreds of people are written below and none of them logs in: skip argon2's cost.
    monkeypatch.setattr(passwords, "hash_password", lambda password: "$argon2id$fake")
    return world.clinic


@pytest.fixture
def db(world: World) -> Database:
    return world.db


@contextmanager
def writing(db: Database) -> Iterator[UnitOfWork]:
    """One unit of work for many core calls, each committing: a test database need not wait
    for the disk at every commit."""
    with db.unit_of_work() as uow:
        uow.session.execute(text("SET synchronous_commit TO off"))
        yield uow


def actor(uow: UnitOfWork, email: str) -> Actor:
    [(user_id, role)] = rows(uow, "SELECT id, role FROM users WHERE email = :e", e=email)
    return Actor(user_id, Role(role), email)


def patient(uow: UnitOfWork, key: str, name: str) -> int:
    email = f"{key}@example.com"

    def insert(value: str) -> None:
        raw(uow, "INSERT INTO users (email, name, role, created_at, updated_at) "
                 "VALUES (:e, :n, 'patient', now(), now())", e=email, n=value[:200])

    accepted = through_core("patient name", name, lambda value: auth.register(
        uow, email=email, name=value, password="correct horse battery staple"), insert)
    if not accepted and not storable(name):
        insert(f"Patient {key}")  # a name no database could hold: the row still has to exist
    return int(rows(uow, "SELECT id FROM users WHERE email = :e", e=email)[0][0])


# --- appointments: patient names, reasons, cancel reasons, notes ------------------------------


def test_appointment_listings_show_every_string_literally(clinic, db):
    with writing(db) as uow:
        desk, wilson = actor(uow, PEOPLE["desk"]), actor(uow, PEOPLE["wilson"])
        first = 0
        for i, value in enumerate(HOSTILE):
            patient_id = patient(uow, f"p{i}", value)
            # Five-minute visits: three clinic days hold them all (a listing shows 500 at most).
            slot = add_slot(uow, clinic.wilson, T0 + timedelta(minutes=5 * i), minutes=5)
            booked: list[int] = []

            def book(reason: str | None, slot: int = slot, patient_id: int = patient_id,
                     booked: list[int] = booked) -> None:
                booked.append(booking.book(uow, actor=desk, slot_id=slot, patient_id=patient_id,
                                           reason=reason).id)

            if not through_core("booking reason", value, book):
                book(None)
                if storable(value):
                    raw(uow, "UPDATE appointments SET reason = :v WHERE id = :id",
                        v=value, id=booked[0])
            appointment = booked[0]
            first = first or appointment
            if i % 2:
                def cancel(reason: str, appointment: int = appointment) -> None:
                    lifecycle.cancel(uow, actor=desk, appointment_id=appointment, reason=reason)

                if not through_core("cancel reason", value, cancel):
                    cancel("moved away")
                    if storable(value):
                        raw(uow, "UPDATE appointments SET cancel_reason = :v WHERE id = :id",
                            v=value, id=appointment)
            through_core(
                "note", value,
                lambda v: lifecycle.add_note(uow, actor=wilson, appointment_id=first, text=v),
                # A note is 1 to 10,000 characters, a check constraint says.
                lambda v: v and raw(uow, "INSERT INTO appointment_notes (appointment_id, "
                                         "author_id, body, created_at) VALUES (:a, :w, :b, now())",
                                    a=first, w=wilson.user_id, b=v[:10_000]))
        stored = {r.id: (r.name, r.reason, r.cancel_reason) for r in rows(
            uow, "SELECT a.id, u.name, a.reason, a.cancel_reason FROM appointments a "
                 "JOIN users u ON u.id = a.patient_id")}
        notes = sorted(r.body for r in rows(
            uow, "SELECT body FROM appointment_notes WHERE appointment_id = :a", a=first))
    cli = clinic.cli
    assert len(stored) == len(HOSTILE)

    listed = []
    for day in ("2026-11-25", "2026-11-26", "2026-11-27"):
        table = shown(run(cli, "admin", "appointments", "list", "--date", day))
        assert literally(table, [name for name, _, _ in stored.values()])
        listed += decoded(run(cli, "admin", "appointments", "list", "--date", day,
                              "--json"))["appointments"]
    assert {a["id"]: (a["patient_name"], a["reason"], a["cancel_reason"])
            for a in listed} == stored

    detail = run(cli, "wilson", "appointments", "show", str(first))
    assert literally(shown(detail), notes)
    data = decoded(run(cli, "wilson", "appointments", "show", str(first), "--json"))
    assert sorted(n["body"] for n in data["notes"]) == notes
    # One visit per markup or escape string (the first placement): reason, cancel reason
    # and patient in the two-column panel (where "rash [/]" used to crash).
    for appointment in sorted(stored)[:len(MARKUP) + len(ESCAPES)]:
        page = shown(run(cli, "desk", "appointments", "show", str(appointment)))
        for value in stored[appointment]:
            if value in MARKERS:
                assert value in page


# --- doctors: names, clinics, addresses, cities, bios, specialties, reviews -------------------

GROUPS = ("Group A", "Group B", "Group C")
PER_DOCTOR = 5  # name, clinic, city, address, bio


def hostile_doctor(uow: UnitOfWork, admin: Actor, j: int, values: list[str]) -> int:
    """A visible doctor (in one of GROUPS) whose name and profile fields are hostile."""
    name, clinic_name, city, address, bio = values
    email = f"d{j}@example.com"
    made: list[Actor] = []
    if not through_core("doctor name", name, lambda v: made.append(make_visible_doctor(
            uow, admin, email, name=v, specialty=GROUPS[j % len(GROUPS)]))):
        made.append(make_visible_doctor(uow, admin, email, name=f"Doctor {j}",
                                        specialty=GROUPS[j % len(GROUPS)]))
        if storable(name):
            raw(uow, "UPDATE users SET name = :v WHERE id = :id", v=name[:200],
                id=made[0].user_id)
    doctor = made[0]
    for field, column, value, size in (("clinic_name", "clinic_name", clinic_name, 200),
                                       ("city", "city", city, 100),
                                       ("address", "address", address, 300),
                                       ("bio", "bio", bio, None)):
        through_core(
            f"doctor {field}", value,
            lambda v, f=field: doctors.update_profile(uow, actor=doctor, **{f: v}),
            lambda v, c=column, n=size: raw(uow, f"UPDATE doctors SET {c} = :v "
                                                 "WHERE user_id = :id",
                                            v=v[:n] if n else v, id=doctor.user_id))
    # Core stores an all-blank clinic or city as none, which would take the doctor out of
    # search: put a plain one back so every row stays listed.
    raw(uow, "UPDATE doctors SET clinic_name = coalesce(clinic_name, 'Clinic'), "
             "city = coalesce(city, 'Berlin') WHERE user_id = :id", id=doctor.user_id)
    assert doctor.user_id is not None
    return doctor.user_id


def test_doctor_listings_show_every_string_literally(clinic, db):
    with writing(db) as uow:
        admin = actor(uow, PEOPLE["admin"])
        for group in GROUPS:
            specialties.add(uow, actor=admin, name=group)
        for i, value in enumerate(HOSTILE):
            through_core(
                "specialty name", value, lambda v: specialties.add(uow, actor=admin, name=v),
                lambda v, i=i: raw(uow, "INSERT INTO specialties (name, slug, created_at) "
                                        "VALUES (:n, :s, now())", n=v[:100], s=f"hostile-{i}"))
        hostile_specialties = [r.id for r in rows(
            uow, "SELECT id FROM specialties WHERE name NOT IN ('Cardiology', 'Oncology', "
                 "'Group A', 'Group B', 'Group C') ORDER BY id")]
        padded = HOSTILE + ["Plain"] * (-len(HOSTILE) % PER_DOCTOR)
        ids = [hostile_doctor(uow, admin, j, padded[k:k + PER_DOCTOR])
               for j, k in enumerate(range(0, len(padded), PER_DOCTOR))]
        # Each doctor also has a few of the hostile specialties, for the search table.
        for n, specialty in enumerate(hostile_specialties):
            raw(uow, "INSERT INTO doctor_specialties (doctor_id, specialty_id) VALUES (:d, :s)",
                d=ids[n % len(ids)], s=specialty)
        reviewed = ids[0]
        for k, value in enumerate(CURATED):
            patient_id = patient(uow, f"r{k}", value)
            [(visit,)] = rows(
                uow, "INSERT INTO appointments (patient_id, doctor_id, starts_at, ends_at, "
                     "status, created_at, updated_at) VALUES (:p, :d, :s, :e, 'completed', "
                     "now(), now()) RETURNING id", p=patient_id, d=reviewed,
                s=T0 - timedelta(days=20, hours=k), e=T0 - timedelta(days=20, hours=k - 1))
            who = Actor(patient_id, Role.PATIENT, f"r{k}@example.com")

            def review(comment: str | None, visit: int = visit, who: Actor = who) -> None:
                reviews.submit_review(uow, actor=who, appointment_id=visit, rating=k % 5 + 1,
                                      comment=comment)

            if not through_core("review comment", value, review):
                review(None)
                if storable(value):
                    # At most 2,000 characters, a check constraint says.
                    raw(uow, "UPDATE reviews SET comment = :v WHERE appointment_id = :a",
                        v=value[:2000], a=visit)
        stored = {r.user_id: r for r in rows(
            uow, "SELECT d.user_id, u.name, d.clinic_name, d.city, d.address, d.bio, "
                 "array(SELECT s.name FROM doctor_specialties ds JOIN specialties s "
                 "ON s.id = ds.specialty_id WHERE ds.doctor_id = d.user_id) AS specialties "
                 "FROM doctors d JOIN users u ON u.id = d.user_id")}
        names = [r.name for r in rows(uow, "SELECT name FROM specialties")]
        comments = [r.comment for r in rows(
            uow, "SELECT comment FROM reviews WHERE doctor_id = :d ORDER BY created_at DESC, "
                 "id DESC", d=reviewed)]
    cli = clinic.cli

    listed = decoded(run(cli, "nobody", "specialties", "list", "--json"))["specialties"]
    assert sorted(s["name"] for s in listed) == sorted(names)
    assert literally(shown(run(cli, "nobody", "specialties", "list")), names)

    found, markers = [], 0
    for n, group in enumerate(GROUPS):
        table = shown(run(cli, "nobody", "search", "--specialty", group))
        found += decoded(run(cli, "nobody", "search", "--specialty", group, "--slots", "0",
                             "--json"))["results"]
        markers += literally(table, [v for i in ids[n::len(GROUPS)] for v in (
            stored[i].name, stored[i].clinic_name, stored[i].city, *stored[i].specialties)])
    assert markers
    assert sorted(r["doctor_id"] for r in found) == sorted(ids)
    for result in found:
        row = stored[result["doctor_id"]]
        assert (result["name"], result["clinic"], result["city"]) == (
            row.name, row.clinic_name, row.city)
        assert sorted(result["specialties"]) == sorted(row.specialties)

    # Every field of the doctors holding the curated strings, and every page of reviews.
    pages = -(-len(comments) // 10)
    for n, doctor in enumerate(ids[:-(-len(CURATED) // PER_DOCTOR)]):
        for page in range(1, pages + 1) if n == 0 else (1,):
            human = shown(run(cli, "nobody", "doctors", "show", str(doctor), "--page", str(page)))
            data = decoded(run(cli, "nobody", "doctors", "show", str(doctor), "--page",
                               str(page), "--json"))
            row = stored[doctor]
            assert (data["name"], data["clinic"], data["city"], data["address"], data["bio"]) == (
                row.name, row.clinic_name, row.city, row.address, row.bio)
            assert sorted(data["specialties"]) == sorted(row.specialties)
            if n == 0:
                assert [r["comment"] for r in data["reviews"]] == (
                    comments[(page - 1) * 10:page * 10])
                markers += literally(human, comments[(page - 1) * 10:page * 10])
            markers += literally(human, [row.name, row.clinic_name, row.address, row.city,
                                         row.bio])
    assert markers


# --- admin: join requests, audit log, outbox; the doctor's schedule and profile ---------------


def test_admin_and_doctor_listings_show_every_string_literally(clinic, db):
    wilson_exceptions = []
    with writing(db) as uow:
        wilson = actor(uow, PEOPLE["wilson"])
        for i, value in enumerate(HOSTILE):
            email = f"j{i}@example.com"
            made: list[int] = []

            def ask(name: str, message: str | None, email: str = email,
                    made: list[int] = made) -> None:
                made.append(invites.request_join(uow, email=email, name=name,
                                                 message=message).id)

            if not through_core("join request name and message", value,
                                lambda v: ask(v, v)):
                ask(f"Dr Request {i}", None)
                if storable(value):
                    # E-mail addresses too: one stored before core checked them.
                    raw(uow, "UPDATE doctor_requests SET name = :n, message = :m, email = :e "
                             "WHERE id = :id", n=value[:200], m=value,
                        e=(value.lower()[:240] + f" {i}") if i % 7 == 0 else email, id=made[0])
            if storable(value):
                # Audit data is never free text from core, but what is stored is shown.
                record(uow, actor=wilson, action="hostile.test", entity_kind="hostile",
                       entity_id=value[:64], data={"reason": value, "n": i})
                raw(uow, "INSERT INTO email_outbox (kind, to_address, subject, text_body, "
                         "status, attempts, next_attempt_at, last_error, idempotency_key, "
                         "created_at, updated_at) VALUES ('hostile', :t, :s, 'body', 'failed', "
                         "5, now(), :e, :k, now(), now())",
                    t=value[:254], s=value, e=value, k=f"hostile-{i}")
                tally["audit entry and outbox row: stored raw"] += 1

            def off(reason: str | None, i: int = i) -> None:
                wilson_exceptions.append(schedule.add_exception(
                    uow, actor=wilson, on=date(2027, 1, 1) + timedelta(days=i), kind="off",
                    reason=reason).id)

            if not through_core("schedule exception reason", value, off):
                off(None)
                if storable(value):
                    raw(uow, "UPDATE schedule_exceptions SET reason = :v WHERE id = :id",
                        v=value[:200], id=wilson_exceptions[-1])
        requests = {r.id: (r.name, r.email, r.message) for r in rows(
            uow, "SELECT id, name, email, message FROM doctor_requests")}
        entries = {r.id: r.data for r in rows(
            uow, "SELECT id, data FROM audit_log WHERE action = 'hostile.test'")}
        outbox = {r.id: (r.to_address, r.last_error) for r in rows(
            uow, "SELECT id, to_address, last_error FROM email_outbox")}
        reasons = {r.id: r.reason for r in rows(
            uow, "SELECT id, reason FROM schedule_exceptions")}
    cli = clinic.cli

    assert literally(shown(run(cli, "admin", "requests", "list", "--status", "all")),
                     [v for row in requests.values() for v in row])
    listed = decoded(run(cli, "admin", "requests", "list", "--status", "all", "--json"))
    assert {r["id"]: (r["name"], r["email"], r["message"])
            for r in listed["requests"]} == requests

    limit = ("--limit", "100000")
    assert literally(shown(run(cli, "admin", "audit", "list", "--action", "hostile.test",
                               *limit)), [e["reason"] for e in entries.values()])
    listed = decoded(run(cli, "admin", "audit", "list", "--action", "hostile.test", *limit,
                         "--json"))
    assert {e["id"]: e["data"] for e in listed["entries"]} == entries

    assert literally(shown(run(cli, "admin", "outbox", "list", *limit)),
                     [v for row in outbox.values() for v in row])
    listed = decoded(run(cli, "admin", "outbox", "list", *limit, "--json"))
    assert {m["id"]: (m["to"], m["last_error"]) for m in listed} == outbox

    assert literally(shown(run(cli, "wilson", "schedule", "show")), list(reasons.values()))
    listed = decoded(run(cli, "wilson", "schedule", "show", "--json"))
    assert {e["id"]: e["reason"] for e in listed["exceptions"]} == reasons

    # The doctor's own profile: a few rounds of hostile clinic, address, city and bio.
    markers, curated = 0, [v for v in MARKUP + ESCAPES if storable(v)]
    for k in range(0, len(curated), 4):
        values = curated[k:k + 4]
        with db.unit_of_work() as uow:
            raw(uow, "UPDATE doctors SET clinic_name = :a, address = :b, city = :c, bio = :d "
                     "WHERE user_id = :id", a=values[0], b=values[1 % len(values)],
                c=values[2 % len(values)], d="\n".join(values), id=wilson.user_id)
        human = shown(run(cli, "wilson", "profile", "show"))
        markers += literally(human, list(values))
        data = decoded(run(cli, "wilson", "profile", "show", "--json"))
        assert (data["clinic"], data["address"], data["city"], data["bio"]) == (
            values[0], values[1 % len(values)], values[2 % len(values)], "\n".join(values))
    assert markers


# --- the CLI's own write commands, and the lines they echo ------------------------------------

#: Markup, terminal escapes, C1, bidi, line breaks, undecodable argv bytes, NUL, size, scripts.
WRITTEN = ["Eve [/bold] Evil", "rash [/]", "[link=file:///etc/passwd]click[/link]",
           ":smile: :cross_mark:", "[/][/][/][/]", "\x1b]52;c;cm0gLXJmIH4=\x07", "\x1b[2J",
           "\x9b31m", "\u202eevil\u202c", "line\rover", "new\nline", "\udcff", "nul\x00byte",
           "A" * 2001, "日本語の名前"]
SGR = "\x1b\\[[0-9;]*m"


def accepted_or_refused(result: Result) -> bool:
    """Exit 0 (and safe output), or exit 2 with one safe line on stderr (under --json, the
    JSON error object)."""
    if result.exit_code == 0:
        shown(result)
        return True
    assert result.exit_code == 2, result.output
    terminal_safe(result.stderr)
    assert result.stderr.count("\n") == 1, result.stderr
    assert (result.stderr.startswith("error: ")
            or json.loads(result.stderr)["error"]["code"] == "validation"), result.stderr
    return False


def test_write_commands_store_hostile_text_or_refuse_it_in_one_line(clinic, db):
    assert set(WRITTEN) <= set(CURATED)
    cli, first_day = clinic.cli, datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    with writing(db) as uow:
        slots = [add_slot(uow, clinic.wilson, first_day + timedelta(hours=k))
                 for k in range(len(WRITTEN) + 1)]
        visits = [rows(uow, "INSERT INTO appointments (patient_id, doctor_id, starts_at, ends_at,"
                            " status, created_at, updated_at) VALUES (:p, :d, :s, :e, "
                            "'completed', now(), now()) RETURNING id", p=clinic.bob,
                       d=clinic.wilson, s=T0 - timedelta(days=30, hours=k),
                       e=T0 - timedelta(days=30, hours=k - 1))[0][0]
                  for k in range(len(WRITTEN))]
        uow.commit()
    noted = clinic.book("alice", slots[-1])
    booked: dict[int, str] = {}
    for k, value in enumerate(WRITTEN):
        tally["written through the CLI"] += 1
        out = run(cli, "alice", "book", str(slots[k]), "--reason", value, "--json")
        if accepted_or_refused(out):
            booked[json.loads(out.stdout)["id"]] = value
        accepted_or_refused(run(cli, "nobody", "request-join", "--email", f"w{k}@example.com",
                                "--name", "Dr Ask", "--message", value))
        accepted_or_refused(run(cli, "wilson", "appointments", "note", str(noted), value))
        accepted_or_refused(run(cli, "bob", "review", str(visits[k]), "--rating", "4",
                                "--comment", value))
        accepted_or_refused(run(cli, "nobody", "register", "--email", f"n{k}@example.com",
                                "--name", value, "--password-stdin",
                                input="correct horse battery staple\n"))
        out = run(cli, "wilson", "profile", "set", "--clinic", value)
        if accepted_or_refused(out) and value in MARKERS:
            assert value in out.stdout
    for appointment in list(booked)[:3]:
        accepted_or_refused(run(cli, "desk", "appointments", "cancel", str(appointment),
                                "--reason", booked[appointment]))
    assert booked, "core took none of the reasons"

    # What was taken lists literally, and --json gives back exactly what is stored.
    with db.unit_of_work() as uow:
        stored = {r.id: (r.reason, r.cancel_reason) for r in rows(
            uow, "SELECT id, reason, cancel_reason FROM appointments WHERE id = ANY(:ids)",
            ids=list(booked))}
        notes = [r.body for r in rows(uow, "SELECT body FROM appointment_notes WHERE "
                                           "appointment_id = :a ORDER BY id", a=noted)]
        messages = {r.id: r.message for r in rows(
            uow, "SELECT id, message FROM doctor_requests WHERE email LIKE 'w%@example.com'")}
        comments = {r.id: r.comment for r in rows(
            uow, "SELECT id, comment FROM reviews WHERE appointment_id = ANY(:v)", v=visits)}
    markers = 0
    for appointment, (reason, cancel_reason) in stored.items():
        markers += literally(shown(run(cli, "alice", "appointments", "show", str(appointment))),
                             [reason, cancel_reason])
        data = decoded(run(cli, "alice", "appointments", "show", str(appointment), "--json"))
        assert (data["reason"], data["cancel_reason"]) == (reason, cancel_reason)
    data = decoded(run(cli, "wilson", "appointments", "show", str(noted), "--json"))
    assert [n["body"] for n in data["notes"]] == notes
    markers += literally(shown(run(cli, "wilson", "appointments", "show", str(noted))), notes)
    listed = decoded(run(cli, "admin", "requests", "list", "--status", "all", "--json"))
    assert {r["id"]: r["message"] for r in listed["requests"] if r["id"] in messages} == messages
    markers += literally(shown(run(cli, "admin", "requests", "list")), list(messages.values()))
    shown_reviews: dict[int, str | None] = {}
    page, pages = 1, 1
    while page <= pages:
        data = decoded(run(cli, "alice", "doctors", "show", str(clinic.wilson), "--page",
                           str(page), "--json"))
        pages = data["ratings"]["pages"]
        shown_reviews |= {r["id"]: r["comment"] for r in data["reviews"] if r["id"] in comments}
        markers += literally(shown(run(cli, "alice", "doctors", "show", str(clinic.wilson),
                                       "--page", str(page))),
                             [r["comment"] for r in data["reviews"]])
        page += 1
    assert shown_reviews == comments
    assert markers


def test_echoed_names_and_a_real_terminal(clinic, db):
    """The one-line confirmations quote names and e-mails: literal too. And with Rich talking to
    a colour terminal (FORCE_COLOR), the only escape sequences are its own styles."""
    evil = "Eve [/bold] Evil \x1b]0;pwned\x07 \x9b2J \u202eevil\u202c [link=file:///etc/passwd]x"
    cli = clinic.cli
    with writing(db) as uow:
        raw(uow, "UPDATE users SET name = :n WHERE id IN (:b, :h)", n=evil, b=clinic.bob,
            h=clinic.house)
        slot = add_slot(uow, clinic.house, datetime(2026, 12, 10, 9, 0, tzinfo=UTC))
        raw(uow, "INSERT INTO email_outbox (kind, to_address, subject, text_body, status, "
                 "attempts, next_attempt_at, last_error, idempotency_key, created_at, "
                 "updated_at) VALUES ('hostile', :t, 's', 'b', 'failed', 5, now(), :e, 'echo', "
                 "now(), now())", t=evil, e=evil)
        [(outbox_id,)] = rows(uow, "SELECT id FROM email_outbox WHERE idempotency_key = 'echo'")
    lines = [
        run(cli, "bob", "whoami"),
        run(cli, "bob", "login", "--email", PEOPLE["bob"], "--password-stdin",
            input="correct horse battery staple\n"),
        run(cli, "desk", "book", str(slot), "--patient", PEOPLE["bob"], "--reason", "x"),
        run(cli, "admin", "doctors", "suspend", str(clinic.house)),
        run(cli, "admin", "doctors", "activate", str(clinic.house)),
        run(cli, "admin", "outbox", "retry", str(outbox_id)),
    ]
    appointment = int(lines[2].stdout.split()[2])
    lines.append(run(cli, "desk", "appointments", "confirm", str(appointment)))
    for result in lines:
        assert "Eve [/bold] Evil \ufffd]0;pwned\ufffd \ufffd2J" in shown(result), result.stdout

    for args in (("appointments", "show", str(appointment)), ("appointments", "list"),
                 ("search",), ("doctors", "show", str(clinic.house))):
        out = run(cli, "desk", *args, FORCE_COLOR="1")
        assert out.exit_code == 0, out.output
        assert "\x1b[" in out.stdout, "Rich did not take this for a terminal"
        terminal_safe(re.sub(SGR, "", out.stdout))
        assert "\x1b]" not in out.stdout  # no OSC: no hyperlink, [link=...] was text
