import os

from piccolo.conf.apps import AppConfig

from server.orders.tables import (
    CompletionReport,
    ContactAttempt,
    OrderEvent,
    OrderForward,
    OrderMessage,
    OrderPhoto,
    WorkOrder,
)

APP_CONFIG = AppConfig(
    app_name="orders",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[
        WorkOrder,
        ContactAttempt,
        CompletionReport,
        OrderEvent,
        OrderMessage,
        OrderForward,
        OrderPhoto,
    ],
    migration_dependencies=["server.locks.piccolo_app", "server.accounts.piccolo_app"],
    commands=[],
)
