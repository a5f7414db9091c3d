"""staff accounts, sessions and API tokens

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column[sa.DateTime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "staff_accounts",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(64), nullable=False),  # a role of the policy in force
        sa.Column("password_hash", sa.Text(), nullable=False),  # argon2id, with its parameters
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        # TOTP secrets sealed with mamori's sealing key, bound to the account id
        sa.Column("totp_secret", sa.LargeBinary(), nullable=True),  # confirmed
        sa.Column("totp_pending", sa.LargeBinary(), nullable=True),  # enrolled, not confirmed
        sa.Column("totp_last_step", sa.BigInteger(), nullable=True),  # no code used twice
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        _ts("locked_until", nullable=True),
        _ts("created_at"),
        sa.Column("created_by", sa.String(200), nullable=False),
        _ts("password_changed_at"),
        _ts("last_login_at", nullable=True),
        _ts("disabled_at", nullable=True),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column(
            "account_id",
            sa.String(40),
            sa.ForeignKey("staff_accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("token_hash", sa.LargeBinary(32), nullable=False, unique=True),  # SHA-256
        _ts("created_at"),
        _ts("seen_at"),
        _ts("idle_expires_at"),
        _ts("expires_at"),  # absolute
        sa.Column("ip", sa.String(64), nullable=True),
    )
    op.create_index("ix_staff_sessions_account", "staff_sessions", ["account_id"])
    op.create_index("ix_staff_sessions_expires", "staff_sessions", ["expires_at"])
    op.create_table(
        "staff_tokens",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("account_id", sa.String(40), sa.ForeignKey("staff_accounts.id"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("secret_mac", sa.LargeBinary(32), nullable=False, unique=True),  # HMAC
        _ts("created_at"),
        sa.Column("created_by", sa.String(200), nullable=False),
        _ts("expires_at"),
        _ts("revoked_at", nullable=True),
        sa.Column("revoked_by", sa.String(200), nullable=True),
        _ts("last_used_at", nullable=True),  # to the minute: see mamori.staff
    )
    op.create_index("ix_staff_tokens_account", "staff_tokens", ["account_id"])


def downgrade() -> None:
    op.drop_table("staff_tokens")
    op.drop_table("staff_sessions")
    op.drop_table("staff_accounts")
