"""Start-up cost: `doctorbook --help` against a bare Typer app, and a warm `doctorbook whoami`.

Prints medians of 10 runs and the ratio. Targets: ratio <= 1.3; warm whoami < 0.6 s.
Run: python bench/startup.py
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 10
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


def median_wall(cmd: list[str], env: dict[str, str], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def compile_package() -> None:
    """Byte-compile doctorbook first, as installing a wheel does.

    With PYTHONDONTWRITEBYTECODE=1 (set on this machine) an editable install never caches
    bytecode, so every command would recompile the ~120 modules it imports; that is a
    property of the checkout, not of doctorbook as users install it.
    """
    import compileall

    import doctorbook

    compileall.compile_dir(Path(doctorbook.__file__).parent, quiet=1)


def main() -> None:
    compile_package()
    env = dict(os.environ)
    # The installed console script, as users and cron run it (python -m adds runpy's cost).
    script = Path(sys.executable).with_name("doctorbook")
    doctorbook = [str(script)] if script.exists() else [sys.executable, "-m", "doctorbook"]
    bare = median_wall([sys.executable, "-c", BARE_TYPER, "--help"], env)
    ours = median_wall([*doctorbook, "--help"], env)
    print(f"bare Typer app --help : {bare * 1000:7.1f} ms (median of {RUNS})")
    print(f"doctorbook --help     : {ours * 1000:7.1f} ms (median of {RUNS})")
    print(f"ratio                 : {ours / bare:7.2f}  (target <= 1.3)")
    floor = median_wall([sys.executable, "-c", "import typer, typer._adapters, sqlalchemy.orm,"
                         " psycopg, sqlalchemy.dialects.postgresql.psycopg"], env)
    print(f"import floor of any DB command (typer+pydantic+sqlalchemy.orm+psycopg): "
          f"{floor * 1000:7.1f} ms")

    home = Path(tempfile.mkdtemp(prefix="dbk-bench-"))
    env.update(DOCTORBOOK_HOME=str(home), PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    env.pop("DOCTORBOOK_DATABASE_URL", None)
    env.pop("DOCTORBOOK_NOW", None)
    try:
        start = time.perf_counter()
        subprocess.run([*doctorbook, "register", "--email", "bench@example.com", "--name",
                        "Bench", "--password-stdin"], input=PASSWORD + "\n", text=True,
                       env=env, check=True, capture_output=True)
        first = time.perf_counter() - start
        subprocess.run([*doctorbook, "login", "--email", "bench@example.com",
                        "--password-stdin"], input=PASSWORD + "\n", text=True, env=env,
                       check=True, capture_output=True)
        print(f"first command (init + start + migrate embedded PostgreSQL): {first:6.2f} s")
        warm = median_wall([*doctorbook, "whoami"], env)
        print(f"doctorbook whoami, server running: {warm * 1000:7.1f} ms (median of {RUNS}; "
              "target < 600 ms)")
    finally:
        subprocess.run([*doctorbook, "db", "stop"], env=env, capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
