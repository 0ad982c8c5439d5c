"""WebSocket tickets every worker can redeem: signed (the identity and the time travel in the ticket, so any worker
can read it) and single-use across workers (claimed once in the shared counter store).

Same interface as :class:`aya.web.tickets.TicketBook` (``issue`` / ``redeem``); used whenever the coordination backend
is shared (PostgreSQL), where a ticket issued by one worker is usually redeemed by another (no sticky sessions).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import asdict

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from aya.chat.coordination import CounterStore
from aya.core.context import RequestContext
from aya.web.tickets import TICKET_TTL_S

_SALT = "aya.ws-ticket.v1"


class SharedTicketBook:
    def __init__(self, counters: CounterStore, secret: bytes, *, ttl_s: float = TICKET_TTL_S) -> None:
        self.counters = counters
        self.ttl_s = ttl_s
        self._serializer = URLSafeTimedSerializer(secret, salt=_SALT)

    def issue(self, context: RequestContext) -> str:
        # a nonce: two tickets for one identity in the same second must differ, or using one would use both
        return self._serializer.dumps({"ctx": asdict(context), "n": secrets.token_urlsafe(12)})

    async def redeem(self, ticket: str) -> RequestContext | None:
        """The identity the ticket was issued to, once in the whole cluster; ``None`` when forged, used or expired."""
        try:
            data = self._serializer.loads(ticket, max_age=int(self.ttl_s))
            context = RequestContext(**data["ctx"])
        except (BadSignature, SignatureExpired, TypeError, KeyError):
            return None
        digest = hashlib.sha256(ticket.encode()).hexdigest()[:40]
        if not await self.counters.claim(f"ws-ticket:{digest}", int(self.ttl_s) + 5):
            return None
        return context


def ticket_secret(secret_key: str | None, attachment_key: bytes) -> bytes:
    """The signing key of tickets: from ``AYA_SECRET_KEY``, else from the data dir's random key (shared by the
    workers of one machine)."""
    base = secret_key.encode() if secret_key else attachment_key
    return hashlib.sha256(b"aya.ws-tickets\0" + base).digest()
