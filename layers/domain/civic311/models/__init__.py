"""Values and records: the leaf of the domain, importing nothing of ours but errors, the clock and each other."""
