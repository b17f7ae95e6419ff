"""Booking by letter and SMS (seed 002): booking codes, reply rules and the PDF letters.

The pure parts live here first (``codes``, ``replies``, ``letters``); the booking states,
the planner's routes and the reply page build on them.
"""
