"""civic311 domain package: cases, triage, escalation, routing and their data access."""
