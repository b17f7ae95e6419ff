"""Notifications: the transactional outbox, e-mail, Web Push and the background worker."""
