"""Text from users is data: every free-text field refuses control characters (issue 10)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from alembic import command
from hypothesis import given, settings
from sqlalchemy import func, select, text
from sqlalchemy.orm import InstrumentedAttribute

from doctorbook.core.accounts import auth, patients
from doctorbook.core.base import migrate
from doctorbook.core.base.clock import FixedClock
from doctorbook.core.base.db import UnitOfWork, make_engine
from doctorbook.core.base.errors import ValidationError
from doctorbook.core.base.models import (
    Appointment,
    AppointmentNote,
    AuditEntry,
    Doctor,
    DoctorRequest,
    EmailOutbox,
    Invite,
    Review,
    ScheduleException,
    Specialty,
    User,
)
from doctorbook.core.base.text import clean_text
from doctorbook.core.booking import booking, lifecycle
from doctorbook.core.booking.search import search
from doctorbook.core.doctors import doctors, invites, specialties
from doctorbook.core.feedback import reviews
from doctorbook.core.scheduling import schedule
from tests.booking.conftest import IN_3_DAYS_10, TOMORROW_10, Clinic, add_slot, clinic
from tests.conftest import PASSWORD
from tests.hostile import CURATED, has_control, hostile_strings, hostile_text
from tests.reviews.conftest import completed_visit

__all__ = ["clinic"]  # the booking clinic, as a fixture of this module

#: Every kind of character a stored field refuses, each inside an ordinary name.
REFUSED = [
    "\x1b", "\x00", "\x07", "\x08", "\x7f", "\x85", "\x9b", "\x9d", "\t", "\r", "\n", "\x0b",
    "\x0c", "\u2028", "\u2029", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066",
    "\u2067", "\u2068", "\u2069", "\ud800", "\udcff",
]
#: What real names and words need: joiners, combining marks, emoji, right-to-left letters.
KEPT = [
    "a\u200db", "a\u200cb", "Jose\u0301", "\U0001f469\u200d\u2695\ufe0f", "اسم عربي",
    "שם בעברית", "日本語の名前", "\uff26\uff55\uff4c\uff4c", "O'Brien-Smith", "rash [/]",
    "[bold]bold[/bold]", "zero\u200bwidth", "\ufeffbom", "a\u200eb",
]
#: An escape sequence, a C1 control (the one-byte CSI) and a bidi override.
ATTACKS = ["Eve \x1b[2J Evil", "Eve \x9b31m Evil", "Eve \u202elivE\u202c Evil"]
HARMLESS = "rash [/]"
HARMLESS_MULTILINE = "rash [/]\n[bold]not bold[/bold]"


def _refuses(value: str, *, multiline: bool = False) -> str:
    with pytest.raises(ValidationError) as refused:
        clean_text(value, label="reason", limit=2000, multiline=multiline)
    return str(refused.value)


def _is_safe_message(message: str) -> bool:
    """One line, no control character, short: it can't be carrying the text it refused."""
    return "\n" not in message and not has_control(message) and len(message) < 120


@pytest.mark.parametrize("char", REFUSED, ids=repr)
def test_every_control_character_is_refused_inside_a_single_line_field(char: str) -> None:
    message = _refuses(f"Eve{char}Evil")
    assert message.startswith("reason must not contain control characters")
    assert _is_safe_message(message)


@pytest.mark.parametrize("char", [c for c in REFUSED if c != "\n"], ids=repr)
def test_a_multi_line_field_keeps_line_breaks_and_refuses_the_rest(char: str) -> None:
    assert _is_safe_message(_refuses(f"Eve{char}Evil", multiline=True))
    assert clean_text("one\ntwo\r\nthree\n\n", label="bio", limit=50, multiline=True) == (
        "one\ntwo\nthree"
    )


def test_undecodable_command_line_bytes_are_refused() -> None:
    # What Python makes of a non-UTF-8 argument under surrogateescape.
    assert _is_safe_message(_refuses(b"Eve \xff\xfe".decode("utf-8", "surrogateescape")))


@pytest.mark.parametrize("value", KEPT)
def test_what_real_names_need_is_kept_exactly(value: str) -> None:
    assert clean_text(value, label="name", limit=200) == value
    assert clean_text(value, label="bio", limit=200, multiline=True) == value


