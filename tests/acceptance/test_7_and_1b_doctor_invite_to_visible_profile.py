"""Brief 7 and 1b end to end from the CLI, e-mail included.

7: "Given an admin invites a doctor, then the doctor receives an email with a one-time token to
join and complete profile." 1b: "Given a doctor invite, when the doctor accepts and completes
required profile fields, then their profile is publicly visible."
"""

from __future__ import annotations

import email
import email.policy
import json
import re
from pathlib import Path

from tests.cli.conftest import PW

TOKEN_RE = re.compile(r"doctorbook accept-invite (dbi_[A-Za-z0-9_-]+)")


def test_invite_email_token_accept_complete_profile_visible(cli):
    home = Path(cli.env["DOCTORBOOK_HOME"])
    cli("admin", "create", "--email", "admin@clinic.example", "--name", "Ada Admin",
        "--password-stdin", input=PW + "\n")
    cli("login", "--email", "admin@clinic.example", "--password-stdin", input=PW + "\n")
    assert cli("specialties", "add", "Cardiology").exit_code == 0
    invited = cli("invite", "heart@clinic.example", "--name", "Dr Hannah Heart",
                  "--specialty", "Cardiology")
    assert invited.exit_code == 0, invited.output

    # cron's job: the default `file` provider writes the message under <home>/mail/.
    sent = cli("dispatch-emails", "--once")
    assert sent.exit_code == 0, sent.output
    [eml] = sorted((home / "mail").glob("*.eml"))
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message["To"] == "Dr Hannah Heart <heart@clinic.example>"
    assert "invited" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    token = TOKEN_RE.search(text).group(1)
    assert token in message.get_body(("html",)).get_content()

    listed = json.loads(cli("outbox", "list", "--json").stdout)
    assert [(r["kind"], r["status"]) for r in listed] == [("doctor_invite", "sent")]

    doctor = {"DOCTORBOOK_PROFILE": "doctor"}
    accepted = cli("accept-invite", token, "--password-stdin", input=PW + "\n", **doctor)
    assert accepted.exit_code == 0, accepted.output
    reused = cli("accept-invite", token, "--password-stdin", input=PW + "\n", **doctor)
    assert reused.exit_code == 1 and "already used" in reused.stderr  # one-time

    cli("login", "--email", "heart@clinic.example", "--password-stdin", input=PW + "\n",
        **doctor)
    assert json.loads(cli("search", "--json").stdout)["results"] == []  # not complete yet
    completed = cli("profile", "set", "--price", "90", "--clinic", "Central Clinic", "--city",
                    "Berlin", "--timezone", "Europe/Berlin", **doctor)
    assert completed.exit_code == 0, completed.output

    anonymous = {"DOCTORBOOK_PROFILE": "nobody"}
    [row] = json.loads(cli("search", "--specialty", "cardiology", "--json",
                           **anonymous).stdout)["results"]
    assert (row["name"], row["clinic"], row["city"]) == ("Dr Hannah Heart", "Central Clinic",
                                                         "Berlin")
    public = json.loads(cli("doctors", "show", str(row["doctor_id"]), "--json",
                            **anonymous).stdout)
    assert public["specialties"] == ["Cardiology"] and public["price"] == "90.00"
