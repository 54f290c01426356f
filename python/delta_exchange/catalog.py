"""
Delta Exchange data in a Nautilus ``ParquetDataCatalog``: funding rates, index prices and instruments.

``delta-recorder`` writes ``<root>/data/<type>/<instrument_id>/<start>_<end>.parquet`` files that
``ParquetDataCatalog(root)`` reads (DESIGN section 4). Quotes, trades, book deltas, bars and mark prices use
Nautilus's built-in schemas (``tests/golden/catalog_schemas.json``). Nautilus 1.221.0 cannot read the other two
types the recorder writes: it has no Arrow schema for ``FundingRateUpdate``, and every read path of
``IndexPriceUpdate`` raises ``NotImplementedError``. :func:`register_catalog_types` registers decoders for both
with ``nautilus_trader.serialization.arrow.serializer.register_arrow``; ``import delta_exchange`` calls it, so after
that ``catalog.query(FundingRateUpdate, ...)`` and ``catalog.query(IndexPriceUpdate, ...)`` return Nautilus
objects. (1.221.0 has no ``catalog.funding_rates()`` or ``catalog.index_prices()``; use ``query``.)

Funding rates, ``data/funding_rate_update/<instrument_id>/<start>_<end>.parquet`` (delta_exchange's schema):

=================== ========== ======== ==========================================================================
column (in order)   Arrow type nullable meaning
=================== ========== ======== ==========================================================================
``instrument_id``   string     no       e.g. ``BTCUSD.DELTA_EXCHANGE``
``rate``            string     no       the rate as a FRACTION per funding interval, as plain decimal text:
                                        ``"0.0001"`` is 0.01 % (Delta sends percent: divide by 100).
                                        Written as ``format(Decimal, "f")`` (no exponent); read with
                                        ``Decimal(text)``, so the digits round-trip exactly
``next_funding_ns`` uint64     yes      UNIX ns of the next funding payment; null when unknown
``ts_event``        uint64     no       UNIX ns of the update at the venue
``ts_init``         uint64     no       UNIX ns when received; non-decreasing within a file, never 0
=================== ========== ======== ==========================================================================

Schema metadata: ``{"instrument_id": "<id>"}``. The decoder takes each row's instrument from the column, so a
query over several instruments is correct.

Index prices, ``data/index_price_update/<instrument_id>/<start>_<end>.parquet`` (Nautilus's built-in schema
followed by two per-row columns of delta_exchange's):

=================== ===================== ======== ===============================================================
column (in order)   Arrow type            nullable meaning
=================== ===================== ======== ===============================================================
``value``           fixed_size_binary[16] no       the price * 10^16 as a little-endian signed 128-bit integer
``ts_event``        uint64                no       UNIX ns of the update at the venue
``ts_init``         uint64                no       UNIX ns when received; non-decreasing within a file, never 0
``instrument_id``   string                no       the row's instrument (same as the metadata's)
``price_precision`` uint8                 no       the row's price precision (same as the metadata's)
=================== ===================== ======== ===============================================================

Schema metadata: ``{"instrument_id": "<id>", "price_precision": "<digits>"}``, as Nautilus writes it. The first
three columns and the metadata are exactly what Nautilus's own ``write_data`` writes. The two trailing columns
exist because the catalog reads every index price file of a query into one pyarrow dataset, and that dataset
keeps only the first file's schema metadata. With metadata alone, a query over several instruments (for example
``BacktestDataConfig(instrument_ids=[...])``) would label every row with the first file's instrument and precision.
Nautilus's Rust readers take columns by position and ignore trailing ones (checked with mark price files), so the
extra columns do not get in the way of a future Nautilus that reads index prices itself.

The decoder also reads files with only the three built-in columns (as ``write_data`` makes them). It then takes
the instrument and precision from the metadata, which is correct only when a query reads the files of a single
instrument and a single price precision (``identifiers=[one_id]``). Over several instruments, rows whose value has
more decimals than the first file's precision raise ``ValueError``; the others are labelled with the first file's
instrument without any error.

For both types, Nautilus's catalog rules apply (research section 6): one instrument and one price precision per
file; ``<start>``/``<end>`` are the first and last ``ts_init`` formatted like Nautilus; files in one directory
have disjoint intervals; write to a temporary name that does not end in ``.parquet`` and rename. Both decoders
check the columns and raise ``ValueError`` naming what is wrong (they run in Python, so a bad file raises instead
of aborting the process); they return objects sorted by ``ts_init`` (stable), as the Rust backend does.

Instruments: :func:`write_instruments` writes Nautilus instruments with ``ParquetDataCatalog.write_data``, and::

    python -m delta_exchange.catalog instruments --out DIR (--environment NAME | --base-url-http URL)
        [--symbols BTCUSD,ETHUSD] [--contract-types perpetual_futures,futures]

loads them from Delta (or a delta-sim) with :class:`~delta_exchange.providers.DeltaExchangeInstrumentProvider`
and writes them, printing ``instruments written=N out=DIR``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Final

import pyarrow as pa
from nautilus_trader.model.data import FundingRateUpdate, IndexPriceUpdate
from nautilus_trader.model.identifiers import InstrumentId, Symbol
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.model.objects import FIXED_PRECISION, FIXED_PRECISION_BYTES, Price
from nautilus_trader.persistence.catalog.parquet import ParquetDataCatalog
from nautilus_trader.persistence.funcs import class_to_filename, urisafe_identifier
from nautilus_trader.serialization.arrow.schema import NAUTILUS_ARROW_SCHEMA
from nautilus_trader.serialization.arrow.serializer import register_arrow

from delta_exchange import _native
from delta_exchange.constants import DELTA_EXCHANGE_VENUE, DeltaEnvironment
from delta_exchange.providers import DeltaExchangeInstrumentProvider, ProductFilters

KEY_INSTRUMENT_ID: Final[str] = "instrument_id"
"""Schema metadata key of the file's instrument id (Nautilus's ``KEY_INSTRUMENT_ID``)."""

KEY_PRICE_PRECISION: Final[str] = "price_precision"
"""Schema metadata key of the file's price precision, decimal digits as text (Nautilus's ``KEY_PRICE_PRECISION``)."""

FUNDING_RATE_SCHEMA: Final[pa.Schema] = pa.schema(
    [
        pa.field("instrument_id", pa.string(), nullable=False),
        pa.field("rate", pa.string(), nullable=False),
        pa.field("next_funding_ns", pa.uint64(), nullable=True),
        pa.field("ts_event", pa.uint64(), nullable=False),
        pa.field("ts_init", pa.uint64(), nullable=False),
    ],
)
"""Columns of a ``funding_rate_update`` file; each file adds the metadata ``{"instrument_id": "<id>"}``."""

INDEX_PRICE_SCHEMA: Final[pa.Schema] = pa.schema(
    [
        pa.field("value", pa.binary(FIXED_PRECISION_BYTES), nullable=False),
        pa.field("ts_event", pa.uint64(), nullable=False),
        pa.field("ts_init", pa.uint64(), nullable=False),
        pa.field("instrument_id", pa.string(), nullable=False),
        pa.field("price_precision", pa.uint8(), nullable=False),
    ],
)
"""
Columns ``delta-recorder`` writes to an ``index_price_update`` file: Nautilus's three, then two per-row columns.

