"""Seeding a demo clinic: staff, patients, specialties and doctors with known passwords."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, select

from doctorbook.core.accounts import auth
from doctorbook.core.base.db import Database
from doctorbook.core.base.models import Appointment, AvailabilitySlot, EmailOutbox, Review, User
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.booking import booking
from doctorbook.core.doctors import doctors, invites, specialties
from doctorbook.core.feedback import reviews
from doctorbook.core.scheduling import schedule, slots


@dataclass(frozen=True)
class DemoAccount:
    role: Role
    name: str
    email: str
    password: str


DOCTOR_PASSWORD = "doctor-demo-2026"  # noqa: S105 - a demo login, printed on purpose

DEMO_ACCOUNTS = (
    DemoAccount(Role.ADMIN, "Ada Admin", "admin@demo.clinic", "admin-demo-2026"),
    DemoAccount(Role.RECEPTIONIST, "Rita Reception", "reception@demo.clinic",
                "desk-demo-2026"),
    DemoAccount(Role.PATIENT, "Paul Patient", "paul@demo.clinic", "patient-demo-2026"),
    DemoAccount(Role.PATIENT, "Petra Patient", "petra@demo.clinic", "patient-demo-2026"),
    DemoAccount(Role.DOCTOR, "Dr Hannah Heart", "heart@demo.clinic", DOCTOR_PASSWORD),
)

SPECIALTIES = ("Cardiology", "Dermatology", "General practice", "Pediatrics")

#: Weekly hours (weekday, start, end) every demo doctor works: mornings and afternoons.
WEEK = tuple((day, start, end) for day in ("mon", "tue", "wed", "thu", "fri")
             for start, end in (("09:00", "12:00"), ("14:00", "17:00")))

#: (name, e-mail, specialties, clinic, address, city, price, bio)
DOCTORS = (
    ("Dr Hannah Heart", "heart@demo.clinic", ("Cardiology",), "Central Clinic",
     "Hauptstraße 1", "Berlin", "90", "Cardiologist with 15 years of practice."),
    ("Dr Sam Skin", "skin@demo.clinic", ("Dermatology",), "Central Clinic",
     "Hauptstraße 1", "Berlin", "75", "Skin, hair and nails; adults and children."),
    ("Dr Gil General", "general@demo.clinic", ("General practice", "Pediatrics"),
     "Harbour Practice", "Kaistraße 9", "Hamburg", "60", "Family doctor."),
)


def _exists(db: Database, email: str) -> bool:
    with db.unit_of_work() as uow:
        return auth.email_registered(uow, email)


def _admin(db: Database, account: DemoAccount) -> Actor:
    with db.unit_of_work() as uow:
        result = auth.login(uow, email=account.email, password=account.password)
    with db.unit_of_work() as uow:
        auth.logout(uow, access_token=result.access_token)
    return Actor(result.user.id, Role.ADMIN, result.user.email)


def _seed_doctor(db: Database, admin: Actor, spec: tuple[object, ...]) -> None:
    """Doctors join the real way: invited, the e-mailed token accepted, profile completed."""
    name, email, names, clinic, address, city, price, bio = spec
    assert isinstance(email, str) and isinstance(name, str) and isinstance(names, tuple)
    with db.unit_of_work() as uow:
        view = invites.invite_doctor(uow, actor=admin, email=email, name=name,
                                     specialty_names=list(names))
    with db.unit_of_work() as uow:
        row = uow.session.get(EmailOutbox, view.outbox_id)
        assert row is not None
        match = invites.INVITE_TOKEN_RE.search(row.text_body)
        assert match is not None
        # The demo reads its own invite e-mail instead of waiting for dispatch-emails.
        row.status = "cancelled"
        uow.commit()
    with db.unit_of_work() as uow:
        user = invites.accept_invite(uow, token=match.group(1), password=DOCTOR_PASSWORD)
    doctor = Actor(user.id, Role.DOCTOR, user.email)
    with db.unit_of_work() as uow:
        doctors.update_profile(
            uow, actor=doctor, price=str(price), clinic_name=str(clinic), address=str(address),
            city=str(city), timezone="Europe/Berlin", bio=str(bio),
        )
    for weekday, start, end in WEEK:
        with db.unit_of_work() as uow:
            schedule.add_rule(uow, actor=doctor, weekday=weekday, start=start, end=end)


#: Demo visits: (patient, doctor, which open slot of that doctor from tomorrow, reason).
BOOKINGS = (
    ("paul@demo.clinic", "heart@demo.clinic", 2, "Palpitations after exercise"),
    ("petra@demo.clinic", "heart@demo.clinic", 5, "Blood pressure follow-up"),
    ("petra@demo.clinic", "skin@demo.clinic", 30, None),
)


def _seed_bookings(db: Database) -> None:
    """A few upcoming visits booked at the desk, the first time only, so no screen starts empty."""
    with db.unit_of_work() as uow:
        if uow.session.scalar(select(exists().where(Appointment.id.isnot(None)))):
            return
        desk = uow.session.scalars(
            select(User).where(User.email == "reception@demo.clinic")).first()
        if desk is None:
            return
        actor = Actor(desk.id, Role.RECEPTIONIST, desk.email)
        tomorrow = uow.now() + timedelta(days=1)
        picks = []
        for patient, doctor_email, nth, reason in BOOKINGS:
            slot_id = uow.session.scalar(
                select(AvailabilitySlot.id)
                .join(User, User.id == AvailabilitySlot.doctor_id)
                .where(func.lower(User.email) == doctor_email, AvailabilitySlot.status == "open",
                       AvailabilitySlot.starts_at >= tomorrow)
                .order_by(AvailabilitySlot.starts_at).offset(nth).limit(1))
            if slot_id is not None:
                picks.append((patient, slot_id, reason))
    for patient, slot_id, reason in picks:
        with db.unit_of_work() as uow:
            booking.book(uow, actor=actor, slot_id=slot_id, patient_email=patient, reason=reason)


#: Past visits for the demo, with the review each patient left: (patient, doctor, weeks ago,
#: rating, comment).
HISTORY = (
    ("paul@demo.clinic", "heart@demo.clinic", 5, 5, "Explained everything calmly. Recommended."),
    ("petra@demo.clinic", "heart@demo.clinic", 3, 4, "Very thorough; the wait was long."),
    ("petra@demo.clinic", "skin@demo.clinic", 2, 5, None),
)


def _seed_history(db: Database) -> None:
    """Completed visits in the past and their reviews, the first time only.

    The past can't be booked (lead time), so the visits are written as history directly;
    the reviews go through the real use case.
    """
    berlin = ZoneInfo("Europe/Berlin")  # the demo's doctors all practise in Berlin

    with db.unit_of_work() as uow:
        if uow.session.scalar(select(exists().where(Review.id.isnot(None)))):
            return
        people = {u.email: u for u in uow.session.scalars(select(User))}
        visits = []
        for patient, doctor, weeks, rating, comment in HISTORY:
            if patient not in people or doctor not in people:
                continue
            # 10:00 in the clinic, that many weeks ago.
            day = (uow.now() - timedelta(weeks=weeks)).astimezone(berlin).date()
            start = datetime.combine(day, time(10), tzinfo=berlin).astimezone(UTC)
            slot = AvailabilitySlot(doctor_id=people[doctor].id, starts_at=start,
                                    ends_at=start + timedelta(minutes=30), status="booked")
            uow.session.add(slot)
            uow.session.flush()
            visit = Appointment(
                patient_id=people[patient].id, doctor_id=people[doctor].id, slot_id=slot.id,
                booked_by_id=people[patient].id, starts_at=start,
                ends_at=start + timedelta(minutes=30), status="completed", created_at=start,
                updated_at=start)
            uow.session.add(visit)
            uow.session.flush()
            visits.append((Actor(people[patient].id, Role.PATIENT, patient), visit.id, rating,
                           comment))
        uow.commit()
    for actor, visit_id, rating, comment in visits:
        with db.unit_of_work() as uow:
            reviews.submit_review(uow, actor=actor, appointment_id=visit_id, rating=rating,
                                  comment=comment)


def seed(db: Database) -> tuple[DemoAccount, ...]:
    """Create what doesn't exist yet (idempotent) and return the accounts to print."""
    admin = Actor.anonymous()
    for account in DEMO_ACCOUNTS:
        if account.role.is_doctor:
            continue
        if _exists(db, account.email):
            if account.role.is_admin:
                admin = _admin(db, account)
            continue
        with db.unit_of_work() as uow:
            if account.role.is_admin:
                view = auth.create_admin(uow, actor=admin, email=account.email,
                                         name=account.name, password=account.password)
                admin = Actor(view.id, Role.ADMIN, view.email)
            elif account.role.is_patient:
                auth.register(uow, email=account.email, name=account.name,
                              password=account.password)
            else:
                auth.create_staff(uow, actor=admin, email=account.email, name=account.name,
                                  password=account.password, role=account.role)
    with db.unit_of_work() as uow:
        known = {s.name for s in specialties.list_specialties(uow)}
    for name in SPECIALTIES:
        if name not in known:
            with db.unit_of_work() as uow:
                specialties.add(uow, actor=admin, name=name)
    for spec in DOCTORS:
        if not _exists(db, str(spec[1])):
            _seed_doctor(db, admin, spec)
    # What cron does every night: keep the next weeks of slots materialised.
    with db.unit_of_work() as uow:
        slots.generate(uow, actor=admin, days=28)
    with db.unit_of_work() as uow:
        waiting = invites.list_requests(uow, actor=admin)
    _seed_bookings(db)
    _seed_history(db)
    if not waiting and not _exists(db, "newdoc@demo.clinic"):
        with db.unit_of_work() as uow:
            invites.request_join(uow, email="newdoc@demo.clinic", name="Dr Nora New",
                                 message="I would like to join the Berlin clinic.")
    return DEMO_ACCOUNTS