def test_whitespace_padding_limits_and_emptiness() -> None:
    assert clean_text("  Eve \u00a0  Evil\t\r\n", label="name", limit=200) == "Eve Evil"
    assert clean_text("\t\n  ", label="name", limit=200) is None
    assert clean_text(None, label="name", limit=200) is None
    with pytest.raises(ValidationError, match=r"^name is required$"):
        clean_text(" \n", label="name", limit=200, required=True)
    assert clean_text("x" * 200, label="name", limit=200) == "x" * 200
    with pytest.raises(ValidationError) as refused:
        clean_text("<b>" * 100, label="name", limit=200)
    assert str(refused.value) == "name is too long (300 characters; at most 200 characters)"


@pytest.mark.parametrize("multiline", [False, True], ids=["single-line", "multi-line"])
def test_every_hostile_string_is_refused_or_comes_back_clean(multiline: bool) -> None:
    strings = hostile_strings()
    assert len(strings) >= 500 and set(CURATED) <= set(strings)
    accepted = 0
    for value in strings:
        try:
            cleaned = clean_text(value, label="reason", limit=2000, multiline=multiline)
        except ValidationError as err:
            assert _is_safe_message(str(err)), (value, str(err))
            continue
        # Nothing is silently dropped: a control character inside the text is refused.
        inner = value.replace("\r\n", "\n").strip() if multiline else value.strip()
        assert not has_control(inner.replace("\n", "") if multiline else inner), repr(value)
        if cleaned is None:
            assert not inner, repr(value)
            continue
        accepted += 1
        assert not has_control(cleaned.replace("\n", "") if multiline else cleaned), repr(value)
        assert cleaned == (inner if multiline else " ".join(inner.split())), repr(value)
        assert len(cleaned) <= 2000
    assert accepted > 100  # markup, scripts, emoji and the like stay acceptable


@settings(max_examples=300, deadline=None, database=None)
@given(hostile_text())
def test_any_text_is_refused_or_comes_back_without_control_characters(value: str) -> None:
    try:
        cleaned = clean_text(value, label="name", limit=200)
    except ValidationError as err:
        assert _is_safe_message(str(err))
    else:
        assert cleaned is None or not has_control(cleaned)


# -- through the real use cases ------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    """A use case that stores what a person typed, and the column where it lands."""

    name: str
    column: InstrumentedAttribute[Any]
    write: Callable[[UnitOfWork, Clinic, Any, str], object]
    #: Committed before the attempts (a visit to review, a slot to book); returns the context.
    prepare: Callable[[UnitOfWork, Clinic, FixedClock], Any] = lambda uow, clinic, clock: None
    multiline: bool = False


def _booked(uow: UnitOfWork, clinic: Clinic, clock: FixedClock) -> int:
    slot = add_slot(uow, clinic.doctor.user_id, IN_3_DAYS_10)
    return booking.book(uow, actor=clinic.alice, slot_id=slot).id


def _visit(uow: UnitOfWork, clinic: Clinic, clock: FixedClock) -> int:
    return completed_visit(uow, clock, clinic, clinic.alice, TOMORROW_10)


def _review(uow: UnitOfWork, clinic: Clinic, clock: FixedClock) -> int:
    visit = _visit(uow, clinic, clock)
    return reviews.submit_review(uow, actor=clinic.alice, appointment_id=visit, rating=2).id