Each file adds the metadata ``{"instrument_id": "<id>", "price_precision": "<digits>"}``.
"""

INDEX_PRICE_BUILTIN_COLUMNS: Final[int] = 3
"""How many leading columns of :data:`INDEX_PRICE_SCHEMA` are Nautilus's own (``value, ts_event, ts_init``)."""

_FUNDING_DIR = class_to_filename(FundingRateUpdate)
_INDEX_DIR = class_to_filename(IndexPriceUpdate)
_INDEX_BUILTIN_FIELDS: Final[list[pa.Field]] = list(INDEX_PRICE_SCHEMA)[:INDEX_PRICE_BUILTIN_COLUMNS]


# -- registration -------------------------------------------------------------------------------------------------


def register_catalog_types() -> None:
    """
    Register the Arrow decoders (and the funding rate encoder) that make the catalog read Delta's extra types.

    After this, ``ParquetDataCatalog.query(FundingRateUpdate, ...)`` and ``query(IndexPriceUpdate, ...)`` decode
    the layouts in this module's docstring, and ``write_data`` writes ``FundingRateUpdate`` objects in that layout.
    ``IndexPriceUpdate`` only gains a decoder: Nautilus still writes it with its built-in Rust encoder (three
    columns), and the schema the streaming writer uses for it stays Nautilus's. ``import delta_exchange`` calls
    this; calling it again changes nothing.
    """
    register_arrow(
        FundingRateUpdate,
        FUNDING_RATE_SCHEMA,
        encoder=encode_funding_rates,
        decoder=decode_funding_rates,
    )
    register_arrow(IndexPriceUpdate, NAUTILUS_ARROW_SCHEMA[IndexPriceUpdate], decoder=decode_index_prices)


