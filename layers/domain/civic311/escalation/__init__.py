"""Escalation to 911: the emergency alert for dispatch, published with retries and never lost."""
