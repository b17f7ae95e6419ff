import os

from piccolo.conf.apps import AppConfig

from server.notify.tables import InboundSms, OutboxMessage, PushSubscription, ServerKey

APP_CONFIG = AppConfig(
    app_name="notify",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[OutboxMessage, PushSubscription, ServerKey, InboundSms],
    migration_dependencies=["server.accounts.piccolo_app"],
    commands=[],
)
