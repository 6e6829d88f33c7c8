"""Static checks of deploy/: the commands it runs exist, the units and cron lines are complete and
verify, the sshd drop-in parses and does what deploy/README.md says."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer._click import exceptions as click_errors
from typer._click.core import Command, Context
from typer.core import TyperGroup
from typer.main import get_command
from typer.testing import CliRunner

from doctorbook.cli.main import app
from doctorbook.core.base.settings import load_settings
from tests.deploy.test_sshd import KEY_OPTIONS

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNITS = DEPLOY / "systemd"
CRON = DEPLOY / "cron" / "doctorbook"
DROP_IN = DEPLOY / "sshd" / "doctorbook-desk.conf"
README = DEPLOY / "README.md"
SCRIPT = "/usr/local/bin/doctorbook"
HOME_LINE = "DOCTORBOOK_HOME=/var/lib/doctorbook"
SSHD = Path("/usr/sbin/sshd")
#: What ends a command inside a shell line.
SHELL_OPERATORS = ("|", "||", "&", "&&", ";", "(", ")")
#: A redirection and its target: `2>&1`, `>> file`, `<in`.
REDIRECTION = re.compile(r"(?<!\S)\d*(?:>>?|<)(?:&\d+|\s*[^\s|;&()]+)")
#: Exec= prefixes systemd allows before the program (ignore failure, run as root, ...).
EXEC_PREFIXES = "-@:+!"


def _segments(line: str) -> list[list[str]]:
    """The shell words of a line, in one list per command (split at pipes, `&&`, `;`, ...),
    redirections (`2>&1`, `>>file`) left out."""
    line = REDIRECTION.sub(" ", line)
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    segments: list[list[str]] = [[]]
    for word in lexer:
        if word in SHELL_OPERATORS or word.startswith(("|", "&", ";", "(", ")")):
            segments.append([])
        else:
            segments[-1].append(word)
    return [words for words in segments if words]


def _words(command: str) -> list[str]:
    """The shell words of a command, up to the first operator (a pipe, a redirection, ...)."""
    segments = _segments(command)
    return segments[0] if segments else []


def _after_script(where: str, line: str) -> tuple[str, list[str]]:
    """(where, the arguments given to /usr/local/bin/doctorbook on this line)."""
    assert SCRIPT in line, f"{where}: not {SCRIPT}: {line}"
    return where, _words(line.split(SCRIPT, 1)[1])


def _unit_text(path: Path) -> dict[str, list[str]]:
    """A unit's keys and their values (a key may repeat), comments left out."""
    keys: dict[str, list[str]] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _, value = line.partition("=")
        keys.setdefault(key.strip(), []).append(value.strip())
    return keys


def _services() -> list[Path]:
    return sorted(UNITS.glob("*.service"))


def unit_commands() -> list[tuple[str, list[str]]]:
    found = []
    for unit in _services():
        for key, values in _unit_text(unit).items():
            if key.startswith("Exec"):
                found += [_after_script(f"{unit.name} {key}", v.lstrip(EXEC_PREFIXES))
                          for v in values]
    return found


def _cron_jobs() -> list[str]:
    """The job lines of the cron file (not comments, not VAR=value lines)."""
    return [line for line in CRON.read_text().splitlines()
            if line.strip() and not line.lstrip().startswith("#")
            and not re.match(r"^[A-Z_]+=", line)]


def cron_commands() -> list[tuple[str, list[str]]]:
    return [_after_script(f"cron {' '.join(job.split()[:2 if job.startswith('@') else 5])}", job)
            for job in _cron_jobs()]


def _force_command() -> str:
    lines = [line.split(None, 1)[1] for line in DROP_IN.read_text().splitlines()
             if line.strip().startswith("ForceCommand ")]
    assert len(lines) == 1, f"{DROP_IN}: expected one ForceCommand, found {lines}"
    return lines[0]


def deployed_commands() -> list[tuple[str, list[str]]]:
    """Every doctorbook command line the units, the cron file and sshd run."""
    return [*unit_commands(), *cron_commands(), _after_script("ForceCommand", _force_command())]


