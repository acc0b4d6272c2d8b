"""civic311 domain package: cases, triage, escalation, routing and their data access, shared by every function."""