# -- funding rates ------------------------------------------------------------------------------------------------


def encode_funding_rates(data: FundingRateUpdate | Sequence[FundingRateUpdate]) -> pa.RecordBatch:
    """
    Return funding rate updates of one instrument as a record batch in the ``funding_rate_update`` layout.

    Parameters
    ----------
    data : FundingRateUpdate or Sequence[FundingRateUpdate]
        The updates, all of one instrument.

    Returns
    -------
    pa.RecordBatch
        Columns of :data:`FUNDING_RATE_SCHEMA`, metadata ``{"instrument_id": "<id>"}``.

    Raises
    ------
    ValueError
        For no updates, updates of several instruments, or a rate that is not a finite decimal.

    """
    updates = [data] if isinstance(data, FundingRateUpdate) else list(data)
    instrument_ids = sorted({str(update.instrument_id) for update in updates})
    if len(instrument_ids) != 1:
        raise ValueError(
            f"one funding_rate_update file holds one instrument, got {instrument_ids or 'none'}: write each "
            "instrument's updates in a call of its own (and at least one update)",
        )
    columns = [
        [str(update.instrument_id) for update in updates],
        [_rate_text(update.rate) for update in updates],
        [update.next_funding_ns for update in updates],
        [update.ts_event for update in updates],
        [update.ts_init for update in updates],
    ]
    schema = FUNDING_RATE_SCHEMA.with_metadata({KEY_INSTRUMENT_ID: instrument_ids[0]})
    return pa.RecordBatch.from_arrays(
        [pa.array(values, type=field.type) for values, field in zip(columns, schema, strict=True)],
        schema=schema,
    )


def decode_funding_rates(table: pa.Table | pa.RecordBatch) -> list[FundingRateUpdate]:
    """
    Return the funding rate updates of a table in the ``funding_rate_update`` layout, sorted by ``ts_init``.

    Each row's instrument comes from its ``instrument_id`` column, so a table merged from several
    instruments' files decodes correctly.

    Raises
    ------
    ValueError
        If the columns differ from :data:`FUNDING_RATE_SCHEMA` (names, order or types), a non-nullable column
        holds nulls, or an instrument id or rate does not parse.

    """
    table = _as_table(table)
    _check_columns(table, list(FUNDING_RATE_SCHEMA), _FUNDING_DIR)
    _check_no_nulls(table, FUNDING_RATE_SCHEMA, _FUNDING_DIR)
    table = _sorted_by_ts_init(table)
    ids = _instrument_ids(table.column("instrument_id").to_pylist(), _FUNDING_DIR)
    return [
        FundingRateUpdate(instrument_id, _parse_rate(rate), ts_event, ts_init, next_funding_ns)
        for instrument_id, rate, next_funding_ns, ts_event, ts_init in zip(
            ids,
            table.column("rate").to_pylist(),
            table.column("next_funding_ns").to_pylist(),
            table.column("ts_event").to_pylist(),
            table.column("ts_init").to_pylist(),
            strict=True,
        )
    ]


def _rate_text(rate: object) -> str:
    # `str` first: a float 0.0001 must become "0.0001", not its binary expansion.
    number = rate if isinstance(rate, Decimal) else Decimal(str(rate))
    if not number.is_finite():
        raise ValueError(f"funding rate {rate!r} is not a finite decimal: give rates such as Decimal('0.0001')")
    return format(number, "f")


def _parse_rate(text: str) -> Decimal:
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise ValueError(f"{_FUNDING_DIR}: rate {text!r} is not a decimal number: write it as text like '0.0001'")
    return number


# -- index prices -------------------------------------------------------------------------------------------------


