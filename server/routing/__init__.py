"""Issue 13: responsibility areas, fitter groups, assignment rules, recurring and automatic
orders (seeds 003 and 004)."""
