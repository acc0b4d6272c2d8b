"""In-memory adapters for the use cases' ports, for testing rules in milliseconds.

Each keeps the real adapter's conditional-write semantics; tests/unit/contracts/ runs one suite against both the
fake and the real adapter on moto, so the fake cannot drift from what it stands for.
"""
