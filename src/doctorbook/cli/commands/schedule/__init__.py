"""`doctorbook schedule`: a doctor's weekly rules and per-date exceptions."""

from __future__ import annotations

from doctorbook.cli.lazy import lazy_app

app = lazy_app(
    __name__,
    help="Your weekly schedule and its exceptions (doctors).",
    commands={
        "show": "show:show",
        "add-rule": "add_rule:add_rule",
        "remove-rule": "remove_rule:remove_rule",
        "add-exception": "add_exception:add_exception",
        "remove-exception": "remove_exception:remove_exception",
    },
)
