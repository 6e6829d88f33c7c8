"""register, login, whoami, refresh, logout through the CLI."""

from __future__ import annotations

import json

from sqlalchemy import create_engine, text

from tests.cli.conftest import PW


def test_register_login_whoami_logout(cli, registered):
    registered()
    login = cli("login", "--email", "ANN@example.com", "--password-stdin", input=PW + "\n")
    assert login.exit_code == 0, login.output
    assert "logged in as Ann Smith <ann@example.com> (patient)" in login.stdout

    who = cli("whoami", "--json")
    assert who.exit_code == 0
    assert json.loads(who.stdout) == {
        "id": json.loads(who.stdout)["id"], "email": "ann@example.com", "name": "Ann Smith",
        "role": "patient", "profile": "default",
    }
    # The tokens live in the keyring slot of the profile, never in a file.
    stored = json.loads(cli.keyring.values[("doctorbook", "default")])
    assert stored["access_token"].startswith("dba_")

    out = cli("logout")
    assert out.exit_code == 0 and "logged out ann@example.com" in out.stdout
    assert ("doctorbook", "default") not in cli.keyring.values
    who = cli("whoami")
    assert who.exit_code == 1
    assert who.stderr.strip() == "error: you are not logged in; run `doctorbook login` first"


def test_logout_revokes_on_the_server(cli, registered, fresh_db_url):
    registered()
    cli("login", "--email", "ann@example.com", "--password-stdin", input=PW + "\n")
    token = json.loads(cli.keyring.values[("doctorbook", "default")])["access_token"]
    assert cli("whoami", DOCTORBOOK_TOKEN=token).exit_code == 0
    cli("logout")
    # The copied token is dead too: logout is not just forgetting it locally.
    result = cli("whoami", DOCTORBOOK_TOKEN=token)
    assert result.exit_code == 1
    assert "session has ended" in result.stderr


def test_profiles_keep_separate_logins(cli, registered):
    registered("ann@example.com", "Ann Smith")
    registered("bob@example.com", "Bob Jones")
    cli("login", "--email", "ann@example.com", "--password-stdin", input=PW + "\n")
    cli("login", "--email", "bob@example.com", "--password-stdin", input=PW + "\n",
        DOCTORBOOK_PROFILE="desk2")
    assert "Ann Smith" in cli("whoami").stdout
    assert "Bob Jones" in cli("whoami", DOCTORBOOK_PROFILE="desk2").stdout


def test_wrong_password_and_unknown_email_say_the_same(cli, registered):
    registered()
    bad = "not the one!!\n"
    wrong = cli("login", "--email", "ann@example.com", "--password-stdin", input=bad)
    unknown = cli("login", "--email", "zed@example.com", "--password-stdin", input=bad)
    assert wrong.exit_code == unknown.exit_code == 1
    assert wrong.stderr == unknown.stderr == "error: wrong e-mail or password\n"


def test_five_failures_throttle_this_terminal_only(cli, registered):
    registered()
    for _ in range(4):
        assert cli("login", "--email", "ann@example.com", "--password-stdin",
                   input="not the one!!\n").exit_code == 1
    fifth = cli("login", "--email", "ann@example.com", "--password-stdin", input="nope nope!!\n")
    throttled = "error: too many failed logins from this terminal; try again in 30 seconds\n"
    assert fifth.stderr == throttled
    right = cli("login", "--email", "ann@example.com", "--password-stdin", input=PW + "\n")
    assert right.exit_code == 1 and right.stderr == throttled
    # The same account from another origin (the desk's SSH session) is not held up.
    desk = cli("login", "--email", "ann@example.com", "--password-stdin", input=PW + "\n",
               SSH_CONNECTION="10.0.0.5 52000 10.0.0.1 22")
    assert desk.exit_code == 0, desk.output
    later = cli("login", "--email", "ann@example.com", "--password-stdin", input=PW + "\n",
                DOCTORBOOK_NOW="2026-11-24T09:16:00Z")
    assert later.exit_code == 0, later.output


def test_expired_access_token_is_refreshed_transparently(cli, registered):
    registered()
    cli("login", "--email", "ann@example.com", "--password-stdin", input=PW + "\n")
    before = json.loads(cli.keyring.values[("doctorbook", "default")])
    result = cli("whoami", DOCTORBOOK_NOW="2026-11-24T09:20:00Z")
    assert result.exit_code == 0, result.output
    after = json.loads(cli.keyring.values[("doctorbook", "default")])
    assert after["access_token"] != before["access_token"]
    assert after["refresh_token"] != before["refresh_token"]


def test_session_expired_after_30_days(cli, registered):
    registered()
    cli("login", "--email", "ann@example.com", "--password-stdin", input=PW + "\n")
    result = cli("whoami", DOCTORBOOK_NOW="2026-12-25T09:00:00Z")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: the session has expired")


def test_refresh_rotates_and_reuse_ends_the_family(cli, registered, fresh_db_url):
    registered()
    cli("login", "--email", "ann@example.com", "--password-stdin", input=PW + "\n")
    stolen = cli.keyring.values[("doctorbook", "default")]
    assert cli("refresh").exit_code == 0
    assert cli("whoami").exit_code == 0
    # Someone replays the copied (already rotated) refresh token:
    cli.keyring.values[("doctorbook", "profile-of-thief")] = stolen
    thief = cli("refresh", DOCTORBOOK_PROFILE="profile-of-thief")
    assert thief.exit_code == 1 and "already used" in thief.stderr
    # ...and the legitimate, newer session is ended as well.
    assert cli("whoami").exit_code == 1
    engine = create_engine(fresh_db_url)
    with engine.connect() as conn:
        actions = conn.execute(text("SELECT action FROM audit_log ORDER BY id")).scalars().all()
    engine.dispose()
    assert "session.refresh_reuse" in actions


def test_admin_create_first_then_only_by_admin(cli, registered):
    first = cli("admin", "create", "--email", "boss@example.com", "--name", "Boss",
                "--password-stdin", input=PW + "\n")
    assert first.exit_code == 0, first.output
    second = cli("admin", "create", "--email", "boss2@example.com", "--name", "Boss Two",
                 "--password-stdin", input=PW + "\n")
    assert second.exit_code == 1
    assert "not logged in" in second.stderr
    registered()
    cli("login", "--email", "ann@example.com", "--password-stdin", input=PW + "\n")
    as_patient = cli("admin", "create", "--email", "boss2@example.com", "--name", "Boss Two",
                     "--password-stdin", input=PW + "\n")
    assert as_patient.exit_code == 1 and "may not" in as_patient.stderr
    cli("login", "--email", "boss@example.com", "--password-stdin", input=PW + "\n")
    by_admin = cli("admin", "create", "--email", "boss2@example.com", "--name", "Boss Two",
                   "--password-stdin", input=PW + "\n")
    assert by_admin.exit_code == 0, by_admin.output


def test_password_never_accepted_as_an_argument(cli):
    result = cli("register", "--email", "a@example.com", "--name", "A", "--password", PW)
    assert result.exit_code == 2
