"""CLI habits: --version, shell completion, tidy help, and commands imported only when used."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from importlib.metadata import version

import pytest
import typer.main
from typer._click import Context
from typer.testing import CliRunner, Result

from doctorbook.cli.lazy import LazyGroup
from doctorbook.cli.main import COMMANDS, app

#: Wide enough that no paragraph of help is wrapped: every line break left is in the text.
WIDE = {"COLUMNS": "3000", "TERMINAL_WIDTH": "3000"}


def run(*args: str, **env: str) -> Result:
    return CliRunner().invoke(app, list(args), env={**WIDE, **env})


def in_a_subprocess(code: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def every_command_path() -> list[tuple[str, ...]]:
    """Every command and group, walked through the real (lazily loading) groups."""
    root = typer.main.get_command(app)
    paths: list[tuple[str, ...]] = []

    def walk(group: LazyGroup, path: tuple[str, ...]) -> None:
        ctx = Context(group)
        for name in group.list_commands(ctx):
            paths.append((*path, name))
            command = group.get_command(ctx, name)
            if isinstance(command, LazyGroup):
                walk(command, (*path, name))

    assert isinstance(root, LazyGroup)
    walk(root, ())
    return paths


ALL = every_command_path()


def test_version_comes_from_the_package_metadata() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout == f"doctorbook {version('doctorbook')}\n"
    assert re.fullmatch(r"doctorbook \d+\.\d+\.\d+\S*\n", result.stdout)


def test_the_installed_command_prints_its_version() -> None:
    done = subprocess.run([sys.executable, "-m", "doctorbook", "--version"],
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (
        0, f"doctorbook {version('doctorbook')}\n", "")


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_show_completion_prints_the_script_for_a_shell(shell: str, monkeypatch) -> None:
    # Typer detects the shell it runs under; this variable, read when the command is built,
    # makes it take the one named instead, so the test doesn't depend on its parent process.
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")
    result = run("--show-completion", shell)
    assert result.exit_code == 0, result.output
    assert "_DOCTORBOOK_COMPLETE" in result.stdout
    assert f"complete_{shell}" in result.stdout


def test_root_help_offers_completion_and_version() -> None:
    result = run("--help")
    assert result.exit_code == 0
    for option in ("--version", "--install-completion", "--show-completion", "--help"):
        assert option in result.stdout


def complete(words: str, **env: str) -> list[str]:
    result = run(_DOCTORBOOK_COMPLETE="complete_bash", COMP_WORDS=words,
                 COMP_CWORD=str(len(words.split()) - (0 if words.endswith(" ") else 1)), **env)
    assert result.exit_code == 0, result.output
    return result.stdout.split()


def test_completion_reaches_commands_options_and_subcommands() -> None:
    assert complete("doctorbook st") == ["staff"]
    assert set(complete("doctorbook ")) == set(COMMANDS)
    assert complete("doctorbook staff l") == ["list"]
    assert complete("doctorbook appointments list --up") == ["--upcoming"]


def test_root_help_lists_every_command_without_importing_one() -> None:
    names = in_a_subprocess(
        "import contextlib, sys\n"
        "sys.argv = ['doctorbook', '--help']\n"
        "from doctorbook.cli.main import run\n"
        "with contextlib.redirect_stdout(None), contextlib.suppress(SystemExit):\n"
        "    run()\n"
        "print(*sorted(m for m in sys.modules if m.startswith('doctorbook.cli.commands')))\n"
    )
    assert names == []
    listed = run("--help").stdout
    for name, entry in COMMANDS.items():
        assert entry.help is not None
        assert re.search(rf"│ {re.escape(name)} +{re.escape(entry.help)} +│", listed), name


def test_a_command_imports_its_own_module_and_no_other_command() -> None:
    loaded = in_a_subprocess(
        "import contextlib, sys\n"
        "sys.argv = ['doctorbook', 'appointments', 'list', '--help']\n"
        "from doctorbook.cli.main import run\n"
        "with contextlib.redirect_stdout(None), contextlib.suppress(SystemExit):\n"
        "    run()\n"
        "print(*sorted(m for m in sys.modules if m.startswith('doctorbook.cli.commands')))\n"
    )
    assert loaded == ["doctorbook.cli.commands", "doctorbook.cli.commands.appointments",
                      "doctorbook.cli.commands.appointments.list"]


def test_the_root_lines_are_the_commands_own_first_paragraphs() -> None:
    root = typer.main.get_command(app)
    assert isinstance(root, LazyGroup)
    ctx = Context(root)
    for name, entry in COMMANDS.items():
        command = root.get_command(ctx, name)
        assert command is not None and command.help is not None
        first = inspect.cleandoc(command.help).split("\n\n")[0]
        assert entry.help == first, f"{name}: COMMANDS says {entry.help!r}, the command {first!r}"


def test_no_flag_shows_bool_and_no_text_shows_str() -> None:
    flags = run("appointments", "list", "--help").stdout
    assert re.search(r"│ --upcoming +Only those still ahead\.", flags)
    assert re.search(r"│ --date +DATE +Only this day", flags)
    for path in [(), *ALL]:
        page = run(*path, "--help")
        assert page.exit_code == 0, (path, page.output)
        for wrong in ("<bool>", "<str>", "<list[str]>"):
            assert wrong not in page.stdout, (path, wrong)


def help_paragraphs(page: str) -> list[str]:
    """The prose between the usage line and the first panel, one item per printed line."""
    prose = page.split("Usage:", 1)[1].split("\n", 1)[1].split("╭", 1)[0]
    return [line.strip() for line in prose.splitlines() if line.strip()]


def test_help_never_breaks_a_sentence() -> None:
    root = typer.main.get_command(app)
    for path in ALL:
        page = run(*path, "--help").stdout
        command = root
        for name in path:
            command = command.get_command(Context(command), name)  # type: ignore[attr-defined]
        text = inspect.cleandoc(command.help or "")
        # At this width each paragraph is one line: more lines means a break inside one.
        assert len(help_paragraphs(page)) == len(text.split("\n\n")), (path, page)
        if isinstance(command, LazyGroup):
            panel = page.split("Commands", 1)[1]
            rows = [line for line in panel.splitlines() if line.startswith("│")]
            assert len(rows) == len(command.list_commands(Context(command))), (path, page)
