"""Offline gazetteer serving the Amazon Location place-index API shapes from approximate Tucson data."""

from local_stack.gazetteer.search import place_summary, search_position, search_text

__all__ = ["place_summary", "search_position", "search_text"]
