"""conversations

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

python-telegram-bot's persistent state (conversation states, user/chat/bot data, callback data) as JSON rows, and
the /novo wizard's draft (see storage/telegram_persistence.py and storage/repositories/drafts.py).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('telegram_conversations',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('state', JSON, nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', 'key', name=op.f('pk_telegram_conversations'))
    )
    op.create_table('telegram_user_data',
    sa.Column('user_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('data', JSON, nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_telegram_user_data'))
    )
    op.create_table('telegram_chat_data',
    sa.Column('chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('data', JSON, nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('chat_id', name=op.f('pk_telegram_chat_data'))
    )
    op.create_table('telegram_bot_data',
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('data', JSON, nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('kind', name=op.f('pk_telegram_bot_data'))
    )
    op.create_table('wizard_drafts',
    sa.Column('chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('telegram_user_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('customer_id', ID, nullable=False),
    sa.Column('step', sa.String(length=30), nullable=False),
    sa.Column('type_id', ID, nullable=True),
    sa.Column('subject_id', ID, nullable=True),
    sa.Column('empreendimento_id', ID, nullable=True),
    sa.Column('unit_id', ID, nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_wizard_drafts_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('chat_id', 'telegram_user_id', name=op.f('pk_wizard_drafts'))
    )
    with op.batch_alter_table('wizard_drafts', schema=None) as batch_op:
        batch_op.create_index('ix_wizard_drafts_expires_at', ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('wizard_drafts', schema=None) as batch_op:
        batch_op.drop_index('ix_wizard_drafts_expires_at')

    op.drop_table('wizard_drafts')
    op.drop_table('telegram_bot_data')
    op.drop_table('telegram_chat_data')
    op.drop_table('telegram_user_data')
    op.drop_table('telegram_conversations')