def decode_index_prices(table: pa.Table | pa.RecordBatch) -> list[IndexPriceUpdate]:
    """
    Return the index price updates of a table in the ``index_price_update`` layout, sorted by ``ts_init``.

    Reads both forms: with the per-row ``instrument_id`` / ``price_precision`` columns (what ``delta-recorder``
    writes; correct for tables merged from several instruments' files), and with only Nautilus's three columns
    (instrument and precision from the schema metadata; correct only for a table from a single instrument and
    precision, because the catalog keeps the first file's metadata for all of a query's files).

    Raises
    ------
    ValueError
        If the columns are neither form, a column holds nulls, the metadata the three-column form needs is
        missing, a precision is out of range, or a value is not a price * 10^16 at its precision.

    """
    table = _as_table(table)
    per_row = table.num_columns != INDEX_PRICE_BUILTIN_COLUMNS
    _check_columns(table, list(INDEX_PRICE_SCHEMA) if per_row else _INDEX_BUILTIN_FIELDS, _INDEX_DIR)
    table = _sorted_by_ts_init(table)
    if per_row:
        _check_per_row_columns(table)
        ids = _instrument_ids(table.column("instrument_id").to_pylist(), _INDEX_DIR)
        precisions = table.column("price_precision").to_pylist()
    else:
        _check_no_nulls(table, INDEX_PRICE_SCHEMA, _INDEX_DIR)
        instrument_id, precision = _index_metadata(table.schema)
        ids = [instrument_id] * table.num_rows
        precisions = [precision] * table.num_rows
    updates = []
    for instrument_id, precision, value, ts_event, ts_init in zip(
        ids,
        precisions,
        table.column("value").to_pylist(),
        table.column("ts_event").to_pylist(),
        table.column("ts_init").to_pylist(),
        strict=True,
    ):
        price = _price(int.from_bytes(value, "little", signed=True), precision, instrument_id)
        updates.append(IndexPriceUpdate(instrument_id, price, ts_event, ts_init))
    return updates


def _check_per_row_columns(table: pa.Table) -> None:
    missing = table.column("instrument_id").null_count
    if missing:
        raise ValueError(
            f"{_INDEX_DIR}: {missing} rows have no instrument_id/price_precision: the query read files with the "
            "per-row columns together with three-column files (as Nautilus's own write_data writes them), whose "
            "instrument is unknown once merged; query those files separately (files=[...]) or rewrite them with "
            "the per-row columns",
        )
    _check_no_nulls(table, INDEX_PRICE_SCHEMA, _INDEX_DIR)


def _index_metadata(schema: pa.Schema) -> tuple[InstrumentId, int]:
    metadata = {key.decode(): value.decode() for key, value in (schema.metadata or {}).items()}
    missing = [key for key in (KEY_INSTRUMENT_ID, KEY_PRICE_PRECISION) if key not in metadata]
    if missing:
        raise ValueError(
            f"{_INDEX_DIR}: a file without the per-row columns needs the schema metadata {missing}: write "
            f'{{"{KEY_INSTRUMENT_ID}": "<id>", "{KEY_PRICE_PRECISION}": "<digits>"}}',
        )
    text = metadata[KEY_PRICE_PRECISION]
    if not text.isdigit():
        raise ValueError(
            f"{_INDEX_DIR}: metadata {KEY_PRICE_PRECISION}={text!r} is not a whole number: write the price's "
            "decimal digits as text, e.g. '2'",
        )
    return _instrument_ids([metadata[KEY_INSTRUMENT_ID]], _INDEX_DIR)[0], int(text)


def _price(raw: int, precision: int, instrument_id: InstrumentId) -> Price:
    if not 0 <= precision <= FIXED_PRECISION:
        raise ValueError(
            f"{_INDEX_DIR}: {instrument_id} price_precision {precision} is outside 0..{FIXED_PRECISION}: write the "
            f"instrument's price precision, 0 to {FIXED_PRECISION}",
        )
    if raw % 10 ** (FIXED_PRECISION - precision):
        raise ValueError(
            f"{_INDEX_DIR}: {instrument_id} value raw {raw} has more than {precision} decimals: values must be "
            f"the price * 10^{FIXED_PRECISION} (little-endian i128) at the file's price_precision",
        )
    return Price.from_raw(raw, precision)


# -- shared decoding helpers --------------------------------------------------------------------------------------


def _as_table(table: pa.Table | pa.RecordBatch) -> pa.Table:
    return pa.Table.from_batches([table]) if isinstance(table, pa.RecordBatch) else table


def _sorted_by_ts_init(table: pa.Table) -> pa.Table:
    # Arrow's sort is stable: rows of equal ts_init keep their file order.
    return table.sort_by("ts_init")


def _check_columns(table: pa.Table, expected: list[pa.Field], what: str) -> None:
    actual = [(field.name, field.type) for field in table.schema]
    if actual != [(field.name, field.type) for field in expected]:
        raise ValueError(
            f"{what}: the file's columns [{_describe(table.schema)}] differ from the expected "
            f"[{_describe(expected)}]: write exactly these columns, in this order and with these Arrow types "
            "(see delta_exchange.catalog)",
        )


