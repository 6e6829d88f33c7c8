"""Core: specialties, invites, requests, accepting, profiles, visibility and search."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from doctorbook.core.accounts import auth
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import (
    AuthenticationError,
    Conflict,
    NotFound,
    PermissionDenied,
    PolicyViolation,
    ValidationError,
)
from doctorbook.core.base.models import EmailOutbox
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.booking import search
from doctorbook.core.doctors import doctors, invites, specialties
from doctorbook.core.mail import outbox
from tests.conftest import PASSWORD, make_user

TOKEN_RE = re.compile(r"doctorbook accept-invite (dbi_[A-Za-z0-9_-]+)")


@pytest.fixture
def admin(uow: UnitOfWork) -> Actor:
    return make_user(uow, email="admin@clinic.example", name="Ada Admin", role=Role.ADMIN)


def _token_from_outbox(uow: UnitOfWork, outbox_id: int) -> str:
    row = uow.session.get(EmailOutbox, outbox_id)
    assert row is not None
    match = TOKEN_RE.search(row.text_body)
    assert match, row.text_body
    return match.group(1)


def _complete(uow: UnitOfWork, actor: Actor) -> doctors.DoctorProfile:
    return doctors.update_profile(
        uow, actor=actor, price="80", clinic_name="Central Clinic", city="Berlin",
        timezone="Europe/Berlin", address="Hauptstr. 1", bio="Hearts and more.",
    )


def test_specialties_crud_and_case_insensitive_uniqueness(uow, admin):
    specialties.add(uow, actor=admin, name="Cardiology")
    with pytest.raises(Conflict):
        specialties.add(uow, actor=admin, name="  cardiology ")
    renamed = specialties.rename(uow, actor=admin, old="CARDIOLOGY", new="Cardiology (adult)")
    assert renamed.name == "Cardiology (adult)"
    assert [s.name for s in specialties.list_specialties(uow)] == ["Cardiology (adult)"]
    specialties.remove(uow, actor=admin, name="cardiology (ADULT)")
    assert specialties.list_specialties(uow) == []
    with pytest.raises(NotFound):
        specialties.remove(uow, actor=admin, name="Cardiology")
    with pytest.raises(ValidationError):
        specialties.add(uow, actor=admin, name=" x ")


def test_only_admins_manage_specialties_and_invite(uow, admin):
    patient = make_user(uow, email="pat@example.com")
    receptionist = make_user(uow, email="desk@example.com", role=Role.RECEPTIONIST)
    for actor in (patient, receptionist):
        with pytest.raises(PermissionDenied):
            specialties.add(uow, actor=actor, name="Dermatology")
        with pytest.raises(PermissionDenied):
            invites.invite_doctor(uow, actor=actor, email="dr@example.com", name="Dr X")
        with pytest.raises(PermissionDenied):
            invites.list_requests(uow, actor=actor)
    with pytest.raises(AuthenticationError):
        specialties.add(uow, actor=Actor.anonymous(), name="Dermatology")


def test_specialty_in_use_cannot_be_removed(uow, admin):
    specialties.add(uow, actor=admin, name="Cardiology")
    view = invites.invite_doctor(uow, actor=admin, email="dr@example.com", name="Dr Heart",
                                 specialty_names=["cardiology"])
    invites.accept_invite(uow, token=_token_from_outbox(uow, view.outbox_id), password=PASSWORD)
    with pytest.raises(PolicyViolation, match="used by 1 doctor"):
        specialties.remove(uow, actor=admin, name="Cardiology")


def test_invite_accept_complete_profile_then_visible(uow, admin, clock):
    """Brief acceptance 1b in core: invited, accepted, profile completed -> publicly visible."""
    specialties.add(uow, actor=admin, name="Cardiology")
    view = invites.invite_doctor(uow, actor=admin, email="Dr.Heart@Example.com",
                                 name="Dr Hannah Heart", specialty_names=["Cardiology"])
    assert view.email == "dr.heart@example.com"
    assert view.expires_at == clock.now() + timedelta(hours=72)
    token = _token_from_outbox(uow, view.outbox_id)
    # Only the digest is stored; the token itself exists only in the e-mail.
    stored = uow.session.execute(text("SELECT row_to_json(i)::text FROM invites i")).scalar_one()
    assert token not in stored
    audit = uow.session.execute(text("SELECT string_agg(data::text, ' ') FROM audit_log")).scalar()
    assert token not in audit

    user = invites.accept_invite(uow, token=token, password=PASSWORD)
    assert user.role == Role.DOCTOR and user.email == "dr.heart@example.com"
    doctor = Actor(user.id, Role.DOCTOR, user.email)
    profile = doctors.own_profile(uow, actor=doctor)
    assert profile.specialties == ("Cardiology",)
    assert not profile.visible and set(profile.missing) == {"clinic_name", "city", "timezone",
                                                            "price"}
    assert search.search(uow) == []
    with pytest.raises(NotFound):
        doctors.show_doctor(uow, actor=Actor.anonymous(), doctor_id=user.id)

    profile = _complete(uow, doctor)
    assert profile.visible and profile.price == Decimal("80.00")
    results = search.search(uow, specialty="cardiology", city="berlin")
    assert [(r.doctor_id, r.name, r.specialties, r.clinic) for r in results] == [
        (user.id, "Dr Hannah Heart", ("Cardiology",), "Central Clinic")
    ]
    public = doctors.show_doctor(uow, actor=Actor.anonymous(), doctor_id=user.id)
    assert public.rating is None and public.reviews == ()
    # And the doctor can log in.
    assert auth.login(uow, email="dr.heart@example.com", password=PASSWORD).user.role == "doctor"


def test_invite_token_single_use_expiry_and_replacement(uow, admin, clock):
    first = invites.invite_doctor(uow, actor=admin, email="dr@example.com", name="Dr One")
    old_token = _token_from_outbox(uow, first.outbox_id)
    second = invites.invite_doctor(uow, actor=admin, email="dr@example.com", name="Dr One")
    new_token = _token_from_outbox(uow, second.outbox_id)
    with pytest.raises(PolicyViolation, match="replaced"):
        invites.accept_invite(uow, token=old_token, password=PASSWORD)
    with pytest.raises(AuthenticationError, match="not valid"):
        invites.accept_invite(uow, token="dbi_made-up", password=PASSWORD)
    clock.advance(timedelta(hours=72))
    with pytest.raises(PolicyViolation, match="expired"):
        invites.accept_invite(uow, token=new_token, password=PASSWORD)
    clock.advance(timedelta(hours=-1))
    with pytest.raises(ValidationError, match="too common"):
        invites.accept_invite(uow, token=new_token, password="1234567890")
    invites.accept_invite(uow, token=new_token, password=PASSWORD)
    with pytest.raises(PolicyViolation, match="already used"):
        invites.accept_invite(uow, token=new_token, password=PASSWORD)
    with pytest.raises(Conflict, match="already has"):
        invites.invite_doctor(uow, actor=admin, email="dr@example.com", name="Dr One")


def test_invite_email_is_secret_and_marked_so(uow, admin):
    view = invites.invite_doctor(uow, actor=admin, email="dr@example.com", name="Dr <One>")
    row = uow.session.get(EmailOutbox, view.outbox_id)
    assert row.contains_secret and row.status == "pending" and row.to_address == "dr@example.com"
    assert "Dr &lt;One&gt;" in row.html_body  # names are escaped in HTML


def test_self_serve_request_approve_and_reject(uow, admin):
    req = invites.request_join(uow, email="Walk.In@example.com", name="Dr Walk In",
                               message="I'd like to join.")
    with pytest.raises(Conflict, match="already waiting"):
        invites.request_join(uow, email="walk.in@example.com", name="Dr Walk In")
    other = invites.request_join(uow, email="nope@example.com", name="Dr Nope")
    assert [r.id for r in invites.list_requests(uow, actor=admin)] == [req.id, other.id]

    invite = invites.approve_request(uow, actor=admin, request_id=req.id)
    assert invite.email == "walk.in@example.com"
    _token_from_outbox(uow, invite.outbox_id)
    rejected = invites.reject_request(uow, actor=admin, request_id=other.id)
    assert rejected.status == "rejected"
    polite = uow.session.scalars(
        select(EmailOutbox).where(EmailOutbox.kind == "doctor_request_rejected")).one()
    assert polite.to_address == "nope@example.com" and "not able to offer" in polite.text_body
    with pytest.raises(PolicyViolation, match="already approved"):
        invites.reject_request(uow, actor=admin, request_id=req.id)
    assert invites.list_requests(uow, actor=admin) == []
    actions = uow.session.execute(text("SELECT action FROM audit_log")).scalars().all()
    assert {"doctor_request.created", "doctor_request.approved",
            "doctor_request.rejected", "doctor.invited"} <= set(actions)


def test_a_rolled_back_change_leaves_no_email(uow, admin):
    before = uow.session.execute(text("SELECT count(*) FROM email_outbox")).scalar_one()
    # The e-mail is queued inside the business transaction ...
    outbox.enqueue(uow, kind="test", to="x@example.com", to_name=None, template="test_message",
                   context={"subject": "Hi", "body": "Body"})
    assert uow.session.execute(text("SELECT count(*) FROM email_outbox")).scalar_one() == before + 1
    # ... so when the change is rolled back, the e-mail goes with it.
    uow.rollback()
    assert uow.session.execute(text("SELECT count(*) FROM email_outbox")).scalar_one() == before


def test_profile_validation(uow, admin):
    view = invites.invite_doctor(uow, actor=admin, email="dr@example.com", name="Dr X")
    user = invites.accept_invite(uow, token=_token_from_outbox(uow, view.outbox_id),
                                 password=PASSWORD)
    doctor = Actor(user.id, Role.DOCTOR, user.email)
    for kwargs, message in [
        ({"price": "-1"}, "0 or more"),
        ({"price": "abc"}, "not a price"),
        ({"price": "10.555"}, "2 decimals"),
        ({"timezone": "Mars/Olympus"}, "IANA"),
        ({"slot_minutes": 2}, "slot minutes"),
        ({"cancel_hours": 1000}, "cancel hours"),
        ({"specialty_names": ["Nope"]}, "no specialty"),
        ({}, "nothing to change"),
    ]:
        with pytest.raises((ValidationError, NotFound), match=message):
            doctors.update_profile(uow, actor=doctor, **kwargs)
    patient = make_user(uow, email="pat@example.com")
    with pytest.raises(PermissionDenied):
        doctors.update_profile(uow, actor=patient, city="Berlin")


def test_suspend_hides_and_activate_shows(uow, admin):
    specialties.add(uow, actor=admin, name="Cardiology")
    view = invites.invite_doctor(uow, actor=admin, email="dr@example.com", name="Dr X",
                                 specialty_names=["Cardiology"])
    user = invites.accept_invite(uow, token=_token_from_outbox(uow, view.outbox_id),
                                 password=PASSWORD)
    _complete(uow, Actor(user.id, Role.DOCTOR, user.email))
    assert len(search.search(uow)) == 1
    receptionist = make_user(uow, email="desk@example.com", role=Role.RECEPTIONIST)
    with pytest.raises(PermissionDenied):
        doctors.set_status(uow, actor=receptionist, doctor_id=user.id, active=False)
    doctors.set_status(uow, actor=admin, doctor_id=user.id, active=False)
    assert search.search(uow) == []
    with pytest.raises(NotFound):
        doctors.show_doctor(uow, actor=Actor.anonymous(), doctor_id=user.id)
    assert doctors.show_doctor(uow, actor=admin, doctor_id=user.id).status == "suspended"
    doctors.set_status(uow, actor=admin, doctor_id=user.id, active=True)
    assert len(search.search(uow)) == 1


def test_search_filters(uow, admin):
    specialties.add(uow, actor=admin, name="Cardiology")
    specialties.add(uow, actor=admin, name="Dermatology")
    made = []
    for email, name, spec, city in [
        ("a@example.com", "Dr Anna Alpha", "Cardiology", "Berlin"),
        ("b@example.com", "Dr Ben Beta", "Dermatology", "Berlin"),
        ("c@example.com", "Dr Cem Gamma", "Cardiology", "Hamburg"),
    ]:
        view = invites.invite_doctor(uow, actor=admin, email=email, name=name,
                                     specialty_names=[spec])
        user = invites.accept_invite(uow, token=_token_from_outbox(uow, view.outbox_id),
                                     password=PASSWORD)
        doctors.update_profile(uow, actor=Actor(user.id, Role.DOCTOR, email), price="50",
                               clinic_name="Clinic", city=city, timezone="Europe/Berlin")
        made.append(user.id)

    def names(**kw):
        return [r.name for r in search.search(uow, **kw)]

    assert names() == ["Dr Anna Alpha", "Dr Ben Beta", "Dr Cem Gamma"]
    assert names(specialty="CARDIOLOGY") == ["Dr Anna Alpha", "Dr Cem Gamma"]
    assert names(specialty="cardiology", city="hamburg") == ["Dr Cem Gamma"]
    assert names(name="beta") == ["Dr Ben Beta"]
    assert names(name="100%") == []
    with pytest.raises(NotFound, match="no specialty named 'Nope'"):
        search.search(uow, specialty="Nope")
