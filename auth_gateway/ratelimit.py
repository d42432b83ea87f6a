"""Rate limits on logins (and other forms that can be abused: password reset), kept in
the database so every worker process shares them.

Three counters of failures within a sliding window: per client address, per account,
and per (account, address). An address past its limit waits; an account past its limit
only refuses the addresses that already failed on it, so an attacker cannot lock its
owner out (she logs in from her own address), and failures older than the window stop
counting: nobody is locked out for good.

An attempt is counted *before* the password is checked (a reservation, in one write
transaction), so concurrent attempts cannot exceed a limit; a success withdraws it.
"""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select

from auth_gateway.models import LoginFailure, utcnow


@dataclass(frozen=True)
class Limits:
    """How many attempts each counter allows within ``window_seconds``.

    ``owner_passes``: past its limit, an account still lets addresses that never failed
    on it try (logins: an attacker cannot lock the owner out). Off for forms that send
    e-mails (reset, join): there the account's limit holds for every address.
    """

    per_account: int
    per_address: int
    window_seconds: int
    owner_passes: bool = True


@dataclass(frozen=True)
class Attempt:
    """The counters one attempt touches; ``scope`` separates logins from other limited forms."""

    account: str
    address: str
    scope: str = "login"

    @property
    def keys(self):
        return (f"{self.scope}:account:{self.account}", f"{self.scope}:address:{self.address}",
                f"{self.scope}:pair:{self.account}|{self.address}")


def _counts(session, attempt, since):
    rows = session.execute(
        select(LoginFailure.key, func.count()).where(LoginFailure.key.in_(attempt.keys), LoginFailure.at >= since)
        .group_by(LoginFailure.key)
    )
    counts = dict(rows.all())
    return [counts.get(key, 0) for key in attempt.keys]


def reserve(session, attempt, limits):
    """Count ``attempt`` as a failure unless a limit refuses it; return the reserved row ids or None.

    Call inside a write transaction (BEGIN IMMEDIATE on SQLite).
    """
    now = utcnow()
    since = now - timedelta(seconds=limits.window_seconds)
    session.execute(delete(LoginFailure).where(LoginFailure.at < since))
    account, address, pair = _counts(session, attempt, since)
    account_full = account >= limits.per_account and (pair or not limits.owner_passes)
    if address >= limits.per_address or pair >= limits.per_account or account_full:
        return None
    rows = [LoginFailure(key=key, at=now) for key in attempt.keys]
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows]


def succeed(session, attempt, reserved):
    """Withdraw a reservation after a successful login and forget this pair's failures."""
    session.execute(delete(LoginFailure).where(LoginFailure.id.in_(reserved)))
    session.execute(delete(LoginFailure).where(LoginFailure.key == attempt.keys[2]))
