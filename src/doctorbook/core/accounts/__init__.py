"""Accounts: logins, passwords, staff, patients, invitations, erasure."""
