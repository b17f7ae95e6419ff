"""The working-day calendar (public holidays of Sweden and Norway plus configurable eves)."""
