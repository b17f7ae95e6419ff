"""Fault reports from outside without login, the planners' triage of them, and QR labels
(issue 13; seeds 003 and 004)."""
