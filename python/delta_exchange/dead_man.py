"""
Delta's dead-man switch (REFERENCE 7.7): open orders are cancelled when the client stops renewing it.

India (and its testnet; ``local`` too, delta-sim serves both forms) uses a named heartbeat: ``create_heartbeat``
once (action ``cancel_orders`` after one missed beat, all four derivative contract types), then
``ack_heartbeat`` with the time to live. Global uses ``cancel_after`` with the time to live. Renewing every third
of the time to live (at most every 30 s, Delta's recommendation, and at least every 0.5 s) keeps it alive
through one lost renewal. A time to live of 0 disables it.
"""

from __future__ import annotations

from typing import Any, Final, Protocol

from delta_exchange.constants import DeltaEnvironment

_INDIA_FORM: Final = (DeltaEnvironment.INDIA, DeltaEnvironment.INDIA_TESTNET, DeltaEnvironment.LOCAL)
_CONTRACT_TYPES: Final = ["perpetual_futures", "futures", "call_options", "put_options"]


class _HeartbeatApi(Protocol):
    async def create_heartbeat(self, request: dict[str, Any]) -> dict[str, Any]: ...
    async def ack_heartbeat(self, request: dict[str, Any]) -> dict[str, Any]: ...
    async def cancel_after(self, request: dict[str, Any]) -> dict[str, Any]: ...


class DeadManSwitch:
    """
    One account's dead-man switch.

    Parameters
    ----------
    http : _native.HttpClient
        The signed REST client (anything with ``create_heartbeat``, ``ack_heartbeat`` and ``cancel_after``).
    environment : DeltaEnvironment
        Chooses the India (heartbeat) or Global (``cancel_after``) form.
    ttl_ms : int
        Time to live of each renewal, milliseconds.
    heartbeat_id : str
        The India heartbeat's name.

    """

    def __init__(self, http: _HeartbeatApi, environment: DeltaEnvironment, ttl_ms: int, heartbeat_id: str) -> None:
        self._http = http
        self._india = environment in _INDIA_FORM
        self._ttl_ms = ttl_ms
        self._heartbeat_id = heartbeat_id

    @property
    def uses_heartbeat(self) -> bool:
        """Whether the India heartbeat form is used (else ``cancel_after``)."""
        return self._india

    @property
    def period_secs(self) -> float:
        """Seconds between renewals: a third of the time to live, within [0.5, 30]."""
        return max(min(self._ttl_ms / 3000, 30.0), 0.5)

    async def arm(self) -> None:
        """Create the heartbeat (India form; nothing to create for ``cancel_after``)."""
        if self._india:
            await self._http.create_heartbeat(
                {
                    "heartbeat_id": self._heartbeat_id,
                    "impact": "contracts",
                    "contract_types": list(_CONTRACT_TYPES),
                    "config": [{"action": "cancel_orders", "unhealthy_count": 1}],
                },
            )

    async def renew(self) -> None:
        """Push the deadline ``ttl_ms`` into the future."""
        await self._send(self._ttl_ms)

    async def disable(self) -> None:
        """Turn the switch off (time to live 0), e.g. on a clean disconnect."""
        await self._send(0)

    async def _send(self, ttl_ms: int) -> None:
        if self._india:
            await self._http.ack_heartbeat({"heartbeat_id": self._heartbeat_id, "ttl": ttl_ms})
        else:
            await self._http.cancel_after({"cancel_after": str(ttl_ms)})
