"""workflow, accounts, media, open311

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 04:36:25.332063
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# Generated from services/appeals/domain/holidays.py (fixed days off, weekend carry-over, Kurban Ait).
SEED_HOLIDAYS = [
    ("2025-01-01", "Новый год"),
    ("2025-01-02", "Новый год"),
    ("2025-01-07", "Православное Рождество"),
    ("2025-03-08", "Международный женский день"),
    ("2025-03-10", "Международный женский день (перенос)"),
    ("2025-03-21", "Наурыз мейрамы"),
    ("2025-03-22", "Наурыз мейрамы"),
    ("2025-03-23", "Наурыз мейрамы"),
    ("2025-03-24", "Наурыз мейрамы (перенос)"),
    ("2025-03-25", "Наурыз мейрамы (перенос)"),
    ("2025-05-01", "Праздник единства народа Казахстана"),
    ("2025-05-07", "День защитника Отечества"),
    ("2025-05-09", "День Победы"),
    ("2025-06-06", "Курбан айт"),
    ("2025-07-06", "День Столицы"),
    ("2025-07-07", "День Столицы (перенос)"),
    ("2025-08-30", "День Конституции"),
    ("2025-09-01", "День Конституции (перенос)"),
    ("2025-10-25", "День Республики"),
    ("2025-10-27", "День Республики (перенос)"),
    ("2025-12-16", "День Независимости"),
    ("2026-01-01", "Новый год"),
    ("2026-01-02", "Новый год"),
    ("2026-01-07", "Православное Рождество"),
    ("2026-03-08", "Международный женский день"),
    ("2026-03-09", "Международный женский день (перенос)"),
    ("2026-03-21", "Наурыз мейрамы"),
    ("2026-03-22", "Наурыз мейрамы"),
    ("2026-03-23", "Наурыз мейрамы"),
    ("2026-03-24", "Наурыз мейрамы (перенос)"),
    ("2026-03-25", "Наурыз мейрамы (перенос)"),
    ("2026-05-01", "Праздник единства народа Казахстана"),
    ("2026-05-07", "День защитника Отечества"),
    ("2026-05-09", "День Победы"),
    ("2026-05-11", "День Победы (перенос)"),
    ("2026-05-27", "Курбан айт"),
    ("2026-07-06", "День Столицы"),
    ("2026-08-30", "День Конституции"),
    ("2026-08-31", "День Конституции (перенос)"),
    ("2026-10-25", "День Республики"),
    ("2026-10-26", "День Республики (перенос)"),
    ("2026-12-16", "День Независимости"),
    ("2027-01-01", "Новый год"),
    ("2027-01-02", "Новый год"),
    ("2027-01-04", "Новый год (перенос)"),
    ("2027-01-07", "Православное Рождество"),
    ("2027-03-08", "Международный женский день"),
    ("2027-03-21", "Наурыз мейрамы"),
    ("2027-03-22", "Наурыз мейрамы"),
    ("2027-03-23", "Наурыз мейрамы"),
    ("2027-03-24", "Наурыз мейрамы (перенос)"),
    ("2027-05-01", "Праздник единства народа Казахстана"),
    ("2027-05-03", "Праздник единства народа Казахстана (перенос)"),
    ("2027-05-07", "День защитника Отечества"),
    ("2027-05-09", "День Победы"),
    ("2027-05-10", "День Победы (перенос)"),
    ("2027-05-16", "Курбан айт"),
    ("2027-07-06", "День Столицы"),
    ("2027-08-30", "День Конституции"),
    ("2027-10-25", "День Республики"),
    ("2027-12-16", "День Независимости"),
    ("2028-01-01", "Новый год"),
    ("2028-01-02", "Новый год"),
    ("2028-01-03", "Новый год (перенос)"),
    ("2028-01-04", "Новый год (перенос)"),
    ("2028-01-07", "Православное Рождество"),
    ("2028-03-08", "Международный женский день"),
    ("2028-03-21", "Наурыз мейрамы"),
    ("2028-03-22", "Наурыз мейрамы"),
    ("2028-03-23", "Наурыз мейрамы"),
    ("2028-05-01", "Праздник единства народа Казахстана"),
    ("2028-05-05", "Курбан айт"),
    ("2028-05-07", "День защитника Отечества"),
    ("2028-05-08", "День защитника Отечества (перенос)"),
    ("2028-05-09", "День Победы"),
    ("2028-07-06", "День Столицы"),
    ("2028-08-30", "День Конституции"),
    ("2028-10-25", "День Республики"),
    ("2028-12-16", "День Независимости"),
    ("2028-12-18", "День Независимости (перенос)"),
    ("2029-01-01", "Новый год"),
    ("2029-01-02", "Новый год"),
    ("2029-01-07", "Православное Рождество"),
    ("2029-03-08", "Международный женский день"),
    ("2029-03-21", "Наурыз мейрамы"),
    ("2029-03-22", "Наурыз мейрамы"),
    ("2029-03-23", "Наурыз мейрамы"),
    ("2029-04-24", "Курбан айт"),
    ("2029-05-01", "Праздник единства народа Казахстана"),
    ("2029-05-07", "День защитника Отечества"),
    ("2029-05-09", "День Победы"),
    ("2029-07-06", "День Столицы"),
    ("2029-08-30", "День Конституции"),
    ("2029-10-25", "День Республики"),
    ("2029-12-16", "День Независимости"),
    ("2029-12-17", "День Независимости (перенос)"),
    ("2030-01-01", "Новый год"),
    ("2030-01-02", "Новый год"),
    ("2030-01-07", "Православное Рождество"),
    ("2030-03-08", "Международный женский день"),
    ("2030-03-21", "Наурыз мейрамы"),
    ("2030-03-22", "Наурыз мейрамы"),
    ("2030-03-23", "Наурыз мейрамы"),
    ("2030-03-25", "Наурыз мейрамы (перенос)"),
    ("2030-04-13", "Курбан айт"),
    ("2030-05-01", "Праздник единства народа Казахстана"),
    ("2030-05-07", "День защитника Отечества"),
    ("2030-05-09", "День Победы"),
    ("2030-07-06", "День Столицы"),
    ("2030-07-08", "День Столицы (перенос)"),
    ("2030-08-30", "День Конституции"),
    ("2030-10-25", "День Республики"),
    ("2030-12-16", "День Независимости"),
]


def upgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('accounts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('institution_id', sa.String(length=64), nullable=True),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('media',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=True),
    sa.Column('content_type', sa.String(length=100), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attached_to', sa.String(length=64), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('open311_keys',
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('key_hash')
    )
    op.create_table('answers',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('appeal_id', sa.String(length=36), nullable=False),
    sa.Column('institution_id', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('media_ids', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('author', sa.String(length=100), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeals.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_answers_appeal_id'), 'answers', ['appeal_id'], unique=False)
    op.create_table('notes',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('appeal_id', sa.String(length=36), nullable=False),
    sa.Column('author', sa.String(length=100), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeals.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_notes_appeal_id'), 'notes', ['appeal_id'], unique=False)
    op.add_column('appeal_history', sa.Column('institution_id', sa.String(length=64), nullable=True))
    op.add_column('appeal_history', sa.Column('previous_institution_id', sa.String(length=64), nullable=True))
    op.add_column('appeals', sa.Column('registered_on', sa.Date(), nullable=True))
    op.add_column('appeals', sa.Column('extended', sa.Boolean(), server_default='false', nullable=False))
    op.add_column('appeals', sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('appeals', sa.Column('reminder_published_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('appeals', sa.Column('overdue_published_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('appeals', sa.Column('delivery_event_id', sa.String(length=36), nullable=True))
    op.add_column('appeals', sa.Column('source', sa.String(length=16), server_default='api', nullable=False))
    op.add_column('appeals', sa.Column('open311_token', sa.String(length=64), nullable=True))
    op.create_index('appeals_by_status_deadline', 'appeals', ['status', 'deadline'], unique=False)
    op.create_index('appeals_by_submitted_at', 'appeals', ['submitted_at'], unique=False)
    op.create_unique_constraint('appeals_open311_token_key', 'appeals', ['open311_token'])
    op.execute("update appeals set registered_on = (submitted_at at time zone 'Asia/Almaty')::date")
    # The holiday calendar's seed (reference/appeals_law.md); operators correct it afterwards.
    holidays = sa.table('holidays', sa.column('day', sa.Date), sa.column('name', sa.Text))
    op.execute(postgresql.insert(holidays).values([{'day': sa.cast(d, sa.Date), 'name': n} for d, n in SEED_HOLIDAYS])
               .on_conflict_do_nothing())
    # ### end Alembic commands ###


def downgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    op.drop_constraint('appeals_open311_token_key', 'appeals', type_='unique')
    op.drop_index('appeals_by_submitted_at', table_name='appeals')
    op.drop_index('appeals_by_status_deadline', table_name='appeals')
    op.drop_column('appeals', 'open311_token')
    op.drop_column('appeals', 'source')
    op.drop_column('appeals', 'delivery_event_id')
    op.drop_column('appeals', 'overdue_published_at')
    op.drop_column('appeals', 'reminder_published_at')
    op.drop_column('appeals', 'answered_at')
    op.drop_column('appeals', 'extended')
    op.drop_column('appeals', 'registered_on')
    op.drop_column('appeal_history', 'previous_institution_id')
    op.drop_column('appeal_history', 'institution_id')
    op.drop_index(op.f('ix_notes_appeal_id'), table_name='notes')
    op.drop_table('notes')
    op.drop_index(op.f('ix_answers_appeal_id'), table_name='answers')
    op.drop_table('answers')
    op.drop_table('open311_keys')
    op.drop_table('media')
    op.drop_table('accounts')
    # ### end Alembic commands ###