def _check_no_nulls(table: pa.Table, schema: pa.Schema, what: str) -> None:
    for field in schema:
        if field.nullable or field.name not in table.schema.names:
            continue
        nulls = table.column(field.name).null_count
        if nulls:
            raise ValueError(f"{what}: column {field.name!r} has {nulls} null values: give every row a value")


def _instrument_ids(texts: list[str], what: str) -> list[InstrumentId]:
    parsed: dict[str, InstrumentId] = {}
    ids = []
    for text in texts:
        instrument_id = parsed.get(text)
        if instrument_id is None:
            try:
                instrument_id = InstrumentId.from_str(text)
            except ValueError as e:
                raise ValueError(
                    f"{what}: instrument_id {text!r} is not a Nautilus instrument id ({e}): write ids as "
                    "SYMBOL.VENUE, e.g. 'BTCUSD.DELTA_EXCHANGE'",
                ) from None
            parsed[text] = instrument_id
        ids.append(instrument_id)
    return ids


def _describe(fields: Iterable[pa.Field]) -> str:
    return ", ".join(f"{field.name}: {field.type}" for field in fields)


# -- instruments ----------------------------------------------------------------------------------------------------


def write_instruments(
    catalog_path: str | os.PathLike[str],
    instruments: Iterable[Instrument],
    *,
    replace: bool = True,
) -> int:
    """
    Write Nautilus instruments into the catalog at ``catalog_path`` with ``ParquetDataCatalog.write_data``.

    Backtests then find them with ``catalog.instruments()`` (and ``BacktestNode``'s catalog configs) next to the
    recorded data, with the precisions that match the data files.

    Parameters
    ----------
    catalog_path : str or os.PathLike
        The catalog root (created if missing).
    instruments : Iterable[Instrument]
        The instruments to write.
    replace : bool, default True
        Remove each written instrument's earlier files first, so the catalog holds one definition per
        instrument however often this runs (each load has a new ``ts_init``, hence a new file).

    Returns
    -------
    int
        How many instruments were written.

    Raises
    ------
    TypeError
        If an item is not a Nautilus ``Instrument``.

    """
    items = list(instruments)
    for item in items:
        if not isinstance(item, Instrument):
            raise TypeError(
                f"write_instruments takes Nautilus instruments, got {type(item).__name__}: pass Instrument "
                "objects, e.g. DeltaExchangeInstrumentProvider.list_all()",
            )
    if not items:
        return 0
    catalog = ParquetDataCatalog(os.fspath(catalog_path))
    if replace:
        for item in items:
            directory = f"{catalog.path}/data/{class_to_filename(type(item))}/{urisafe_identifier(item.id)}"
            earlier = catalog.fs.glob(f"{directory}/*.parquet")
            if earlier:
                catalog.fs.rm(earlier)
    catalog.write_data(items)
    return len(items)


async def load_instruments(
    base_url_http: str,
    symbols: Sequence[str] | None = None,
    contract_types: Sequence[str] | None = None,
) -> list[Instrument]:
    """
    Load Delta instruments over REST (no credentials needed) with :class:`DeltaExchangeInstrumentProvider`.

    Parameters
    ----------
    base_url_http : str
        The REST base URL (an environment's, or a delta-sim's ``rest_url``).
    symbols : Sequence[str], optional
        Delta symbols to load (``BTCUSD``, or ``BTCUSD.DELTA_EXCHANGE``); None loads every live product.
    contract_types : Sequence[str], optional
        Keep only these contract types; None keeps every supported type.

    Returns
    -------
    list[Instrument]
        Sorted by instrument id.

    Raises
    ------
    ValueError
        For an unknown or unsupported contract type, or named symbols that yield no instrument (unknown to
        Delta, of a contract type the adapter does not map, or excluded by ``contract_types``).
    delta_exchange._native.DeltaError
        When the REST request fails.

    """
    provider = DeltaExchangeInstrumentProvider(
        _native.HttpClient(base_url_http),
        contract_types=None if contract_types is None else tuple(contract_types),
    )
    if symbols is None:
        await provider.load_all_async()
        return sorted(provider.list_all(), key=lambda instrument: instrument.id.value)
    ids = [_delta_instrument_id(symbol) for symbol in symbols]
    await provider.load_ids_async(ids)
    wanted = provider.filters.contract_types
    loaded = {
        instrument.id: instrument
        for instrument in provider.list_all()
        if wanted is None or instrument.info.get("contract_type") in wanted
    }
    missing = [instrument_id.symbol.value for instrument_id in ids if instrument_id not in loaded]
    if missing:
        excluded = "" if wanted is None else f", or not of the contract types {list(wanted)}"
        raise ValueError(
            f"no instrument for symbol(s) {', '.join(missing)} at {base_url_http}: Delta does not list them, or "
            f"their contract type is not supported{excluded}; check the spelling (symbols are case-sensitive, "
            "e.g. BTCUSD)",
        )
    return sorted(loaded.values(), key=lambda instrument: instrument.id.value)


