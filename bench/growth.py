"""Growth curve to a clinic network's scale: generation, search and storage per slot by size.

For each size in --sizes (doctors; default 1,000, 3,000 and 10,000), each doctor 08:00-16:00
in 30-minute slots every day for --days (90: 1,440 slots per doctor), in a fresh database of
one embedded PostgreSQL (or DOCTORBOOK_BENCH_DATABASE_URL), prints:

- slot generation through `slots.generate` next to a binary COPY of the same rows into the
  same table and indexes (target ratio >= 0.5);
- search p50/p95 over random (specialty, city, date) queries (target p95 <= 20 ms);
- storage per slot: the slot table, its TOAST and every index, over its rows (target
  <= 250 B), and how it splits between heap and indexes.

Sizes run smallest first. Before each size the script predicts its time from the last one
(linear in slots); with --budget-minutes (default 20) a size that would end past the budget is
not started, and the curve predicts its figures instead.

Run: python bench/growth.py [--sizes 1000,3000,10000] [--days 90] [--queries 200]
Quick check: python bench/growth.py --sizes 50,100 --days 14 --queries 50
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _clinic
import scheduling

SLOT_TABLE = "availability_slots"


@dataclass(frozen=True)
class Point:
    doctors: int
    slots: int
    gen_rate: float
    copy_rate: float
    search_p50: float
    search_p95: float
    heap_bytes: int
    index_bytes: dict[str, int]
    seconds: float

    @property
    def total_bytes(self) -> int:
        return self.heap_bytes + sum(self.index_bytes.values())

    @property
    def per_slot(self) -> float:
        return self.total_bytes / max(self.slots, 1)


def storage(conninfo: str) -> tuple[int, dict[str, int]]:
    """(heap + TOAST + free space map, {index: bytes}) of the slot table, after VACUUM."""
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"VACUUM ANALYZE {SLOT_TABLE}")
        heap = conn.execute(
            f"SELECT pg_table_size('{SLOT_TABLE}')").fetchone()
        indexes = conn.execute(
            "SELECT indexrelid::regclass::text, pg_relation_size(indexrelid) "
            f"FROM pg_index WHERE indrelid = '{SLOT_TABLE}'::regclass ORDER BY 2 DESC").fetchall()
    assert heap is not None
    return int(heap[0]), {str(name): int(size) for name, size in indexes}


def measure(server: scheduling.Server, doctors: int, days: int, queries: int,
            tmp: Path) -> Point:
    from doctorbook.core.base import migrate
    from doctorbook.core.base.db import Database, make_engine
    from doctorbook.core.base.rbac import Actor, Role

    began = time.perf_counter()
    name = f"dbk_bench_growth_{doctors}"
    server.create_database(name)
    engine = make_engine(server.sa_url(name))
    migrate.upgrade(engine)
    conninfo = server.libpq_url(name)
    clinic = _clinic.create(conninfo, doctors=doctors, patients=1)
    db = Database(engine=engine)
    admin = Actor(clinic.admin_id, Role.ADMIN, clinic.admin_email)
    try:
        gen = scheduling.bench_generation(db, conninfo, admin, days, doctors, tmp)
        heap, indexes = storage(conninfo)
        import psycopg

        with psycopg.connect(conninfo) as conn:
            slot_ids = [r[0] for r in conn.execute(
                f"SELECT id FROM {SLOT_TABLE} TABLESAMPLE SYSTEM (1) LIMIT 5000")]
            if not slot_ids:
                slot_ids = [r[0] for r in conn.execute(f"SELECT id FROM {SLOT_TABLE} LIMIT 5000")]
        scheduling.say("search ...")
        searches, _pks, note = scheduling.bench_search(db, clinic, days, queries, slot_ids)
        scheduling.say(f"  {note}")
    finally:
        db.dispose()
    server.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return Point(doctors=doctors, slots=gen.rows, gen_rate=gen.ours_rate,
                 copy_rate=gen.copy_rate, search_p50=searches.pct(50),
                 search_p95=searches.pct(95), heap_bytes=heap, index_bytes=indexes,
                 seconds=time.perf_counter() - began)


def mib(n: float) -> str:
    return f"{n / 1024 / 1024:,.0f} MiB"


def report(points: list[Point], skipped: list[int], days: int, load: tuple[float, float]) -> None:
    print()
    print(f"doctorbook growth curve: {days} days, {_clinic.SLOTS_PER_DAY} slots/day per doctor; "
          f"load average (1 min) {load[0]:.1f} at the start, {load[1]:.1f} at the end")
    head = (f"{'doctors':>8s} {'slots':>12s} {'gen rows/s':>11s} {'COPY rows/s':>12s} "
            f"{'ratio':>6s} {'search p50/p95 ms':>18s} {'B/slot':>7s} {'heap+idx':>11s} "
            f"{'run s':>6s}")
    print(head)
    print("-" * len(head))
    for p in points:
        ratio = p.gen_rate / p.copy_rate
        print(f"{p.doctors:8,d} {p.slots:12,d} {p.gen_rate:11,.0f} {p.copy_rate:12,.0f} "
              f"{ratio:6.2f} {f'{p.search_p50:.2f} / {p.search_p95:.2f}':>18s} "
              f"{p.per_slot:7.0f} {mib(p.total_bytes):>11s} {p.seconds:6.0f}")
    print("targets: generation ratio >= 0.5, search p95 <= 20 ms, <= 250 B per slot")
    if points:
        last = points[-1]
        print()
        print(f"storage at {last.doctors:,} doctors, per slot: "
              f"heap {last.heap_bytes / last.slots:.0f} B"
              + "".join(f", {name} {size / last.slots:.0f} B"
                        for name, size in last.index_bytes.items()))
    if skipped and points:
        last = points[-1]
        print()
        for doctors in skipped:
            scale = doctors / last.doctors
            print(f"predicted for {doctors:,} doctors (linear in slots from {last.doctors:,}): "
                  f"{last.slots * scale:,.0f} slots, {mib(last.total_bytes * scale)} "
                  f"({last.per_slot:.0f} B/slot: storage per slot does not grow with size), "
                  f"about {last.seconds * scale / 60:.0f} min to generate and measure; search "
                  "reads one doctor's first open slots through the partial index, so its cost "
                  "grows with the doctors per (specialty, city), not with the slot count")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,3000,10000")
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--budget-minutes", type=float, default=20.0)
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))

    began = time.perf_counter()
    load_before = os.getloadavg()
    tmp = Path(tempfile.mkdtemp(prefix="dbk-bench-growth-"))
    server: scheduling.Server | None = None
    points: list[Point] = []
    skipped: list[int] = []
    try:
        scheduling.say("starting PostgreSQL ...")
        server = scheduling.start_server(tmp)
        for doctors in sizes:
            if points:
                last = points[-1]
                predicted = last.seconds * doctors / last.doctors
                left = args.budget_minutes * 60 - (time.perf_counter() - began)
                if predicted > left:
                    scheduling.say(f"{doctors:,} doctors: predicted {predicted / 60:.1f} min, "
                                   f"{left / 60:.1f} min left of the budget: not started")
                    skipped.append(doctors)
                    continue
            scheduling.say(f"== {doctors:,} doctors ==")
            points.append(measure(server, doctors, args.days, args.queries, tmp))
    except KeyboardInterrupt:
        scheduling.say("interrupted; stopping the server")
        raise SystemExit(130) from None
    finally:
        if server is not None:
            server.close()
        shutil.rmtree(tmp, ignore_errors=True)
    report(points, skipped, args.days, (load_before[0], os.getloadavg()[0]))
    print(f"wall time: {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
