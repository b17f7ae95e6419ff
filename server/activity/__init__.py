"""The activity list: prioritised work across orders (seed 001), and daily counts."""
