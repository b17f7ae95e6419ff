from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-23T02:00:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "change-log pull index"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="sync", description=DESCRIPTION)

    async def pull_index() -> None:
        # Pull reads "scope = ? AND change_number > ?" in order: one composite index serves it,
        # so a pull costs what changed, not the size of the database. Piccolo has no
        # composite-index column option, hence raw SQL (valid on SQLite and PostgreSQL).
        from server.sync.tables import SyncCounter

        await SyncCounter.raw(
            "CREATE INDEX IF NOT EXISTS sync_change_scope_number "
            "ON sync_change (scope, change_number)"
        )

    manager.add_raw(pull_index)
    return manager
