"""Tests of the deployment recipe in deploy/: its files, and its sshd set-up tried for real."""
