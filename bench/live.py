"""How soon a committed change is heard: commit → the app's listener callback (LISTEN/NOTIFY).

Each round commits a unit of work that records a change (as a booking does) and waits until
a `Listener` on its own connection hears it; prints the median, p95 and max of that delay with
the machine's load. A screen then reads its data again (one exclusive call, a few ms), so what
a person sees follows within this figure plus one read.

The database: a scratch embedded PostgreSQL, or DOCTORBOOK_BENCH_DATABASE_URL.

Run: python bench/live.py [--rounds 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from startup import scratch_database  # bench/ is not a package: its own folder is on the path

from doctorbook.core.base import live
from doctorbook.core.base.db import Database, make_engine
from doctorbook.core.base.live import Changes, Listener


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dbk-bench-live-") as tmp:
        url, cleanup = scratch_database(Path(tmp))
        try:
            run(url, args.rounds)
        finally:
            cleanup()


def run(url: str, rounds: int) -> None:
    db = Database(make_engine(url))
    heard: dict[int, float] = {}
    arrived = threading.Condition()

    def on_change(changes: Changes) -> None:
        now = time.perf_counter()
        with arrived:
            for ident in changes.ids(live.APPOINTMENTS) or ():
                heard.setdefault(ident, now)
            arrived.notify_all()

    listener = Listener.for_engine(db.engine, on_change=on_change, on_reconnect=lambda: None)
    listener.start()
    assert listener.wait_listening(10), "the listener never connected"
    delays = []
    for ident in range(1, rounds + 1):
        with db.unit_of_work() as uow:
            uow.execute(text("SELECT 1"))
            uow.changed(live.APPOINTMENTS, ident)
            committed = time.perf_counter()
            uow.commit()
        with arrived:
            if not arrived.wait_for(lambda i=ident: i in heard, timeout=10):
                raise SystemExit(f"round {ident}: never heard")
        delays.append((heard[ident] - committed) * 1000)
    listener.stop()
    db.dispose()
    delays.sort()
    p95 = delays[max(0, int(len(delays) * 0.95) - 1)]
    print(f"commit -> heard, {rounds} rounds: median {statistics.median(delays):.1f} ms, "
          f"p95 {p95:.1f} ms, max {delays[-1]:.1f} ms (target: well under 1000 ms)")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
