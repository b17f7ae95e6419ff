import os

from piccolo.conf.apps import AppConfig

from server.booking.tables import BookingLetter, BookingReply, LetterJob

APP_CONFIG = AppConfig(
    app_name="booking",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[BookingLetter, LetterJob, BookingReply],
    migration_dependencies=["server.orders.piccolo_app", "server.accounts.piccolo_app"],
    commands=[],
)
