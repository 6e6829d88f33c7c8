"""Sending the e-mail outbox: composition, providers, the dispatcher and the admin views."""
