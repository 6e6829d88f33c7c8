"""Core never drags in the user-interface toolkits: a cron job or a worker stays lean."""

from __future__ import annotations

import subprocess
import sys

PROBE = (
    "import doctorbook.core.accounts.auth, doctorbook.core.booking.appointments, "
    "doctorbook.core.accounts.session_store, "
    "doctorbook.core.base.db, sys; "
    "print(sorted(m for m in sys.modules if m.split('.')[0] in {'textual','typer','rich'}))"
)

EVERY_CORE_MODULE = (
    "import importlib, pkgutil, sys, doctorbook.core as core; "
    "[importlib.import_module(m.name) "
    " for m in pkgutil.walk_packages(core.__path__, 'doctorbook.core.')]; "
    "print(sorted(m for m in sys.modules "
    "             if m.split('.')[0] in {'textual','typer'} "
    "             or m.startswith(('doctorbook.cli', 'doctorbook.tui'))))"
)


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_core_imports_no_ui_toolkit() -> None:
    assert _run(PROBE) == "[]"


def test_no_core_module_imports_a_ui_toolkit_or_the_ui_packages() -> None:
    assert _run(EVERY_CORE_MODULE) == "[]"
