"""One boundary (issue 12, part 1): a CLI command reaches core only through `Core`
(`CliContext.core.run` / `run_as_anyone` / `run_open`), which authenticates the caller inside
the use case's own unit of work and commits once. One user action, one transaction."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import Result

import doctorbook.cli.commands
from doctorbook.core.base.db import Database
from doctorbook.core.base.rbac import Role
from tests.cli.conftest import PW, Cli
from tests.conftest import make_user

COMMANDS = Path(doctorbook.cli.commands.__file__).parent

#: Calls that open a transaction or ask who is calling outside the boundary.
FORBIDDEN_CALLS = {"unit_of_work", "actor", "actor_or_anonymous"}
#: A raw database handle (`CliContext.db`) or a connection of a command's own.
FORBIDDEN_NAMES = {"db", "open_database", "make_engine"}

#: Modules that may hold a database handle of their own, and why. Nothing here may call
#: `unit_of_work(` or `.actor(` either: the allow-list is for a handle, not for use cases.
ALLOWED: dict[str, set[str]] = {
    # The `db` group: operator commands on the server itself (migrations, the embedded
    # server, backups), not use cases; they connect before (or instead of) any login.
    "db/__init__.py": {"db"},
    "db/backup.py": {"db"},
    "db/restore.py": {"db"},
    "db/start.py": {"db"},
    "db/status.py": {"db", "make_engine"},
    "db/stop.py": {"db"},
    "db/upgrade.py": {"db", "make_engine"},
    # `dispatch-emails` runs the outbox dispatcher's loop, which leases and sends in its own
    # short transactions (core/mail/dispatcher.py), as a cron job or a service: no caller.
    "dispatch/emails.py": {"db"},
    # `demo` creates and seeds a database of its own for trying the app; nobody logs in to it.
    "app/demo.py": {"open_database"},
}


def offences(path: Path) -> list[str]:
    """What in one module goes around the boundary: `name (line)` for each."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in FORBIDDEN_CALLS:
            found.append(f"{node.func.attr}( (line {node.lineno})")
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_NAMES:
            found.append(f".{node.attr} (line {node.lineno})")
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES - {"db"}:
            found.append(f"{node.id} (line {node.lineno})")
        elif isinstance(node, ast.ImportFrom) and node.module == "doctorbook.core.base.db":
            found.extend(f"{alias.name} (line {node.lineno})" for alias in node.names
                         if alias.name in FORBIDDEN_NAMES)
    return found


def test_every_command_goes_through_the_boundary() -> None:
    modules = sorted(COMMANDS.rglob("*.py"))
    assert len(modules) > 60  # the walk found the commands
    wrong = {}
    for path in modules:
        name = path.relative_to(COMMANDS).as_posix()
        allowed = ALLOWED.get(name, set())
        bad = [o for o in offences(path) if o.lstrip(".").split("(")[0].strip() not in allowed]
        if bad:
            wrong[name] = bad
    assert wrong == {}, "use CliContext.from_env().core.run(use_case, ...) instead"


def test_the_allow_list_names_real_modules() -> None:
    for name in ALLOWED:
        assert (COMMANDS / name).is_file(), name


def test_the_check_sees_the_old_way(tmp_path: Path) -> None:
    old = tmp_path / "old.py"
    old.write_text("def cmd(ctx):\n"
                   "    actor = ctx.actor()\n"
                   "    with ctx.db.unit_of_work() as uow:\n"
                   "        return uow, actor\n")
    assert offences(old) == ["actor( (line 2)", "unit_of_work( (line 3)", ".db (line 3)"]


# --- what a user notices ----------------------------------------------------------------------

ADA = {"DOCTORBOOK_PROFILE": "ada"}
BEA = {"DOCTORBOOK_PROFILE": "bea"}
NOTICE = "doctorbook: DOCTORBOOK_NOW is set"


def errors_of(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if not line.startswith(NOTICE)]


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


def log_in(cli: Cli, email: str, password: str = PW, **env: str) -> Result:
    return cli("login", "--email", email, "--password-stdin", input=password + "\n", **env)


@pytest.fixture
def two_admins(cli: Cli, db: Database) -> Cli:
    ok(cli("admin", "create", "--email", "ada@clinic.example", "--name", "Ada Admin",
           "--password-stdin", input=f"{PW}\n{PW}\n"))
    with db.unit_of_work() as uow:
        make_user(uow, email="bea@clinic.example", name="Bea Admin", role=Role.ADMIN,
                  password=PW)
    ok(log_in(cli, "ada@clinic.example", **ADA))
    ok(log_in(cli, "bea@clinic.example", **BEA))
    return cli


def specialties(db: Database) -> list[str]:
    with db.unit_of_work() as uow:
        return list(uow.session.execute(text("SELECT name FROM specialties")).scalars())


def test_a_disabled_account_is_refused_in_one_line_and_writes_nothing(
    two_admins: Cli, db: Database,
) -> None:
    cli = two_admins
    ok(cli("specialties", "add", "Cardiology", **BEA))
    ok(cli("staff", "disable", "bea@clinic.example", "--reason", "left the clinic", **ADA))

    refused = cli("specialties", "add", "Dermatology", **BEA)
    assert refused.exit_code == 1, refused.output
    assert refused.stdout == ""
    assert errors_of(refused) == ["error: the session has ended; log in again"]
    assert specialties(db) == ["Cardiology"]
    with db.unit_of_work() as uow:
        assert uow.session.execute(text(
            "SELECT count(*) FROM audit_log WHERE action LIKE 'specialty.%'")).scalar_one() == 1

    as_json = cli("staff", "list", "--json", **BEA)
    assert as_json.exit_code == 1 and as_json.stdout == ""
    [line] = errors_of(as_json)
    assert json.loads(line)["error"]["code"] == "auth"
    # Reading what anyone may read still works for her, as anonymous.
    assert "Cardiology" in ok(cli("specialties", "list", **BEA))


def test_an_expired_login_is_renewed_once_on_the_way(two_admins: Cli, db: Database) -> None:
    cli = two_admins
    before = dict(cli.keyring.values)
    later = {**ADA, "DOCTORBOOK_NOW": "2026-11-24T09:20:00Z"}  # the access token lasts 15 min
    ok(cli("specialties", "add", "Cardiology", **later))
    renewed = dict(cli.keyring.values)
    assert renewed != before  # the stored login was rotated
    assert specialties(db) == ["Cardiology"]
    assert "Ada Admin" in ok(cli("whoami", **later))
    assert cli.keyring.values == renewed  # and not again: the new token is good till 09:35


def test_a_new_login_ends_the_one_it_replaces_and_a_refused_one_keeps_it(
    two_admins: Cli,
) -> None:
    cli = two_admins
    wrong = log_in(cli, "ada@clinic.example", "not the password", **ADA)
    assert wrong.exit_code == 1
    assert errors_of(wrong) == ["error: wrong e-mail or password"]
    assert "Ada Admin" in ok(cli("whoami", **ADA))

    [old] = [json.loads(v)["access_token"] for (_, user), v in cli.keyring.values.items()
             if user == "ada"]
    ok(log_in(cli, "ada@clinic.example", **ADA))
    gone = cli("whoami", DOCTORBOOK_TOKEN=old, **ADA)
    assert gone.exit_code == 1
    assert "session has ended" in gone.stderr
    assert "Ada Admin" in ok(cli("whoami", **ADA))
