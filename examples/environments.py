#!/usr/bin/env python3
"""
Configure the Delta Exchange data and execution clients for every environment, and prove ``local`` works.

Delta runs four deployments, and this repository adds a fifth: ``india`` (the default), ``global``,
``india-testnet``, ``global-testnet`` and ``local`` (a delta-sim). For each one the script builds a
``DeltaExchangeDataClientConfig`` and a ``DeltaExchangeExecClientConfig`` the way a ``TradingNodeConfig`` would
hold them, validates both, and prints the REST, public socket and private socket URLs they resolve to
(``config.resolved_urls()``) and where the execution client's credentials come from:

- production (``india``, ``global``): ``DELTA_API_KEY`` / ``DELTA_API_SECRET``;
- testnets (``india-testnet``, ``global-testnet``): ``DELTA_TESTNET_API_KEY`` / ``DELTA_TESTNET_API_SECRET``;
- any environment: ``api_key=`` / ``api_secret=`` in the config, which win over the variables (``local`` reads
  no variable at all, so production keys never reach a simulator).

Public market data needs no credentials; the execution client does, and a missing credential is a configuration
error at validation, not a 401 later: the script prints that error's message instead of failing. Production and
testnet configs are only built and validated here: nothing connects to Delta. For ``local`` the script starts
delta-sim on a free loopback port, points both configs at it and proves they work: it loads the instruments
through ``DeltaExchangeInstrumentProvider`` (what the node's clients do on start) and reads the wallet with a
request signed by the execution config's credentials::

    .venv/bin/python examples/environments.py
    DELTA_TESTNET_API_KEY=... DELTA_TESTNET_API_SECRET=... .venv/bin/python examples/environments.py

It prints one block per environment, for example::

    environment=india rest=https://api.india.delta.exchange ws_public=wss://... ws_private=wss://...
      data client: valid, public data needs no credentials
      exec client: credentials from DELTA_API_KEY / DELTA_API_SECRET (key ...cdef): valid

then ``local: instruments=N first=BTCUSD.DELTA_EXCHANGE wallet_usd=...`` and ``environments: ok``. The secret
is never printed: configs redact it in ``repr``/``str``, and the script shows at most the key's last four
characters.

Delta's Global documentation prints the India public socket hosts, so ``global`` and ``global-testnet`` resolve
to those until Delta documents Global ones; set ``base_url_ws_public`` if it does.

For real Delta, put the chosen config under ``data_clients`` / ``exec_clients`` of a ``TradingNodeConfig`` (see
``examples/node_trade_sim.py``) and export the variables of that environment; ``base_url_*`` overrides are only
needed for ``local`` or to reach a proxy.

Exit status: 0 when every config validated as expected and the local configs worked against delta-sim; 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from decimal import Decimal

from nautilus_trader.config import InstrumentProviderConfig

from delta_exchange import (
    DeltaExchangeDataClientConfig,
    DeltaExchangeExecClientConfig,
    DeltaExchangeInstrumentProvider,
)
from delta_exchange._native import HttpClient
from delta_exchange.sim import DeltaSim

REMOTE_ENVIRONMENTS = ("india", "global", "india-testnet", "global-testnet")
"""The real deployments: configs are built and validated, never connected."""

CREDENTIAL_VARIABLES = {
    "india": ("DELTA_API_KEY", "DELTA_API_SECRET"),
    "global": ("DELTA_API_KEY", "DELTA_API_SECRET"),
    "india-testnet": ("DELTA_TESTNET_API_KEY", "DELTA_TESTNET_API_SECRET"),
    "global-testnet": ("DELTA_TESTNET_API_KEY", "DELTA_TESTNET_API_SECRET"),
}
"""Where each environment's execution config looks for credentials when the config holds none."""

# Settings shared by every environment: which products to load and the execution client's risk limits.
DATA_SETTINGS = {
    "instrument_provider": InstrumentProviderConfig(load_all=True),
    "contract_types": ("perpetual_futures", "futures"),
}
RISK_LIMITS = {
    "max_order_size": 10,
    "max_position": 50,
    "price_band_pct": Decimal(5),
    "max_orders_per_second": 20,
}


