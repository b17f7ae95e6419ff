from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-07T03:18:28:000000"
VERSION = "1.38.0"
DESCRIPTION = "SMS: one outbox message per provider id"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="notify", description=DESCRIPTION)

    async def unique_provider_id() -> None:
        # A delivery receipt names the provider's id: it must find one message. SQLite cannot
        # add a UNIQUE column to an existing table, so the constraint is this unique index
        # (valid on SQLite and PostgreSQL; NULLs, the messages not yet sent, do not collide).
        from server.notify.tables import OutboxMessage

        await OutboxMessage.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS notify_outbox_provider_message_id_key "
            "ON notify_outbox (provider_message_id)"
        )

    manager.add_raw(unique_provider_id)
    return manager
