"""Organisations, users, login sessions, device tokens and the access rules."""
