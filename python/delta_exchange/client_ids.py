"""
Nautilus ``ClientOrderId`` <-> Delta ``client_order_id`` (at most 32 characters, REFERENCE 7.3).

Delta's charset is not documented; ``[A-Za-z0-9_-]`` is the safe set (REFERENCE 7.3, inferred). An id that fits
(32 characters or fewer, safe characters only) is sent unchanged. Any other id maps deterministically to
``"h-"`` followed by the first 30 hex digits of the SHA-256 of the id (32 characters, 120 bits), so the same
Nautilus id always yields the same Delta id, also after a restart. :class:`ClientOrderIdMap` keeps both
directions so socket events, which carry only Delta's id, find their order; it is rebuilt from the cache's
orders on start.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Final

from nautilus_trader.model.identifiers import ClientOrderId

MAX_LENGTH: Final[int] = 32
"""Delta's limit on ``client_order_id`` (characters)."""

HASHED_PREFIX: Final[str] = "h-"
"""Prefix of a mapped (hashed) id."""

_SAFE: Final[re.Pattern[str]] = re.compile(r"[A-Za-z0-9_-]{1,32}")


def to_delta_client_order_id(client_order_id: str) -> str:
    """
    Return the Delta ``client_order_id`` for a Nautilus client order id value.

    Parameters
    ----------
    client_order_id : str
        The Nautilus id (``ClientOrderId.value``).

    Returns
    -------
    str
        The id itself when it fits Delta's limit and charset, else ``"h-"`` + 30 hex digits of its SHA-256.

    """
    if _SAFE.fullmatch(client_order_id) and not client_order_id.startswith(HASHED_PREFIX):
        return client_order_id
    digest = hashlib.sha256(client_order_id.encode()).hexdigest()
    return HASHED_PREFIX + digest[: MAX_LENGTH - len(HASHED_PREFIX)]


class ClientOrderIdMap:
    """
    Both directions of the id mapping for every order this client has seen.

    Ids that pass through unchanged resolve without an entry (a Delta id that is not hashed is the Nautilus id);
    hashed ids resolve through the map, which :meth:`add` and :meth:`rebuild` fill.
    """

    def __init__(self) -> None:
        self._to_nautilus: dict[str, ClientOrderId] = {}

    def __len__(self) -> int:
        return len(self._to_nautilus)

    def add(self, client_order_id: ClientOrderId) -> str:
        """Register ``client_order_id`` and return its Delta id."""
        delta_id = to_delta_client_order_id(client_order_id.value)
        if delta_id != client_order_id.value:
            self._to_nautilus[delta_id] = client_order_id
        return delta_id

    def rebuild(self, client_order_ids: Iterable[ClientOrderId]) -> None:
        """Register every id of ``client_order_ids`` (the cache's orders on start)."""
        for client_order_id in client_order_ids:
            self.add(client_order_id)

    def to_nautilus(self, delta_id: str | None) -> ClientOrderId | None:
        """
        Return the Nautilus id of a Delta ``client_order_id``.

        Returns
        -------
        ClientOrderId or None
            None when ``delta_id`` is empty, or hashed but never registered (an order of another session
            whose Nautilus id is unknown).

        """
        if not delta_id:
            return None
        known = self._to_nautilus.get(delta_id)
        if known is not None:
            return known
        if delta_id.startswith(HASHED_PREFIX):
            return None
        return ClientOrderId(delta_id)