def _delta_instrument_id(symbol: str) -> InstrumentId:
    symbol = symbol.strip().removesuffix(f".{DELTA_EXCHANGE_VENUE}")
    if not symbol:
        raise ValueError("--symbols contains an empty symbol: use a comma-separated list such as BTCUSD,ETHUSD")
    return InstrumentId(Symbol(symbol), DELTA_EXCHANGE_VENUE)


# -- command line -----------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """
    Run the command line (``python -m delta_exchange.catalog``); return the exit status.

    ``instruments`` loads instruments and writes them into ``--out`` (see the module docstring). Exit status 0
    on success, 1 when loading or writing fails, 2 for invalid arguments; errors go to stderr and say what to do.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        base_url = _base_url(args.environment, args.base_url_http)
        symbols = _split(args.symbols, "--symbols")
        contract_types = _split(args.contract_types, "--contract-types")
        ProductFilters(contract_types=None if contract_types is None else tuple(contract_types)).validated()
    except ValueError as e:
        args.command_parser.error(str(e))  # exits with status 2
    try:
        instruments = asyncio.run(load_instruments(base_url, symbols, contract_types))
    except ValueError as e:
        return _fail(str(e))
    except _native.DeltaError as e:
        return _fail(
            f"cannot load instruments from {base_url}: {e}; check --environment / --base-url-http and that the "
            "server is reachable",
        )
    if not instruments:
        return _fail(f"{base_url} listed no instruments to write; check --contract-types and the environment")
    try:
        written = write_instruments(args.out, instruments)
    except OSError as e:
        return _fail(f"cannot write the catalog at {args.out}: {e}; check that the directory is writable")
    print(f"instruments written={written} out={args.out}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m delta_exchange.catalog",
        description="Write Delta Exchange data definitions into a Nautilus ParquetDataCatalog.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    instruments = commands.add_parser(
        "instruments",
        help="load instruments over REST and write them into the catalog",
        description="Load Delta instruments over REST (no credentials needed) and write them into a catalog.",
    )
    instruments.set_defaults(command_parser=instruments)
    instruments.add_argument("--out", required=True, metavar="DIR", help="catalog root directory")
    source = instruments.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--environment",
        metavar="NAME",
        help="Delta deployment: india, global, india-testnet or global-testnet",
    )
    source.add_argument(
        "--base-url-http",
        metavar="URL",
        help="REST base URL of a delta-sim or another server (the 'local' environment)",
    )
    instruments.add_argument("--symbols", metavar="A,B", help="symbols to load (default: every live product)")
    instruments.add_argument(
        "--contract-types",
        metavar="T,U",
        help="contract types to keep: perpetual_futures, futures, call_options, put_options (default: all)",
    )
    return parser


def _base_url(environment: str | None, base_url_http: str | None) -> str:
    if base_url_http is not None:
        return _native.resolve_urls(DeltaEnvironment.LOCAL.value, base_url_http)["http"]
    assert environment is not None  # the argument group requires one of the two
    if DeltaEnvironment.parse(environment) == DeltaEnvironment.LOCAL:
        raise ValueError("for a local delta-sim pass --base-url-http URL (its rest_url line) instead of --environment")
    return _native.resolve_urls(environment)["http"]


def _split(text: str | None, option: str) -> list[str] | None:
    if text is None:
        return None
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise ValueError(f"{option} {text!r} has an empty entry: use a comma-separated list without blanks")
    return items


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    # Run the imported module's main, not this `__main__` copy: `import delta_exchange` already registered the
    # imported module's decoders.
    from delta_exchange.catalog import main as _main

    sys.exit(_main())
