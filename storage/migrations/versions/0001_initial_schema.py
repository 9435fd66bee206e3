"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-27

The catalogue, atendimentos, pendências, internal messages, the outbox, and the change capture: triggers that
journal every stage insert or status change, note insert and ticket status change into change_log, whoever writes
them (see storage/tables.py).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('change_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('entity', sa.String(length=10), nullable=False),
    sa.Column('row_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('change', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_log'))
    )
    op.create_table('counters',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_counters'))
    )
    op.create_table('customers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('document', sa.String(length=14), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('telegram_user_id', sa.BigInteger(), nullable=True),
    sa.Column('linked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('unreachable_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers')),
    sa.UniqueConstraint('document', name=op.f('uq_customers_document')),
    sa.UniqueConstraint('telegram_user_id', name=op.f('uq_customers_telegram_user_id'))
    )
    op.create_table('empreendimentos',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_empreendimentos'))
    )
    op.create_table('outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('audience', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('recipient_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('state', sa.String(length=12), server_default='pending', nullable=False),
    sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('available_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=80), nullable=True),
    sa.Column('claim_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('chat_id', sa.BigInteger(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.CheckConstraint("state IN ('pending', 'claimed', 'delivered', 'parked', 'skipped')", name=op.f('ck_outbox_state')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('key', name=op.f('uq_outbox_key'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_due', ['state', 'available_at', 'id'], unique=False)

    op.create_table('staff_users',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('login', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('telegram_user_id', sa.BigInteger(), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('smtp_host', sa.String(length=254), nullable=True),
    sa.Column('smtp_port', sa.Integer(), nullable=True),
    sa.Column('smtp_username', sa.String(length=254), nullable=True),
    sa.Column('smtp_password', sa.String(length=500), nullable=True),
    sa.Column('smtp_sender', sa.String(length=254), nullable=True),
    sa.Column('smtp_starttls', sa.Boolean(), server_default=sa.text('(true)'), nullable=False),
    sa.Column('smtp_implicit_tls', sa.Boolean(), server_default=sa.text('(false)'), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.text('(true)'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_users')),
    sa.UniqueConstraint('login', name=op.f('uq_staff_users_login')),
    sa.UniqueConstraint('telegram_user_id', name=op.f('uq_staff_users_telegram_user_id'))
    )
    op.create_table('ticket_types',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_types'))
    )
    op.create_table('customer_phones',
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_phones_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('customer_id', 'phone', name=op.f('pk_customer_phones'))
    )
    with op.batch_alter_table('customer_phones', schema=None) as batch_op:
        batch_op.create_index('ix_customer_phones_phone', ['phone'], unique=False)

    op.create_table('obras',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('empreendimento_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['empreendimento_id'], ['empreendimentos.id'], name=op.f('fk_obras_empreendimento_id_empreendimentos')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_obras'))
    )
    with op.batch_alter_table('obras', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_obras_empreendimento_id'), ['empreendimento_id'], unique=False)

    op.create_table('service_config',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('visibility', sa.String(length=20), server_default='web_subjects', nullable=False),
    sa.Column('mode', sa.String(length=30), server_default='register_and_follow', nullable=False),
    sa.Column('responsible_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('config_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('send_external_email', sa.Boolean(), server_default=sa.text('(false)'), nullable=False),
    sa.Column('staff_chat_id', sa.BigInteger(), nullable=True),
    sa.Column('staff_thread_id', sa.BigInteger(), nullable=True),
    sa.Column('demo_mode', sa.Boolean(), server_default=sa.text('(false)'), nullable=False),
    sa.CheckConstraint("mode IN ('register_and_follow', 'register_only')", name=op.f('ck_service_config_mode')),
    sa.CheckConstraint("visibility IN ('web_subjects', 'all')", name=op.f('ck_service_config_visibility')),
    sa.CheckConstraint('id = 1', name=op.f('ck_service_config_single_row')),
    sa.ForeignKeyConstraint(['config_user_id'], ['staff_users.id'], name=op.f('fk_service_config_config_user_id_staff_users')),
    sa.ForeignKeyConstraint(['responsible_id'], ['staff_users.id'], name=op.f('fk_service_config_responsible_id_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_config'))
    )
    op.create_table('subjects',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('enabled', sa.Boolean(), server_default=sa.text('(true)'), nullable=False),
    sa.Column('responsible_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('return_call', sa.Boolean(), server_default=sa.text('(false)'), nullable=False),
    sa.ForeignKeyConstraint(['responsible_id'], ['staff_users.id'], name=op.f('fk_subjects_responsible_id_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subjects'))
    )
    op.create_table('subject_empreendimentos',
    sa.Column('subject_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('empreendimento_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['empreendimento_id'], ['empreendimentos.id'], name=op.f('fk_subject_empreendimentos_empreendimento_id_empreendimentos')),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_subject_empreendimentos_subject_id_subjects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('subject_id', 'empreendimento_id', name=op.f('pk_subject_empreendimentos'))
    )
    op.create_table('subject_stages',
    sa.Column('subject_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('responsible_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('due_days', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['responsible_id'], ['staff_users.id'], name=op.f('fk_subject_stages_responsible_id_staff_users')),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_subject_stages_subject_id_subjects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('subject_id', 'position', name=op.f('pk_subject_stages'))
    )
    op.create_table('subject_types',
    sa.Column('subject_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('type_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_subject_types_subject_id_subjects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['type_id'], ['ticket_types.id'], name=op.f('fk_subject_types_type_id_ticket_types')),
    sa.PrimaryKeyConstraint('subject_id', 'type_id', name=op.f('pk_subject_types'))
    )
    op.create_table('units',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('empreendimento_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('obra_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['empreendimento_id'], ['empreendimentos.id'], name=op.f('fk_units_empreendimento_id_empreendimentos')),
    sa.ForeignKeyConstraint(['obra_id'], ['obras.id'], name=op.f('fk_units_obra_id_obras')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_units'))
    )
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_units_empreendimento_id'), ['empreendimento_id'], unique=False)

    op.create_table('customer_units',
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_units_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_customer_units_unit_id_units')),
    sa.PrimaryKeyConstraint('customer_id', 'unit_id', name=op.f('pk_customer_units'))
    )
    with op.batch_alter_table('customer_units', schema=None) as batch_op:
        batch_op.create_index('ix_customer_units_unit_id', ['unit_id'], unique=False)

    op.create_table('tickets',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('number', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('type_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('subject_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('empreendimento_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('obra_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='Aberto', nullable=False),
    sa.Column('origin', sa.String(length=20), server_default='bot', nullable=False),
    sa.Column('return_call', sa.Boolean(), server_default=sa.text('(false)'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.CheckConstraint("status IN ('Aberto', 'A Retornar', 'Encerrado', 'Cancelado')", name=op.f('ck_tickets_status')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_tickets_customer_id_customers')),
    sa.ForeignKeyConstraint(['empreendimento_id'], ['empreendimentos.id'], name=op.f('fk_tickets_empreendimento_id_empreendimentos')),
    sa.ForeignKeyConstraint(['obra_id'], ['obras.id'], name=op.f('fk_tickets_obra_id_obras')),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_tickets_subject_id_subjects')),
    sa.ForeignKeyConstraint(['type_id'], ['ticket_types.id'], name=op.f('fk_tickets_type_id_ticket_types')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_tickets_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets')),
    sa.UniqueConstraint('number', name=op.f('uq_tickets_number'))
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_customer_created', ['customer_id', 'created_at', 'id'], unique=False)

    op.create_table('unit_items',
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_items_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('unit_id', 'position', name=op.f('pk_unit_items'))
    )
    op.create_table('internal_messages',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('to_staff_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('params', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_internal_messages_ticket_id_tickets'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['to_staff_id'], ['staff_users.id'], name=op.f('fk_internal_messages_to_staff_id_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_internal_messages'))
    )
    with op.batch_alter_table('internal_messages', schema=None) as batch_op:
        batch_op.create_index('ix_internal_messages_to_staff_id', ['to_staff_id', 'created_at'], unique=False)

    op.create_table('stages',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('responsible_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('status', sa.String(length=20), server_default='Pendente', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('template_position', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('Pendente', 'Resolvida', 'Cancelada')", name=op.f('ck_stages_status')),
    sa.ForeignKeyConstraint(['responsible_id'], ['staff_users.id'], name=op.f('fk_stages_responsible_id_staff_users')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_stages_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stages')),
    sa.UniqueConstraint('ticket_id', 'position', name=op.f('uq_stages_ticket_id_position'))
    )
    op.create_table('notes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('stage_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('author', sa.String(length=200), nullable=False),
    sa.Column('author_staff_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['author_staff_id'], ['staff_users.id'], name=op.f('fk_notes_author_staff_id_staff_users')),
    sa.ForeignKeyConstraint(['stage_id'], ['stages.id'], name=op.f('fk_notes_stage_id_stages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notes'))
    )
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.create_index('ix_notes_stage_id', ['stage_id', 'id'], unique=False)

    op.create_table('pendencias',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('staff_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('stage_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], name=op.f('fk_pendencias_staff_id_staff_users')),
    sa.ForeignKeyConstraint(['stage_id'], ['stages.id'], name=op.f('fk_pendencias_stage_id_stages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_pendencias_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pendencias')),
    sa.UniqueConstraint('stage_id', name=op.f('uq_pendencias_stage_id'))
    )
    with op.batch_alter_table('pendencias', schema=None) as batch_op:
        batch_op.create_index('ix_pendencias_staff_id', ['staff_id'], unique=False)
        batch_op.create_index('ix_pendencias_ticket_id', ['ticket_id'], unique=False)
    op.execute("INSERT INTO service_config (id) VALUES (1)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE ticket_number_seq")
        for statement in POSTGRESQL_CAPTURE:
            op.execute(statement)
    else:
        for statement in SQLITE_CAPTURE:
            op.execute(statement)


POSTGRESQL_CAPTURE = [
    """
    CREATE FUNCTION capture_stage_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO change_log (entity, row_id, ticket_id, change, status)
            VALUES ('stage', NEW.id, NEW.ticket_id, 'insert', NEW.status);
        ELSIF NEW.status IS DISTINCT FROM OLD.status THEN
            INSERT INTO change_log (entity, row_id, ticket_id, change, status)
            VALUES ('stage', NEW.id, NEW.ticket_id, 'status', NEW.status);
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER stages_capture AFTER INSERT OR UPDATE OF status ON stages
    FOR EACH ROW EXECUTE FUNCTION capture_stage_change()
    """,
    """
    CREATE FUNCTION capture_note_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO change_log (entity, row_id, ticket_id, change)
        VALUES ('note', NEW.id, (SELECT ticket_id FROM stages WHERE id = NEW.stage_id), 'insert');
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER notes_capture AFTER INSERT ON notes FOR EACH ROW EXECUTE FUNCTION capture_note_insert()",
    """
    CREATE FUNCTION capture_ticket_status() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.status IS DISTINCT FROM OLD.status THEN
            INSERT INTO change_log (entity, row_id, ticket_id, change, status)
            VALUES ('ticket', NEW.id, NEW.id, 'status', NEW.status);
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER tickets_capture AFTER UPDATE OF status ON tickets
    FOR EACH ROW EXECUTE FUNCTION capture_ticket_status()
    """,
]

SQLITE_CAPTURE = [
    """
    CREATE TRIGGER stages_capture_insert AFTER INSERT ON stages BEGIN
        INSERT INTO change_log (entity, row_id, ticket_id, change, status)
        VALUES ('stage', NEW.id, NEW.ticket_id, 'insert', NEW.status);
    END
    """,
    """
    CREATE TRIGGER stages_capture_status AFTER UPDATE OF status ON stages
    WHEN NEW.status IS NOT OLD.status BEGIN
        INSERT INTO change_log (entity, row_id, ticket_id, change, status)
        VALUES ('stage', NEW.id, NEW.ticket_id, 'status', NEW.status);
    END
    """,
    """
    CREATE TRIGGER notes_capture_insert AFTER INSERT ON notes BEGIN
        INSERT INTO change_log (entity, row_id, ticket_id, change)
        VALUES ('note', NEW.id, (SELECT ticket_id FROM stages WHERE id = NEW.stage_id), 'insert');
    END
    """,
    """
    CREATE TRIGGER tickets_capture_status AFTER UPDATE OF status ON tickets
    WHEN NEW.status IS NOT OLD.status BEGIN
        INSERT INTO change_log (entity, row_id, ticket_id, change, status)
        VALUES ('ticket', NEW.id, NEW.id, 'status', NEW.status);
    END
    """,
]


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS stages_capture ON stages")
        op.execute("DROP TRIGGER IF EXISTS notes_capture ON notes")
        op.execute("DROP TRIGGER IF EXISTS tickets_capture ON tickets")
        op.execute("DROP FUNCTION IF EXISTS capture_stage_change, capture_note_insert, capture_ticket_status")
        op.execute("DROP SEQUENCE IF EXISTS ticket_number_seq")
    with op.batch_alter_table('pendencias', schema=None) as batch_op:
        batch_op.drop_index('ix_pendencias_ticket_id')
        batch_op.drop_index('ix_pendencias_staff_id')

    op.drop_table('pendencias')
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.drop_index('ix_notes_stage_id')

    op.drop_table('notes')
    op.drop_table('stages')
    with op.batch_alter_table('internal_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_internal_messages_to_staff_id')

    op.drop_table('internal_messages')
    op.drop_table('unit_items')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_customer_created')

    op.drop_table('tickets')
    with op.batch_alter_table('customer_units', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_units_unit_id')

    op.drop_table('customer_units')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_units_empreendimento_id'))

    op.drop_table('units')
    op.drop_table('subject_types')
    op.drop_table('subject_stages')
    op.drop_table('subject_empreendimentos')
    op.drop_table('subjects')
    op.drop_table('service_config')
    with op.batch_alter_table('obras', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_obras_empreendimento_id'))

    op.drop_table('obras')
    with op.batch_alter_table('customer_phones', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_phones_phone')

    op.drop_table('customer_phones')
    op.drop_table('ticket_types')
    op.drop_table('staff_users')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_due')

    op.drop_table('outbox')
    op.drop_table('empreendimentos')
    op.drop_table('customers')
    op.drop_table('counters')
    op.drop_table('change_log')
