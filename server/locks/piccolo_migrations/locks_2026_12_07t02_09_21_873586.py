from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Timestamptz
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-07T02:09:21:873586"
VERSION = "1.38.0"
DESCRIPTION = "revocation: each lock's credential epoch, and revoked issuances"

_PLAIN = {
    "primary_key": False,
    "unique": False,
    "index": False,
    "index_method": IndexMethod.btree,
    "choices": None,
    "db_column_name": None,
    "secret": False,
}


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="locks", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Lock",
        tablename="lock",
        column_name="credential_epoch",
        db_column_name="credential_epoch",
        column_class_name="Integer",
        column_class=Integer,
        params={"default": 0, "null": False, **_PLAIN},
        schema=None,
    )
    manager.add_column(
        table_class_name="LockIssuance",
        tablename="lock_issuance",
        column_name="revoked_at",
        db_column_name="revoked_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={"default": None, "null": True, **_PLAIN},
        schema=None,
    )
    return manager