def readme_commands() -> list[tuple[str, list[str]]]:
    """Every doctorbook command deploy/README.md has the operator type: in its sh blocks and
    inline code, after the `dbk`/`drill` shorthands or `env DOCTORBOOK_HOME=... doctorbook`."""
    text = README.read_text()
    snippets = [line for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S)
                for line in block.splitlines()]
    snippets += re.findall(r"(?<!`)`([^`\n]+)`(?!`)", text)
    found = []
    for snippet in snippets:
        if "() {" in snippet:  # the shorthands' own definitions
            continue
        try:
            segments = _segments(snippet)
        except ValueError:  # an unbalanced quote in prose: not a command
            continue
        for words in segments:
            starts = [i for i, word in enumerate(words) if word in ("dbk", "drill")
                      or (word in ("doctorbook", SCRIPT) and i > 0
                          and words[i - 1].startswith("DOCTORBOOK_HOME="))]
            if starts and words[starts[-1] + 1:]:
                found.append((f"README: {snippet.strip()}", words[starts[-1] + 1:]))
    return found


def _ids(commands: list[tuple[str, list[str]]]) -> list[str]:
    """`doctorbook-db.service ExecStart: db start`, `README: db status` (the line is in `where`)."""
    return [f"{where.split(': ', 1)[0]}: {' '.join(args)}" for where, args in commands]


def _parse(args: list[str]) -> Context:
    """Parse a command line the way the CLI would, without running the command.

    (Typer carries its own copy of click, as `typer._click`; src/doctorbook/cli uses it too.)"""
    command: Command = get_command(app)
    ctx = Context(command, info_name="doctorbook")
    rest = list(args)
    while isinstance(command, TyperGroup):
        assert rest, f"{' '.join(args)}: names a group of commands, not a command"
        name, rest = rest[0], rest[1:]
        found = command.get_command(ctx, name)
        assert found is not None, f"{' '.join(args)}: no command {name!r}"
        command = found
        ctx = Context(command, info_name=name, parent=ctx)
    return command.make_context(ctx.info_name, rest, parent=ctx.parent)


DEPLOYED = deployed_commands()
DOCUMENTED = readme_commands()


def test_the_recipe_runs_doctorbook_commands_at_all() -> None:
    """The extraction below found what the files hold (an empty list would pass everything)."""
    assert len(unit_commands()) >= 6  # db start/stop, dispatch, slots, backup, kiosk
    assert len(cron_commands()) == 4
    jobs = {" ".join(args) for _, args in DEPLOYED}
    assert {"db start", "db stop", "dispatch-emails", "dispatch-emails --once", "kiosk", "tui",
            "slots generate --days 60",
            "db backup /var/backups/doctorbook --keep 14"} <= jobs, jobs
    assert len(DOCUMENTED) >= 10, DOCUMENTED


@pytest.mark.parametrize("where,args", DEPLOYED + DOCUMENTED, ids=_ids(DEPLOYED + DOCUMENTED))
def test_each_command_exists_with_these_options(where: str, args: list[str]) -> None:
    result = CliRunner().invoke(app, [*args, "--help"])
    assert result.exit_code == 0, f"{where}: {result.output}"


@pytest.mark.parametrize("where,args", DEPLOYED, ids=_ids(DEPLOYED))
def test_each_deployed_command_line_parses(where: str, args: list[str]) -> None:
    """Arguments and option values too (--help alone stops before converting them)."""
    try:
        _parse(args)
    except click_errors.ClickException as exc:
        pytest.fail(f"{where}: {' '.join(args)}: {exc.format_message()}")


def test_every_service_runs_as_doctorbook_with_its_home() -> None:
    assert {p.name for p in _services()} == {
        "doctorbook-db.service", "doctorbook-dispatch.service", "doctorbook-kiosk@.service",
        "doctorbook-slots.service", "doctorbook-backup.service",
    }
    for unit in _services():
        keys = _unit_text(unit)
        assert keys.get("User") == ["doctorbook"], unit.name
        assert HOME_LINE in keys.get("Environment", []), unit.name
        for hardening in ("NoNewPrivileges=yes", "PrivateTmp=yes", "ProtectHome=yes"):
            key, value = hardening.split("=")
            assert keys.get(key) == [value], f"{unit.name}: {hardening}"
        protect = keys.get("ProtectSystem", [])
        assert protect in (["full"], ["strict"]), f"{unit.name}: ProtectSystem={protect}"
        if protect == ["strict"]:  # everything read-only but what is listed
            writable = " ".join(keys.get("ReadWritePaths", [])).split()
            assert {"/var/lib/doctorbook", "/var/backups/doctorbook"} <= set(writable), unit.name


