"""profiles, yearly confirmation, audit log

Revision ID: d9f6e9457bbb
Revises: 69902042f03c (join requests)
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = 'd9f6e9457bbb'
down_revision = '69902042f03c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('kind', sa.Enum('login', 'login_failed', 'password_changed', 'password_reset', 'role_changed', 'status_changed', 'erased', 'invited', 'join_approved', 'join_refused', 'community_edited', name='auditkind', native_enum=False, length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=400), nullable=False),
    sa.Column('detail', sa.String(length=1000), nullable=False),
    sa.Column('address', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_at'), ['at'], unique=False)

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('years_of_practice', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('expertise', sa.String(length=500), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('practice_confirmed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('practice_reminded_at', sa.DateTime(), nullable=True))



def downgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('practice_reminded_at')
        batch_op.drop_column('practice_confirmed_at')
        batch_op.drop_column('expertise')
        batch_op.drop_column('years_of_practice')

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_at'))

    op.drop_table('audit_events')
