"""How doctors join: invite, request-join, requests, accept-invite."""

from __future__ import annotations

from doctorbook.cli.lazy import lazy_app

requests_app = lazy_app(
    __name__,
    help="Self-serve requests to join as a doctor (admin).",
    commands={
        "list": "list_requests:list_requests",
        "approve": "approve:approve",
        "reject": "reject:reject",
    },
)
