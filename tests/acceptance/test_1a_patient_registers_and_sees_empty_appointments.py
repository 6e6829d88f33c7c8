"""Brief 1, acceptance a: a new patient registers, logs in and sees an empty appointments list.

The CLI half runs here; the TUI half (pilot) is in test_1a_tui.py.
"""

from __future__ import annotations

import json

from tests.cli.conftest import PW


def test_new_patient_registers_logs_in_and_sees_empty_list_cli(cli):
    reg = cli("register", "--email", "new.patient@example.com", "--name", "New Patient",
              "--password-stdin", input=PW + "\n")
    assert reg.exit_code == 0, reg.output
    login = cli("login", "--email", "new.patient@example.com", "--password-stdin",
                input=PW + "\n")
    assert login.exit_code == 0, login.output
    who = json.loads(cli("whoami", "--json").stdout)
    assert who["role"] == "patient" and who["email"] == "new.patient@example.com"
    listing = cli("appointments", "list")
    assert listing.exit_code == 0
    assert "No appointments yet" in listing.stdout
    assert json.loads(cli("appointments", "list", "--json").stdout)["appointments"] == []