def build_configs(
    environment: str,
    *,
    api_key: str | None = None,
    api_secret: str | None = None,
    urls: dict[str, str] | None = None,
) -> tuple[DeltaExchangeDataClientConfig, DeltaExchangeExecClientConfig]:
    """
    Build the data and execution client configs of one environment.

    Parameters
    ----------
    environment : str
        ``"india"``, ``"global"``, ``"india-testnet"``, ``"global-testnet"`` or ``"local"``.
    api_key, api_secret : str, optional
        Explicit credentials; None leaves them to the environment's variables.
    urls : dict[str, str], optional
        ``base_url_http``, ``base_url_ws_public`` and ``base_url_ws_private`` overrides (required for ``local``).

    Returns
    -------
    tuple[DeltaExchangeDataClientConfig, DeltaExchangeExecClientConfig]

    """
    overrides = urls or {}
    data_config = DeltaExchangeDataClientConfig(environment=environment, **overrides, **DATA_SETTINGS)
    exec_config = DeltaExchangeExecClientConfig(
        environment=environment,
        api_key=api_key,
        api_secret=api_secret,
        **overrides,
        **DATA_SETTINGS,
        **RISK_LIMITS,
    )
    return data_config, exec_config


def describe_urls(environment: str, config: DeltaExchangeDataClientConfig | DeltaExchangeExecClientConfig) -> str:
    """Return the ``environment=... rest=... ws_public=... ws_private=...`` line of a config."""
    urls = config.resolved_urls()
    return (
        f"environment={environment} rest={urls['http']} ws_public={urls['ws_public']} ws_private={urls['ws_private']}"
    )


def key_hint(key: str) -> str:
    """Return only the key's last four characters: enough to tell keys apart in a log, useless to anyone else."""
    return f"...{key[-4:]}" if len(key) > 8 else "..."


def credential_source(environment: str, config: DeltaExchangeExecClientConfig) -> str:
    """Say where the execution config's credentials come from (never what the secret is)."""
    if config.api_key and config.api_secret:
        return "api_key / api_secret in the config"
    variables = CREDENTIAL_VARIABLES.get(environment)
    if variables is not None and all(os.environ.get(name) for name in variables):
        return f"{variables[0]} / {variables[1]}"
    return "none configured"


def check_remote(environment: str) -> bool:
    """Build, validate and print the configs of a real deployment; return whether they behaved as documented."""
    data_config, exec_config = build_configs(environment)
    print(describe_urls(environment, data_config))
    data_config.validate()
    print("  data client: valid, public data needs no credentials")
    source = credential_source(environment, exec_config)
    try:
        exec_config.validate()
    except ValueError as e:
        # The message names the settings and variables to set; it never contains a secret.
        print(f"  exec client: not usable yet: {e}")
        return source == "none configured"
    credentials = exec_config.resolved_credentials(required=True)
    assert credentials is not None
    print(f"  exec client: credentials from {source} (key {key_hint(credentials[0])}): valid")
    return True


async def prove_local(sim: DeltaSim) -> bool:
    """Point both configs at ``sim``, load instruments through the provider and read the wallet; print both."""
    urls = {
        "base_url_http": sim.rest_url,
        "base_url_ws_public": sim.public_ws_url,
        "base_url_ws_private": sim.ws_url,
    }
    # delta-sim's account: explicit credentials (local never reads DELTA_API_KEY, so a production key cannot leak).
    data_config, exec_config = build_configs("local", api_key=sim.api_key, api_secret=sim.api_secret, urls=urls)
    print(describe_urls("local", data_config))
    data_config.validate()
    exec_config.validate()
    print(f"  data client: valid; exec client: credentials from {credential_source('local', exec_config)}: valid")
    # Nautilus logs configs with repr/str: the secret shows as <redacted> there.
    hidden = sim.api_secret not in repr(exec_config) and sim.api_secret not in str(exec_config)
    print(f"  secret hidden from repr/str: {'yes' if hidden else 'NO'}")

    # What the data client does on start: load the configured instruments over REST (no credentials needed).
    provider = DeltaExchangeInstrumentProvider(
        HttpClient(data_config.resolved_urls()["http"]),
        data_config.instrument_provider,
        contract_types=data_config.contract_types,
    )
    await provider.initialize()
    instruments = sorted(provider.list_all(), key=lambda instrument: instrument.id.value)

    # What the execution client does on start: signed requests with the resolved credentials.
    credentials = exec_config.resolved_credentials(required=True)
    assert credentials is not None
    signed = HttpClient(exec_config.resolved_urls()["http"], api_key=credentials[0], api_secret=credentials[1])
    wallet = await signed.wallet_balances()
    usd = next((item["balance"] for item in wallet["balances"] if item["asset_symbol"] == "USD"), None)
    first = instruments[0].id if instruments else None
    print(f"local: instruments={len(instruments)} first={first} wallet_usd={usd}")
    return hidden and bool(instruments) and usd is not None


def main(argv: list[str] | None = None) -> int:
    """Print every environment's configuration, then prove the local one against delta-sim."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)

    ok = True
    for environment in REMOTE_ENVIRONMENTS:
        ok = check_remote(environment) and ok
    with DeltaSim(rate=50) as sim:
        ok = asyncio.run(prove_local(sim)) and ok
    print(f"environments: {'ok' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
