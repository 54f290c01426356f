"""
Operations on a running node's Delta clients: find them, read their health, rotate their API key pair.

Rotation: REST requests are signed with the new pair from the next one on; the execution client's private socket
sends ``key-auth`` with it on its live connection, keeping its subscriptions; the public market data socket needs
no key and is not touched, so market data keeps flowing.
"""

from __future__ import annotations

from typing import Any

from delta_exchange.data import DeltaExchangeDataClient
from delta_exchange.execution import DeltaExchangeExecutionClient


def delta_clients(node: Any) -> list[DeltaExchangeDataClient | DeltaExchangeExecutionClient]:
    """
    Return the Delta data and execution clients of a built node (data clients first).

    Each has ``stats()`` (its health figures as a plain dict) and ``rotate_credentials(api_key, api_secret)``.

    Parameters
    ----------
    node : TradingNode
        The node, built with the ``DELTA_EXCHANGE`` factories registered.

    Returns
    -------
    list[DeltaExchangeDataClient | DeltaExchangeExecutionClient]

    """
    # The engines keep their clients in `_clients`, a read-only attribute Nautilus 1.221 exposes to Python.
    kernel = node.kernel
    return [
        *(c for c in kernel.data_engine._clients.values() if isinstance(c, DeltaExchangeDataClient)),
        *(c for c in kernel.exec_engine._clients.values() if isinstance(c, DeltaExchangeExecutionClient)),
    ]


def rotate_credentials(node: Any, api_key: str, api_secret: str) -> list[str]:
    """
    Apply a new API key pair to every Delta data and execution client of a running node.

    Call it on the node's event loop (from a strategy or actor, or with ``loop.call_soon_threadsafe``). The new
    pair is checked once before any client changes, so an invalid pair changes nothing.

    Parameters
    ----------
    node : TradingNode
        The node (built; its clients registered).
    api_key : str
        The new API key.
    api_secret : str
        The new API secret (never logged).

    Returns
    -------
    list[str]
        The ids of the clients rotated (data clients first).

    Raises
    ------
    ValueError
        If the key or the secret is empty or the key cannot be an HTTP header value; or if the node has no Delta
        client (build the node and register the ``DELTA_EXCHANGE`` factories first).

    """
    if not api_key or not api_key.strip() or not api_secret or not api_secret.strip():
        raise ValueError("rotate_credentials needs a non-empty api_key and api_secret: nothing was changed")
    clients = delta_clients(node)
    if not clients:
        raise ValueError(
            "the node has no Delta Exchange client: build it with the DELTA_EXCHANGE data or exec client "
            "factory registered before rotating credentials",
        )
    for client in clients:
        client.rotate_credentials(api_key, api_secret)
    return [client.id.value for client in clients]
