"""Offline sync: the change log, scoped pull, exactly-once push of intent mutations."""
