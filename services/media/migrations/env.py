from alembic import context
from sqlalchemy import create_engine

from services.media.db import metadata
from services.common.settings import get

url = context.config.get_main_option("sqlalchemy.url") or get("ASHYQ_MEDIA_DATABASE_URL")

if context.is_offline_mode():
    context.configure(url=url, target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    with create_engine(url).connect() as connection:
        context.configure(connection=connection, target_metadata=metadata)
        with context.begin_transaction():
            context.run_migrations()
