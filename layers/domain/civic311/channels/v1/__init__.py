"""The civic311 JSON API under /v1: public helpers for residents' apps and authenticated staff routes."""
