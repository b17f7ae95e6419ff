"""Work orders: the life cycle, the pre-order checklist, SLA dates, tables, service and routes."""
