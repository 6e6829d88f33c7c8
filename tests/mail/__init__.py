"""Tests of the e-mail dispatcher, its providers and the outbox admin commands."""
