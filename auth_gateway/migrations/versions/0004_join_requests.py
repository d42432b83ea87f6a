"""join requests

Revision ID: 69902042f03c
Revises: 036d40086537 (outbound mails and member tokens)
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = '69902042f03c'
down_revision = '036d40086537'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('join_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('email_key', sa.String(length=320), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('structure', sa.String(length=200), nullable=False),
    sa.Column('region', sa.String(length=200), nullable=False),
    sa.Column('job_title', sa.String(length=200), nullable=False),
    sa.Column('domain_matches', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('unconfirmed', 'pending', 'approved', 'refused', name='joinstatus', native_enum=False, length=20), nullable=False),
    sa.Column('confirm_hash', sa.String(length=64), nullable=True),
    sa.Column('confirm_expires_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('confirm_hash')
    )
    with op.batch_alter_table('join_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_join_requests_email_key'), ['email_key'], unique=False)
        batch_op.create_index('ix_join_requests_status_region', ['status', 'region'], unique=False)



def downgrade():
    with op.batch_alter_table('join_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_join_requests_status_region')
        batch_op.drop_index(batch_op.f('ix_join_requests_email_key'))

    op.drop_table('join_requests')
