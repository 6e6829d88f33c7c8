"""`doctorbook specialties`: the specialties taxonomy."""

from __future__ import annotations

from doctorbook.cli.lazy import lazy_app

app = lazy_app(
    __name__,
    help="The specialties taxonomy (admins change it).",
    commands={
        "add": "add:add",
        "list": "list_cmd:list_specialties",
        "rename": "rename:rename",
        "remove": "remove:remove",
    },
)
