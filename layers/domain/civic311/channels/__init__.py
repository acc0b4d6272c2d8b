"""Channels: how people and systems reach 311 (Open311 API, staff and public JSON API, phone)."""