CASES = [
    Case("register name", User.name, lambda uow, c, _, v: auth.register(
        uow, email="eve@example.com", name=v, password=PASSWORD)),
    Case("register phone", User.phone, lambda uow, c, _, v: auth.register(
        uow, email="eve@example.com", name="Eve", password=PASSWORD, phone=v)),
    Case("patient name at the desk", User.name, lambda uow, c, _, v: patients.create_patient(
        uow, actor=c.desk, email="eve@example.com", name=v)),
    Case("booking reason", Appointment.reason, lambda uow, c, slot, v: booking.book(
        uow, actor=c.alice, slot_id=slot, reason=v),
        prepare=lambda uow, c, clock: add_slot(uow, c.doctor.user_id, IN_3_DAYS_10)),
    Case("cancel reason", Appointment.cancel_reason, lambda uow, c, visit, v: lifecycle.cancel(
        uow, actor=c.desk, appointment_id=visit, reason=v), prepare=_booked),
    Case("private note", AppointmentNote.body, lambda uow, c, visit, v: lifecycle.add_note(
        uow, actor=c.doctor, appointment_id=visit, text=v), prepare=_booked, multiline=True),
    Case("profile bio", Doctor.bio, lambda uow, c, _, v: doctors.update_profile(
        uow, actor=c.doctor, bio=v), multiline=True),
    Case("profile clinic", Doctor.clinic_name, lambda uow, c, _, v: doctors.update_profile(
        uow, actor=c.doctor, clinic_name=v)),
    Case("profile address", Doctor.address, lambda uow, c, _, v: doctors.update_profile(
        uow, actor=c.doctor, address=v)),
    Case("profile city", Doctor.city, lambda uow, c, _, v: doctors.update_profile(
        uow, actor=c.doctor, city=v)),
    Case("join request name", DoctorRequest.name, lambda uow, c, _, v: invites.request_join(
        uow, email="walk.in@example.com", name=v)),
    Case("join request message", DoctorRequest.message, lambda uow, c, _, v:
         invites.request_join(uow, email="walk.in@example.com", name="Dr Walk In", message=v),
         multiline=True),
    Case("invite name", Invite.name, lambda uow, c, _, v: invites.invite_doctor(
        uow, actor=c.admin, email="new.doctor@example.com", name=v)),
    Case("review comment", Review.comment, lambda uow, c, visit, v: reviews.submit_review(
        uow, actor=c.alice, appointment_id=visit, rating=4, comment=v), prepare=_visit,
        multiline=True),
    Case("review hidden reason", Review.hidden_reason, lambda uow, c, review, v:
         reviews.hide_review(uow, actor=c.admin, review_id=review, reason=v), prepare=_review),
    Case("specialty add", Specialty.name, lambda uow, c, _, v: specialties.add(
        uow, actor=c.admin, name=v)),
    Case("specialty rename", Specialty.name, lambda uow, c, _, v: specialties.rename(
        uow, actor=c.admin, old="Cardiology", new=v)),
    Case("schedule exception reason", ScheduleException.reason, lambda uow, c, _, v:
         schedule.add_exception(uow, actor=c.doctor, on="2026-12-01", kind="off", reason=v)),
]


def _stored(uow: UnitOfWork, column: InstrumentedAttribute[Any]) -> list[Any]:
    return sorted(uow.session.scalars(select(column)), key=repr)


def _written(uow: UnitOfWork, column: InstrumentedAttribute[Any]) -> tuple[object, ...]:
    """The column's values and everything a use case writes alongside (audit, e-mail)."""
    count = func.count()
    return (
        _stored(uow, column),
        uow.session.scalar(select(count).select_from(AuditEntry)),
        uow.session.scalar(select(count).select_from(EmailOutbox)),
    )


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_a_use_case_refuses_control_characters_and_stores_markup_exactly(
    uow: UnitOfWork, clinic: Clinic, clock: FixedClock, case: Case
) -> None:
    context = case.prepare(uow, clinic, clock)
    before = _written(uow, case.column)
    for attack in ATTACKS:
        with pytest.raises(ValidationError, match="must not contain control characters") as no:
            case.write(uow, clinic, context, attack)
        assert _is_safe_message(str(no.value))
        uow.rollback()  # what the unit of work does when its use case raises
        assert _written(uow, case.column) == before, attack
    harmless = HARMLESS_MULTILINE if case.multiline else HARMLESS
    if case.column is User.phone:
        harmless = "+49 (30) 1234-567"  # the field of a number: markup isn't a phone
    case.write(uow, clinic, context, harmless)
    assert harmless in _stored(uow, case.column)


def test_lookups_refuse_what_could_not_be_stored(uow: UnitOfWork, clinic: Clinic) -> None:
    # Not stored, but a NUL or a lone surrogate would otherwise fail inside the driver.
    for value in ("Ber\x00lin", "Ber\udcfflin", "Ber\x1b[2Jlin"):
        with pytest.raises(ValidationError, match="control characters"):
            search(uow, city=value)
        with pytest.raises(ValidationError, match="control characters"):
            patients.find_patients(uow, actor=clinic.desk, query=value)
        with pytest.raises(ValidationError, match="control characters"):
            doctors.update_profile(uow, actor=clinic.doctor, specialty_names=[value])
    with pytest.raises(ValidationError, match="control characters"):
        auth.register(uow, email="eve\x1b[2J@example.com", name="Eve", password=PASSWORD)
    assert [r.name for r in search(uow, city=" berlin\n", name="Dr Gregory")] == [
        "Dr Gregory House"]