def test_every_other_unit_needs_the_database_unit_and_starts_after_it() -> None:
    db = _unit_text(UNITS / "doctorbook-db.service")
    assert db["Type"] == ["oneshot"] and db["RemainAfterExit"] == ["yes"]
    for unit in _services():
        if unit.name == "doctorbook-db.service":
            continue
        keys = _unit_text(unit)
        assert "doctorbook-db.service" in " ".join(keys.get("Requires", [])).split(), unit.name
        assert "doctorbook-db.service" in " ".join(keys.get("After", [])).split(), unit.name


def test_the_kiosk_unit_owns_its_console() -> None:
    keys = _unit_text(UNITS / "doctorbook-kiosk@.service")
    assert keys["ExecStart"] == [f"{SCRIPT} kiosk"]
    assert "getty@%i.service" in keys["Conflicts"]
    # Textual reads stdin and draws on stderr: all three must be the tty.
    assert keys["StandardInput"] == keys["StandardOutput"] == keys["StandardError"] == ["tty"]
    assert keys["TTYPath"] == ["/dev/%I"]
    assert keys["Restart"] == ["always"]
    assert "TERM=linux" in keys["Environment"]
    assert keys["WantedBy"] == ["getty.target"]


def test_textual_draws_on_stderr_as_the_kiosk_unit_says() -> None:
    import textual.drivers.linux_driver as driver

    source = Path(driver.__file__).read_text()
    assert "self._file = sys.__stderr__" in source, (
        "Textual's Linux driver no longer draws on stderr: revisit StandardError= in "
        "doctorbook-kiosk@.service and its comment")


def test_each_timer_starts_its_service_nightly_and_catches_up() -> None:
    timers = sorted(UNITS.glob("*.timer"))
    assert [t.name for t in timers] == ["doctorbook-backup.timer", "doctorbook-slots.timer"]
    for timer in timers:
        keys = _unit_text(timer)
        assert (UNITS / timer.name.replace(".timer", ".service")).exists()
        assert keys["Persistent"] == ["true"], timer.name
        assert keys["WantedBy"] == ["timers.target"], timer.name
        service = _unit_text(UNITS / timer.name.replace(".timer", ".service"))
        assert service["Type"] == ["oneshot"], timer.name
    assert _unit_text(UNITS / "doctorbook-slots.timer")["OnCalendar"] == ["*-*-* 02:30:00"]
    assert _unit_text(UNITS / "doctorbook-backup.timer")["OnCalendar"] == ["*-*-* 03:15:00"]


def test_the_units_the_readme_enables_exist() -> None:
    line = next(line for line in README.read_text().splitlines()
                if line.startswith("systemctl enable --now"))
    for name in line.split()[3:]:
        base = re.sub(r"@[^.]+", "@", name)
        path = UNITS / (base if "." in base else f"{base}.service")
        assert path.exists(), f"README enables {name}, there is no {path.name}"


def test_the_cron_file_runs_the_same_jobs_as_the_doctorbook_account() -> None:
    # cron's run-parts skips /etc/cron.d files whose names hold a dot.
    assert "." not in CRON.name
    text = CRON.read_text()
    assert re.search(rf"^{re.escape(HOME_LINE)}$", text, flags=re.M)
    schedule: dict[str, list[str]] = {}
    for job in _cron_jobs():
        fields = job.split()
        when, user = (fields[:1], fields[1]) if job.startswith("@") else (fields[:5], fields[5])
        assert user == "doctorbook", job
        _, args = _after_script("cron", job)
        schedule[" ".join(args)] = when
    assert schedule == {
        "db start": ["@reboot"],
        "dispatch-emails --once": ["*", "*", "*", "*", "*"],
        "slots generate --days 60": ["30", "2", "*", "*", "*"],
        "db backup /var/backups/doctorbook --keep 14": ["15", "3", "*", "*", "*"],
    }
    # The nightly jobs are the very command lines the systemd units run.
    units = {" ".join(args) for _, args in unit_commands()}
    assert {"slots generate --days 60", "db backup /var/backups/doctorbook --keep 14"} <= units


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_analyze_verifies_the_units(tmp_path: Path) -> None:
    """`systemd-analyze verify` on copies whose /usr/local/bin/doctorbook is this venv's script:
    it refuses an ExecStart= whose program does not exist, and nothing has installed the
    recipe's symlink here. Any other word from it (an unknown key, a bad value, a unit it
    cannot find) fails the test, though verify itself still exits 0 for most of them."""
    script = Path(sys.executable).parent / "doctorbook"
    if not script.exists() or " " in str(script):
        pytest.skip(f"no usable console script at {script}")
    for unit in [*_services(), *UNITS.glob("*.timer")]:
        (tmp_path / unit.name).write_text(unit.read_text().replace(SCRIPT, str(script)))
    names = [p.name for p in sorted(tmp_path.iterdir())]
    names = [n.replace("@.service", "@tty2.service") for n in names]
    result = subprocess.run(
        ["systemd-analyze", "verify", *(f"./{n}" for n in names)], cwd=tmp_path,
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "SYSTEMD_LOG_COLOR": "0"},
    )
    said = (result.stdout + result.stderr).strip()
    assert result.returncode == 0 and not said, said


