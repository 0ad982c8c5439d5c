"""Short-lived, single-use tickets: how a browser authenticates a WebSocket without putting its session token in a URL.

Browsers cannot set headers on a WebSocket, and a URL lands in access logs. So the client asks ``POST /voice/ticket``
(with its usual identity) for a ticket, and opens ``/voice/ws?ticket=…`` within ``TICKET_TTL_S`` seconds; the ticket
works once. Kept in process memory: several web processes need sticky WebSocket routing or a shared store.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

from aya.core.context import RequestContext

TICKET_TTL_S = 60


@dataclass
class TicketBook:
    ttl_s: float = TICKET_TTL_S
    _tickets: dict[str, tuple[float, RequestContext]] = field(default_factory=dict)

    def issue(self, context: RequestContext) -> str:
        now = time.monotonic()
        for stale in [t for t, (expires, _) in self._tickets.items() if expires < now]:
            del self._tickets[stale]
        ticket = secrets.token_urlsafe(24)
        self._tickets[ticket] = (now + self.ttl_s, context)
        return ticket

    def redeem(self, ticket: str) -> RequestContext | None:
        """The identity the ticket was issued to, once; ``None`` when unknown, used or expired."""
        entry = self._tickets.pop(ticket, None)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]
