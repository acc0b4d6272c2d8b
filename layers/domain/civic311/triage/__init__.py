"""Triage of 311 descriptions: 911 emergency, mental-health crisis, service code, language, and why."""

from civic311.triage.engine import triage
from civic311.triage.model import TriageResult

__all__ = ["TriageResult", "triage"]