def _sshd_config(tmp_path: Path, *lines: str) -> Path:
    """A main config like Debian's: drop-ins included first, its own settings after."""
    if not SSHD.exists() or shutil.which("ssh-keygen") is None:
        pytest.skip("no OpenSSH server here (/usr/sbin/sshd)")
    host_key = tmp_path / "host_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(host_key)],
                   check=True, capture_output=True, timeout=30)
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd -t wants it as root
    config = tmp_path / "sshd_config"
    config.write_text("\n".join([f"Include {DROP_IN}", f"HostKey {host_key}", *lines, ""]))
    return config


def _sshd(*args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(SSHD), *args], capture_output=True, text=True, timeout=30)
    if "privilege separation directory" in result.stderr:
        pytest.skip(result.stderr.strip())
    return result


def test_sshd_accepts_the_drop_in(tmp_path: Path) -> None:
    config = _sshd_config(tmp_path)
    result = _sshd("-t", "-f", str(config))
    assert result.returncode == 0, result.stderr


def test_sshd_applies_every_line_of_the_match_block_to_doctorbook_only(tmp_path: Path) -> None:
    # Debian's own settings after the Include must not undo the drop-in's.
    config = _sshd_config(tmp_path, "X11Forwarding yes", "KbdInteractiveAuthentication yes",
                          "Subsystem sftp /usr/lib/openssh/sftp-server")
    block = [line.split(None, 1) for line in DROP_IN.read_text().splitlines()
             if line.startswith("    ") and not line.strip().startswith("#")]
    assert len(block) >= 10
    result = _sshd("-T", "-f", str(config), "-C", "user=doctorbook,host=desk,addr=127.0.0.1")
    assert result.returncode == 0, result.stderr
    effective = dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)
    for keyword, value in block:
        assert effective.get(keyword.lower()) == value, f"{keyword}: sshd has " \
            f"{effective.get(keyword.lower())!r}"
    others = _sshd("-T", "-f", str(config), "-C", "user=someone,host=desk,addr=127.0.0.1")
    assert "forcecommand none" in others.stdout.splitlines()
    assert "x11forwarding yes" in others.stdout.splitlines()


def test_every_line_of_the_drop_in_says_why() -> None:
    lines = DROP_IN.read_text().splitlines()
    for number, line in enumerate(lines):
        if line.strip() and not line.strip().startswith("#") and not line.startswith("Match"):
            assert lines[number - 1].strip().startswith("#"), f"no comment above: {line}"
    assert sum(line.startswith("Match ") for line in lines) == 1
    assert "Match User doctorbook" in lines


def test_desk_keys_carry_the_restricting_options_everywhere() -> None:
    prefix = f"{KEY_OPTIONS} ssh-"
    assert prefix in (DEPLOY / "sshd" / "desk_keys.example").read_text()
    assert prefix in README.read_text()
    # The example grants nobody anything until the operator adds a line.
    example = (DEPLOY / "sshd" / "desk_keys.example").read_text().splitlines()
    assert all(not line.strip() or line.startswith("#") for line in example)


def test_the_readme_settings_are_read_as_meant(tmp_path: Path) -> None:
    block = re.search(r"```toml\n(.*?)```", README.read_text(), flags=re.S)
    assert block is not None
    (tmp_path / "config.toml").write_text(block.group(1))
    settings = load_settings({"DOCTORBOOK_HOME": str(tmp_path)})
    assert settings.email_provider == "smtp"
    assert settings.smtp_starttls is True and settings.smtp_port == 587
    assert settings.smtp_password == "the SMTP password"
    assert settings.email_from == "appointments@clinic.example"
    assert settings.config_file == tmp_path / "config.toml"


def test_the_forced_command_is_the_shared_desk_app() -> None:
    words = _force_command().split()
    assert words[0] == "/usr/bin/env"
    assert {HOME_LINE, "DOCTORBOOK_SHARED_TERMINAL=1"} <= set(words)
    assert words[-2:] == [SCRIPT, "tui"]
