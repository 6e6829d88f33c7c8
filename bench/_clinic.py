"""A generated clinic network for benchmarks, inserted straight into a migrated database.

Onboarding (invites, argon2 password hashing, profile edits) is not what the benchmarks
measure, so the rows are written with COPY instead of through core. They follow the rules
core would: lower-case e-mails, roles from rbac, specialty slugs from `specialties.slugify`,
complete public profiles (price, clinic, city, timezone, at least one specialty), weekly rules
that `schedule.validate_window` accepts. The database's own constraints check the rest.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

#: (city, IANA timezone): several zones, so generation crosses different DST dates.
CITIES = (
    ("Berlin", "Europe/Berlin"), ("Hamburg", "Europe/Berlin"), ("Munich", "Europe/Berlin"),
    ("Vienna", "Europe/Vienna"), ("Zurich", "Europe/Zurich"), ("Paris", "Europe/Paris"),
    ("Lyon", "Europe/Paris"), ("Madrid", "Europe/Madrid"), ("Lisbon", "Europe/Lisbon"),
    ("London", "Europe/London"), ("Dublin", "Europe/Dublin"), ("Amsterdam", "Europe/Amsterdam"),
    ("Brussels", "Europe/Brussels"), ("Warsaw", "Europe/Warsaw"), ("Prague", "Europe/Prague"),
    ("Stockholm", "Europe/Stockholm"), ("Helsinki", "Europe/Helsinki"),
    ("Athens", "Europe/Athens"), ("New York", "America/New_York"),
    ("Toronto", "America/Toronto"),
)

SPECIALTIES = (
    "Cardiology", "Dermatology", "General practice", "Pediatrics", "Neurology",
    "Orthopedics", "Ophthalmology", "Gynecology", "Psychiatry", "Otolaryngology",
    "Endocrinology", "Urology",
)

_FIRST = ("Anna", "Ben", "Clara", "David", "Eva", "Felix", "Greta", "Hugo", "Ines", "Jonas",
          "Karla", "Leon", "Mia", "Noah", "Olga", "Paul", "Rosa", "Simon", "Tara", "Umar")
_LAST = ("Adler", "Becker", "Costa", "Dubois", "Engel", "Fischer", "Garcia", "Hansen",
         "Ivanova", "Jensen", "Keller", "Lopez", "Moreau", "Novak", "Olsen", "Peters",
         "Quinn", "Rossi", "Schmidt", "Tanaka", "Urban", "Vogel", "Weber", "Young", "Zimmer")

#: Every day of the week, 08:00-16:00 in 30-minute slots: 16 slots a day.
WORK_START, WORK_END, SLOT_MINUTES = time(8, 0), time(16, 0), 30
SLOTS_PER_DAY = (WORK_END.hour * 60 + WORK_END.minute
                 - WORK_START.hour * 60 - WORK_START.minute) // SLOT_MINUTES


@dataclass(frozen=True)
class Clinic:
    admin_id: int
    admin_email: str
    doctor_ids: tuple[int, ...]
    #: (user id, e-mail) of patients, each meant to book at most once.
    patients: tuple[tuple[int, str], ...]
    specialties: tuple[str, ...]
    cities: tuple[str, ...]


def _copy(cur: Any, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _users(cur: Any, role: str, prefix: str, names: list[str], now: datetime) -> list[int]:
    """Insert users numbered 1..n with e-mails prefix<n>@bench.clinic; ids in that order."""
    _copy(cur, "users", ("email", "name", "role", "is_active", "created_at", "updated_at"),
          [(f"{prefix}{i}@bench.clinic", name, role, True, now, now)
           for i, name in enumerate(names, start=1)])
    cur.execute("SELECT id FROM users WHERE role = %s AND email LIKE %s "
                "ORDER BY substring(email FROM %s)::int",
                (role, f"{prefix}%@bench.clinic", f"^{prefix}(\\d+)@"))
    return [r[0] for r in cur.fetchall()]


def create(conninfo: str, *, doctors: int, patients: int, seed: int = 2026) -> Clinic:
    """Admin, specialties, doctors with profiles and weekly rules, and patients; one commit."""
    import psycopg

    from doctorbook.core.doctors.specialties import slugify

    rng = random.Random(seed)
    now = datetime.now(UTC)
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO users (email, name, role, is_active, created_at, updated_at) "
            "VALUES ('admin@bench.clinic', 'Bench Admin', 'admin', true, %s, %s) RETURNING id",
            (now, now))
        row = cur.fetchone()
        assert row is not None
        admin_id = int(row[0])

        specialty_ids = []
        for name in SPECIALTIES:
            cur.execute("INSERT INTO specialties (name, slug, created_at) VALUES (%s, %s, %s) "
                        "RETURNING id", (name, slugify(name), now))
            row = cur.fetchone()
            assert row is not None
            specialty_ids.append(int(row[0]))

        names = [f"Dr {rng.choice(_FIRST)} {rng.choice(_LAST)}" for _ in range(doctors)]
        doctor_ids = _users(cur, "doctor", "doctor", names, now)
        assert len(doctor_ids) == doctors
        profiles, links, rules = [], [], []
        for n, doctor_id in enumerate(doctor_ids):
            city, zone = CITIES[n % len(CITIES)]  # even spread: every city has doctors
            price = f"{rng.randrange(40, 160)}.00"
            profiles.append((doctor_id, "active", f"Bench doctor {n + 1}.", price, "EUR",
                             f"{city} Clinic {n % 7 + 1}", f"Main Street {n % 97 + 1}", city,
                             zone, SLOT_MINUTES, 120, 24, True, now, now))
            for specialty_id in rng.sample(specialty_ids, rng.choice((1, 1, 2))):
                links.append((doctor_id, specialty_id))
            for weekday in range(7):
                rules.append((doctor_id, weekday, WORK_START, WORK_END, SLOT_MINUTES, now))
        _copy(cur, "doctors", ("user_id", "status", "bio", "price", "currency", "clinic_name",
                               "address", "city", "timezone", "slot_minutes", "lead_minutes",
                               "cancel_hours", "auto_confirm", "created_at", "updated_at"),
              profiles)
        _copy(cur, "doctor_specialties", ("doctor_id", "specialty_id"), links)
        _copy(cur, "schedule_rules", ("doctor_id", "weekday", "start_time", "end_time",
                                      "slot_minutes", "created_at"), rules)

        patient_names = [f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" for _ in range(patients)]
        patient_ids = _users(cur, "patient", "patient", patient_names, now)
        conn.commit()
        cur.execute("ANALYZE")
    return Clinic(
        admin_id=admin_id, admin_email="admin@bench.clinic", doctor_ids=tuple(doctor_ids),
        patients=tuple((pid, f"patient{i}@bench.clinic")
                       for i, pid in enumerate(patient_ids, start=1)),
        specialties=SPECIALTIES, cities=tuple(sorted({c for c, _ in CITIES})),
    )
