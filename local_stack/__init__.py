"""Pieces of the local stack that stand in for AWS services during development."""