# -- the migration that cleans what is already stored ---------------------------------------

def test_the_migration_cleans_text_already_stored(fresh_db_url: str) -> None:
    engine = make_engine(fresh_db_url)
    cfg = migrate.alembic_config(engine)
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0005")
            ids = _insert_dirty_rows(conn)
        migrate.upgrade(engine)
        cleaned = _read_back(engine, ids)
        # Idempotent: running it once more changes nothing.
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0005")
        migrate.upgrade(engine)
        assert _read_back(engine, ids) == cleaned
    finally:
        engine.dispose()
    assert cleaned == {
        "name": "Eve [2J[31mEvil[0m",
        "phone": "030 1234 567",
        "bio": "First line\nSecond line end",
        "clinic": "Clinic Two",
        "city": "Berlin",
        "address": None,
        "message": "Please\nlet me join",
        "request_name": "(no name)",
        "specialties": [("Cardiology", "cardiology"), ("Cardiology (3)", "cardiology-(3)"),
                        ("Dermatology", "dermatology"), ("Specialty 5", "specialty-5")],
    }
    assert not has_control(str(cleaned).replace("\\n", ""))


def _insert_dirty_rows(conn: Any) -> dict[str, int]:
    def one(sql: str, **values: object) -> int:
        return int(conn.execute(text(sql), values).scalar_one())

    user = one("INSERT INTO users (email, name, phone, role, created_at, updated_at) VALUES "
               "('eve@example.com', :name, :phone, 'patient', now(), now()) RETURNING id",
               name="Eve \x1b[2J\x1b[31mEvil\x1b[0m", phone="030\t1234\r\n567")
    doctor = one("INSERT INTO users (email, name, role, created_at, updated_at) VALUES "
                 "('doc@example.com', 'Dr Doc', 'doctor', now(), now()) RETURNING id")
    one("INSERT INTO doctors (user_id, bio, currency, clinic_name, address, city, created_at, "
        "updated_at) VALUES (:id, :bio, 'EUR', :clinic, :address, :city, now(), now()) "
        "RETURNING user_id", id=doctor,
        bio="\u202eFirst line\r\nSecond \u202eline\u202c\tend\x9b\r\n", clinic="Clinic\u2028Two",
        address="\x1b \x07\u202e", city=" Ber\u2066lin\r\n")
    request = one("INSERT INTO doctor_requests (email, name, message, status, created_at) "
                  "VALUES ('walk.in@example.com', :name, :message, 'pending', now()) "
                  "RETURNING id", name="\u202e\u202c", message="Please\rlet me\x1b join")
    for specialty_id, name in ((2, "Cardiology"), (3, "Cardiology\x07"),
                               (4, "Derma\x1btology"), (5, "\u202e[]")):
        one("INSERT INTO specialties (id, name, slug, created_at) OVERRIDING SYSTEM VALUE "
            "VALUES (:id, :name, :slug, now()) RETURNING id", id=specialty_id, name=name,
            slug="-".join(name.lower().split()))
    return {"user": user, "doctor": doctor, "request": request}


def _read_back(engine: Any, ids: dict[str, int]) -> dict[str, object]:
    with engine.connect() as conn:
        def one(sql: str, key: str) -> Any:
            return conn.execute(text(sql), {"id": ids[key]}).one()

        name, phone = one("SELECT name, phone FROM users WHERE id = :id", "user")
        bio, clinic, address, city = one(
            "SELECT bio, clinic_name, address, city FROM doctors WHERE user_id = :id", "doctor")
        request_name, message = one(
            "SELECT name, message FROM doctor_requests WHERE id = :id", "request")
        named = conn.execute(text("SELECT name, slug FROM specialties ORDER BY id")).all()
    return {"name": name, "phone": phone, "bio": bio, "clinic": clinic, "city": city,
            "address": address, "message": message, "request_name": request_name,
            "specialties": [tuple(row) for row in named]}
