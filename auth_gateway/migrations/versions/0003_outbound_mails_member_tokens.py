"""outbound mails and member tokens

Revision ID: 036d40086537
Revises: e58e2524f678 (discussions and page redirects)
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = '036d40086537'
down_revision = 'e58e2524f678'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('member_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('reset_password', 'invitation', name='tokenpurpose', native_enum=False, length=20), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('member_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_tokens_member_id'), ['member_id'], unique=False)

    op.create_table('outbound_mails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('html', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sent', 'failed', name='mailstatus', native_enum=False, length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('outbound_mails', schema=None) as batch_op:
        batch_op.create_index('ix_outbound_mails_due', ['status', 'next_attempt_at'], unique=False)



def downgrade():
    with op.batch_alter_table('outbound_mails', schema=None) as batch_op:
        batch_op.drop_index('ix_outbound_mails_due')

    op.drop_table('outbound_mails')
    with op.batch_alter_table('member_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_tokens_member_id'))

    op.drop_table('member_tokens')
