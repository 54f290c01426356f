"""
Delta Exchange adapter for Nautilus Trader, with a Rust core (``delta_exchange._native``).

Register the factories under ``"DELTA_EXCHANGE"``::

    node.add_data_client_factory("DELTA_EXCHANGE", DeltaExchangeLiveDataClientFactory)
    node.add_exec_client_factory("DELTA_EXCHANGE", DeltaExchangeLiveExecClientFactory)

``import delta_exchange`` also registers the Arrow decoders that let ``ParquetDataCatalog`` read Delta funding
rates and index prices (:mod:`delta_exchange.catalog`).

Strategies learn of Delta's market-maker protection freezing their quotes by subscribing to ``MMP_TOPIC``
(``DeltaMmpTriggered`` / ``DeltaMmpThawed``), and of the execution client's circuit breaker stopping and resuming
new orders by subscribing to ``CIRCUIT_TOPIC`` (``DeltaCircuitOpened`` / ``DeltaCircuitClosed``).

Operations: each client's ``stats()`` returns its health figures as a plain dict (also logged as one line every
``stats_log_interval_secs``), and ``rotate_credentials(node, api_key, api_secret)`` applies a new key pair to
every Delta client of a running node (``delta_clients(node)`` lists them).

Built against ``nautilus_trader==1.221.0`` exactly (the last release for CPython 3.11); importing this package
with any other Nautilus version raises ``ImportError``.
"""

from __future__ import annotations

import atexit
import warnings
from importlib.metadata import PackageNotFoundError, version

import nautilus_trader

_REQUIRED_NAUTILUS = "1.221.0"

if nautilus_trader.__version__ != _REQUIRED_NAUTILUS:
    raise ImportError(
        f"delta_exchange requires nautilus_trader=={_REQUIRED_NAUTILUS}, but {nautilus_trader.__version__} is "
        f"installed: run `pip install nautilus_trader=={_REQUIRED_NAUTILUS}`",
    )

from delta_exchange._native import decode_message, wait_idle  # noqa: E402 (after the version check)
from delta_exchange.catalog import register_catalog_types, write_instruments  # noqa: E402
from delta_exchange.config import (  # noqa: E402
    DeltaExchangeDataClientConfig,
    DeltaExchangeExecClientConfig,
    DeltaInstrumentRiskLimits,
)
from delta_exchange.constants import DELTA_EXCHANGE_VENUE  # noqa: E402
from delta_exchange.data import DeltaExchangeDataClient  # noqa: E402
from delta_exchange.events import (  # noqa: E402
    CIRCUIT_TOPIC,
    MMP_TOPIC,
    DeltaCircuitClosed,
    DeltaCircuitOpened,
    DeltaMmpThawed,
    DeltaMmpTriggered,
)
from delta_exchange.execution import DeltaExchangeExecutionClient  # noqa: E402
from delta_exchange.factories import (  # noqa: E402
    DeltaExchangeLiveDataClientFactory,
    DeltaExchangeLiveExecClientFactory,
)
from delta_exchange.health import summary_line  # noqa: E402
from delta_exchange.operations import delta_clients, rotate_credentials  # noqa: E402
from delta_exchange.providers import DeltaExchangeInstrumentProvider  # noqa: E402

# Make ParquetDataCatalog read funding rates and index prices (delta_exchange.catalog).
register_catalog_types()

# Let native calls still running (a request in its retry backoff after `asyncio.run` ended) finish before the
# interpreter finalizes: handing their result over during finalization would abort the process.
atexit.register(wait_idle)

# `python -m delta_exchange.catalog` runs a module this package has already imported, and runpy warns about that
# on stderr. The command line runs the imported module's `main`, so the warning does not apply.
warnings.filterwarnings(
    "ignore",
    message=r"'delta_exchange\.catalog' found in sys\.modules after import of package 'delta_exchange'",
    category=RuntimeWarning,
)

try:
    __version__ = version("delta-exchange-nautilus")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "CIRCUIT_TOPIC",
    "DELTA_EXCHANGE_VENUE",
    "MMP_TOPIC",
    "DeltaCircuitClosed",
    "DeltaCircuitOpened",
    "DeltaExchangeDataClient",
    "DeltaExchangeDataClientConfig",
    "DeltaExchangeExecClientConfig",
    "DeltaExchangeExecutionClient",
    "DeltaExchangeInstrumentProvider",
    "DeltaExchangeLiveDataClientFactory",
    "DeltaExchangeLiveExecClientFactory",
    "DeltaInstrumentRiskLimits",
    "DeltaMmpThawed",
    "DeltaMmpTriggered",
    "__version__",
    "decode_message",
    "delta_clients",
    "register_catalog_types",
    "rotate_credentials",
    "summary_line",
    "write_instruments",
]
