"""Limits every channel applies to what callers send, importable without the case models."""

MAX_DESCRIPTION = 4000
