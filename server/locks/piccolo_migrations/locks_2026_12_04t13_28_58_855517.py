from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import UUID
from piccolo.columns.defaults.uuid import UUID4
from piccolo.columns.indexes import IndexMethod
from piccolo.engine.finder import engine_finder

ID = "2026-12-04T13:28:58:855517"
VERSION = "1.38.0"
DESCRIPTION = "hub credentials: issuances without an order, issued to a gateway device"

# SQLite cannot drop a NOT NULL constraint: the table is rebuilt there (the documented
# rename / create / copy / drop sequence), keeping every row and index.
_SQLITE_REBUILD = (
    'ALTER TABLE "lock_issuance" RENAME TO "lock_issuance_old"',
    'DROP INDEX IF EXISTS lock_issuance_server_nonce',
    'DROP INDEX IF EXISTS lock_issuance_order_id',
    'DROP INDEX IF EXISTS lock_issuance_credential_hash',
    'CREATE TABLE "lock_issuance" ("id" UUID PRIMARY KEY NOT NULL, '
    '"purpose" VARCHAR(20) NOT NULL DEFAULT \'\', '
    '"server_nonce" VARCHAR(32) UNIQUE NOT NULL DEFAULT \'\', '
    '"order_id" UUID DEFAULT null, "customer_id" UUID DEFAULT null, '
    '"lock_serial" VARCHAR(40) DEFAULT null, '
    '"issued_to" UUID NOT NULL REFERENCES "lockwork_user" ("id") '
    "ON DELETE CASCADE ON UPDATE CASCADE, "
    '"device" VARCHAR(100) NOT NULL DEFAULT \'\', '
    '"issued_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp, '
    '"expires_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp, '
    '"used_at" TIMESTAMPTZ DEFAULT null, "used_by_report" UUID DEFAULT null, '
    '"ticket_hash" VARCHAR(64) NOT NULL DEFAULT \'\', '
    '"credential_hash" VARCHAR(64) NOT NULL DEFAULT \'\')',
    'INSERT INTO "lock_issuance" (id, purpose, server_nonce, order_id, customer_id, '
    "lock_serial, issued_to, device, issued_at, expires_at, used_at, used_by_report, "
    "ticket_hash, credential_hash) SELECT id, purpose, server_nonce, order_id, customer_id, "
    "lock_serial, issued_to, device, issued_at, expires_at, used_at, used_by_report, "
    'ticket_hash, credential_hash FROM "lock_issuance_old"',
    'DROP TABLE "lock_issuance_old"',
    'CREATE INDEX lock_issuance_server_nonce ON "lock_issuance" ("server_nonce")',
    'CREATE INDEX lock_issuance_order_id ON "lock_issuance" ("order_id")',
    'CREATE INDEX lock_issuance_credential_hash ON "lock_issuance" ("credential_hash")',
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="locks", description=DESCRIPTION)
    engine = engine_finder()
    if engine is not None and engine.engine_type == "sqlite":

        async def rebuild() -> None:  # runs before the column operations below
            from server.locks.tables import LockIssuance

            for statement in _SQLITE_REBUILD:
                await LockIssuance.raw(statement)

        manager.add_raw(rebuild)
    else:
        manager.alter_column(
            table_class_name="LockIssuance",
            tablename="lock_issuance",
            column_name="order_id",
            db_column_name="order_id",
            params={"default": None, "null": True},
            old_params={"default": UUID4(), "null": False},
            column_class=UUID,
            old_column_class=UUID,
            schema=None,
        )
    manager.add_column(
        table_class_name="LockIssuance",
        tablename="lock_issuance",
        column_name="gateway_device",
        db_column_name="gateway_device",
        column_class_name="UUID",
        column_class=UUID,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    return manager
