"""`doctorbook db status`: where the database is and which migration it is at."""

from __future__ import annotations

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.options import JsonOutput
from doctorbook.cli.render import echo, print_json


@translate_errors
def status(
    json_output: JsonOutput = False,
) -> None:
    """Show the database, its migration revision and the code's head (starts nothing)."""
    from doctorbook.core.base import embedded, migrate
    from doctorbook.core.base.db import make_engine, normalise_url

    ctx = CliContext.from_env()
    settings = ctx.settings
    info: dict[str, object] = {"head": migrate.head_revision()}
    url: str | None
    if settings.database_url:
        info["kind"] = "external"
        url = normalise_url(settings.database_url)
        info["running"] = True
    else:
        server = embedded.running_server(settings.pgdata)
        info.update(kind="embedded", pgdata=str(settings.pgdata), running=server is not None)
        if server is not None:
            info.update(pid=server.pid, socket_dir=str(server.socket_dir))
        url = server.url() if server is not None else None
    info["current"] = None
    if url is not None:
        engine = make_engine(url)
        try:
            info["current"] = migrate.status(engine).current
        finally:
            engine.dispose()
    info["up_to_date"] = info["current"] == info["head"]
    if json_output:
        print_json(info)
        return
    if info["kind"] == "embedded":
        state = f"running (pid {info['pid']})" if info["running"] else "not running"
        echo(f"database: embedded PostgreSQL in {info['pgdata']}, {state}")
    else:
        echo("database: external (database_url)")
    if url is not None:
        current = info["current"] or "empty"
        verdict = "up to date" if info["up_to_date"] else "run `doctorbook db upgrade`"
        echo(f"revision: {current} (head {info['head']}): {verdict}")
