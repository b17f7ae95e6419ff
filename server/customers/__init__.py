"""Customers (the residents whose doors have the locks) and their contacts."""
