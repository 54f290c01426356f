"""
The Nautilus catalog side of ``delta-recorder``: funding rates, index prices, instruments and the golden schemas.

Reading happens in a child process: a malformed file makes Nautilus's Rust reader abort the whole process
(exit code 134) instead of raising.

Golden file ``tests/golden/catalog_schemas.json`` (what ``delta-recorder``'s tests compare their files against;
``tests/catalog_golden.py`` regenerates it from the installed nautilus_trader)::

    {
      "<type directory under data/>": {
        "columns": [["<name>", "<arrow type>", <nullable>], ...],
        "extra_columns": [["<name>", "<arrow type>", <nullable>], ...],
        "metadata": {"<key>": "<value>", ...}
      },
      ...
    }

- The keys are the type directories: ``bar``, ``funding_rate_update``, ``index_price_update``,
  ``mark_price_update``, ``order_book_delta``, ``quote_tick``, ``trade_tick``.
- ``columns``: the file's columns in order, exactly as ``ParquetDataCatalog.write_data`` of nautilus_trader
  1.221.0 writes them (for ``funding_rate_update``: as it writes them through delta_exchange's registered
  encoder). Arrow types are pyarrow's names: ``fixed_size_binary[16]`` (arrow-rs ``FixedSizeBinary(16)``),
  ``uint64`` (``UInt64``), ``uint8`` (``UInt8``), ``string`` (``Utf8``).
- ``extra_columns`` (only ``index_price_update``): delta_exchange's per-row columns, which ``delta-recorder``
  writes after ``columns``. A recorder file's schema is ``columns`` followed by ``extra_columns``.
- ``metadata``: the schema metadata (all values strings) of a file for ``BTCUSD.DELTA_EXCHANGE`` with price
  precision 1 and size precision 0; for ``bar`` the bar type is ``BTCUSD.DELTA_EXCHANGE-1-MINUTE-LAST-EXTERNAL``.
  Other instruments have the same keys with their own values.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from nautilus_trader.model.data import FundingRateUpdate, IndexPriceUpdate
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.objects import Price
from nautilus_trader.persistence.catalog.parquet import ParquetDataCatalog, _timestamps_to_filename
from nautilus_trader.serialization.arrow.schema import NAUTILUS_ARROW_SCHEMA
from nautilus_trader.serialization.arrow.serializer import _ARROW_DECODERS, _ARROW_ENCODERS, _SCHEMAS

import delta_exchange
from catalog_golden import GOLDEN_PATH, golden, render
from delta_exchange.catalog import (
    FUNDING_RATE_SCHEMA,
    INDEX_PRICE_BUILTIN_COLUMNS,
    INDEX_PRICE_SCHEMA,
    decode_funding_rates,
    decode_index_prices,
    encode_funding_rates,
    load_instruments,
    register_catalog_types,
    write_instruments,
)
from delta_exchange.sim import DeltaSim

GOLDEN: dict[str, dict[str, Any]] = json.loads(GOLDEN_PATH.read_text())
BTC = "BTCUSD.DELTA_EXCHANGE"
ETH = "ETHUSD.DELTA_EXCHANGE"
T0 = 1_750_000_000_000_000_000
HOUR = 3_600_000_000_000
PA_TYPES = {
    "fixed_size_binary[16]": pa.binary(16),
    "string": pa.string(),
    "uint64": pa.uint64(),
    "uint8": pa.uint8(),
}

# What every reader child runs first: `catalog` is a ParquetDataCatalog of the root passed as its argument.
CHILD_PREAMBLE = """
import json, sys
{imports}
from nautilus_trader.model.data import FundingRateUpdate, IndexPriceUpdate
from nautilus_trader.persistence.catalog.parquet import ParquetDataCatalog
catalog = ParquetDataCatalog(sys.argv[1])
"""


# -- helpers ------------------------------------------------------------------------------------------------------


def run_child(root: Path, body: str, *, import_delta: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``body`` after :data:`CHILD_PREAMBLE` in a fresh interpreter (``import delta_exchange`` unless told)."""
    code = CHILD_PREAMBLE.format(imports="import delta_exchange" if import_delta else "") + body
    return subprocess.run(
        [sys.executable, "-c", code, str(root)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def read_in_child(root: Path, expression: str, imports: str = "") -> Any:
    """Evaluate ``expression`` (with ``catalog`` in scope) in a child; assert it exits 0; return its JSON value."""
    result = run_child(root, f"{imports}\nprint(json.dumps({expression}))")
    assert result.returncode == 0, f"reader exited {result.returncode}: {result.stderr[-3000:]}"
    return json.loads(result.stdout.strip().splitlines()[-1])


def query_in_child(root: Path, cls: str) -> list[str]:
    """``str`` of each object ``catalog.query(cls)`` returns in a child; ``cls`` names a class of ``model.data``."""
    imports = f"from nautilus_trader.model.data import {cls}"
    return read_in_child(root, f"[str(x) for x in catalog.query({cls})]", imports)


FUNDING_ROWS = (
    "[[type(u).__name__, str(u.instrument_id), str(u.rate), u.next_funding_ns, u.ts_event, u.ts_init] "
    "for u in catalog.query(FundingRateUpdate{args})]"
)
INDEX_ROWS = (
    "[[type(u).__name__, str(u.instrument_id), str(u.value), u.value.precision, u.value.raw, u.ts_event, u.ts_init] "
    "for u in catalog.query(IndexPriceUpdate{args})]"
)


def file_timestamp(ns: int) -> str:
    """A ``ts_init`` as Nautilus spells it in file names (written here independently, as a foreign writer would)."""
    seconds, nanos = divmod(ns, 1_000_000_000)
    return f"{datetime.fromtimestamp(seconds, UTC):%Y-%m-%dT%H-%M-%S}-{nanos:09d}Z"


def golden_schema(type_dir: str, metadata: dict[str, str]) -> pa.Schema:
    """The schema a foreign writer builds from the golden file: ``columns`` then ``extra_columns``."""
    entry = GOLDEN[type_dir]
    columns = entry["columns"] + entry.get("extra_columns", [])
    return pa.schema(
        [pa.field(name, PA_TYPES[arrow_type], nullable) for name, arrow_type, nullable in columns],
        metadata=metadata,
    )


def write_foreign(root: Path, type_dir: str, identifier: str, schema: pa.Schema, rows: dict[str, list]) -> Path:
    """Write one file with pyarrow only, the way ``delta-recorder`` does: temporary name, then rename."""
    table = pa.Table.from_pydict(rows, schema=schema)
    directory = root / "data" / type_dir / identifier
    directory.mkdir(parents=True, exist_ok=True)
    ts_init = rows["ts_init"]
    final = directory / f"{file_timestamp(ts_init[0])}_{file_timestamp(ts_init[-1])}.parquet"
    temporary = final.with_name(final.name + ".tmp")
    pq.write_table(table, temporary)
    temporary.rename(final)
    return final


def raw16(price: str) -> bytes:
    """A price as the 16-byte little-endian signed raw at 10^16."""
    return int(Decimal(price).scaleb(16)).to_bytes(16, "little", signed=True)


def write_funding(root: Path, instrument_id: str, rows: list[tuple[str, int | None, int, int]]) -> Path:
    """Rows of ``(rate text, next_funding_ns, ts_event, ts_init)`` in the golden funding layout."""
    rates, next_ns, ts_event, ts_init = (list(column) for column in zip(*rows, strict=True))
    return write_foreign(
        root,
        "funding_rate_update",
        instrument_id,
        golden_schema("funding_rate_update", {"instrument_id": instrument_id}),
        {
            "instrument_id": [instrument_id] * len(rows),
            "rate": rates,
            "next_funding_ns": next_ns,
            "ts_event": ts_event,
            "ts_init": ts_init,
        },
    )


def write_index(root: Path, instrument_id: str, precision: int, rows: list[tuple[str, int, int]]) -> Path:
    """Rows of ``(price text, ts_event, ts_init)`` in the recorder's index price layout (with the per-row columns)."""
    prices, ts_event, ts_init = (list(column) for column in zip(*rows, strict=True))
    metadata = {"instrument_id": instrument_id, "price_precision": str(precision)}
    return write_foreign(
        root,
        "index_price_update",
        instrument_id,
        golden_schema("index_price_update", metadata),
        {
            "value": [raw16(price) for price in prices],
            "ts_event": ts_event,
            "ts_init": ts_init,
            "instrument_id": [instrument_id] * len(rows),
            "price_precision": [precision] * len(rows),
        },
    )


# -- golden schemas -------------------------------------------------------------------------------------------------


def test_golden_file_is_what_installed_nautilus_writes() -> None:
    regenerate = "regenerate it with tests/catalog_golden.py (see its docstring) if the change is deliberate"
    assert golden() == GOLDEN, f"tests/golden/catalog_schemas.json is stale: {regenerate}"
    assert GOLDEN_PATH.read_text() == render(), (
        f"tests/golden/catalog_schemas.json is not in canonical form: {regenerate}"
    )


def test_golden_delta_entries_are_the_module_schemas() -> None:
    def described(fields: list[pa.Field]) -> list[list[Any]]:
        return [[field.name, str(field.type), field.nullable] for field in fields]

    assert GOLDEN["funding_rate_update"]["columns"] == described(list(FUNDING_RATE_SCHEMA))
    assert GOLDEN["funding_rate_update"]["metadata"] == {"instrument_id": BTC}
    index = GOLDEN["index_price_update"]
    assert index["columns"] == described(list(INDEX_PRICE_SCHEMA)[:INDEX_PRICE_BUILTIN_COLUMNS])
    assert index["extra_columns"] == described(list(INDEX_PRICE_SCHEMA)[INDEX_PRICE_BUILTIN_COLUMNS:])
    # Nautilus's own index price schema is the mark price schema; both carry instrument and price precision.
    assert index["columns"] == GOLDEN["mark_price_update"]["columns"]
    assert (
        index["metadata"] == GOLDEN["mark_price_update"]["metadata"] == {"instrument_id": BTC, "price_precision": "1"}
    )
    assert "extra_columns" not in {
        key for type_dir, entry in GOLDEN.items() if type_dir != "index_price_update" for key in entry
    }


def test_file_names_match_nautilus() -> None:
    for start, end in ((T0, T0), (T0 + 500, T0 + 4_000_500), (1, 2)):
        assert f"{file_timestamp(start)}_{file_timestamp(end)}.parquet" == _timestamps_to_filename(start, end)


# One row per Rust-read type, written from the golden file alone, must read back through the Rust backend.
GOLDEN_ROWS: dict[str, tuple[str, dict[str, Any], str]] = {
    "quote_tick": (
        "QuoteTick",
        {"bid_price": [raw16("100000.5")], "ask_price": [raw16("100001.0")], "bid_size": [raw16("5")],
         "ask_size": [raw16("7")]},
        "BTCUSD.DELTA_EXCHANGE,100000.5,100001.0,5,7,{ts}",
    ),
    "trade_tick": (
        "TradeTick",
        {"price": [raw16("100000.5")], "size": [raw16("5")], "aggressor_side": [1], "trade_id": ["T-1"]},
        "BTCUSD.DELTA_EXCHANGE,100000.5,5,BUYER,T-1,{ts}",
    ),
    "order_book_delta": (
        "OrderBookDelta",
        {"action": [1], "side": [1], "price": [raw16("100000.5")], "size": [raw16("5")], "order_id": [0],
         "flags": [0], "sequence": [3]},
        "OrderBookDelta(instrument_id=BTCUSD.DELTA_EXCHANGE, action=ADD, order=BookOrder(side=BUY, "
        "price=100000.5, size=5, order_id=0), flags=0, sequence=3, ts_event={ts}, ts_init={ts})",
    ),
    "bar": (
        "Bar",
        {"open": [raw16("100000.5")], "high": [raw16("100002.0")], "low": [raw16("99999.5")],
         "close": [raw16("100001.0")], "volume": [raw16("5")]},
        "BTCUSD.DELTA_EXCHANGE-1-MINUTE-LAST-EXTERNAL,100000.5,100002.0,99999.5,100001.0,5,{ts}",
    ),
    "mark_price_update": (
        "MarkPriceUpdate",
        {"value": [raw16("100000.5")]},
        "BTCUSD.DELTA_EXCHANGE,100000.5,{ts},{ts}",
    ),
}  # fmt: skip


@pytest.mark.parametrize("type_dir", sorted(GOLDEN_ROWS))
def test_files_written_from_the_golden_read_back(tmp_path: Path, type_dir: str) -> None:
    cls, columns, expected = GOLDEN_ROWS[type_dir]
    metadata = GOLDEN[type_dir]["metadata"]
    identifier = metadata.get("bar_type", metadata["instrument_id"])
    rows = {**columns, "ts_event": [T0], "ts_init": [T0]}
    write_foreign(tmp_path, type_dir, identifier, golden_schema(type_dir, metadata), rows)
    assert query_in_child(tmp_path, cls) == [expected.format(ts=T0)]


# -- funding rates ------------------------------------------------------------------------------------------------


def test_foreign_funding_files_read_back(tmp_path: Path) -> None:
    btc_first = [("0.0001", T0 + 8 * HOUR, T0, T0 + 5), ("-0.000025", None, T0 + HOUR, T0 + HOUR + 5)]
    btc_second = [("0.00001000", T0 + 16 * HOUR, T0 + 2 * HOUR, T0 + 2 * HOUR + 5)]
    eth = [("0.0003", T0 + 8 * HOUR, T0 + 30, T0 + 30), ("0", None, T0 + 3 * HOUR, T0 + 3 * HOUR)]
    write_funding(tmp_path, BTC, btc_first)
    write_funding(tmp_path, BTC, btc_second)
    write_funding(tmp_path, ETH, eth)

    def expected(instrument_id: str, rows: list[tuple[str, int | None, int, int]]) -> list[list[Any]]:
        return [
            ["FundingRateUpdate", instrument_id, rate, nxt, ts_event, ts_init] for rate, nxt, ts_event, ts_init in rows
        ]

    everything = expected(BTC, btc_first + btc_second) + expected(ETH, eth)
    by_ts_init = sorted(everything, key=lambda row: row[5])
    assert read_in_child(tmp_path, FUNDING_ROWS.format(args="")) == by_ts_init
    assert read_in_child(tmp_path, FUNDING_ROWS.format(args=f", identifiers=['{ETH}']")) == expected(ETH, eth)
    window = f", identifiers=['{BTC}'], start={T0 + HOUR}, end={T0 + 2 * HOUR + 5}"
    assert read_in_child(tmp_path, FUNDING_ROWS.format(args=window)) == expected(BTC, btc_first[1:] + btc_second)


def test_funding_rates_written_by_nautilus_read_back_equal(tmp_path: Path) -> None:
    btc = InstrumentId.from_str(BTC)
    written = [
        FundingRateUpdate(btc, Decimal("0.0001"), T0, T0 + 1, next_funding_ns=T0 + 8 * HOUR),
        FundingRateUpdate(btc, Decimal("-1E-7"), T0 + HOUR, T0 + HOUR + 1),
    ]
    ParquetDataCatalog(str(tmp_path)).write_data(written)
    (file,) = (tmp_path / "data" / "funding_rate_update" / BTC).glob("*.parquet")
    schema = pq.read_schema(file)
    assert schema.equals(golden_schema("funding_rate_update", {"instrument_id": BTC}), check_metadata=True)
    assert pq.read_table(file).column("rate").to_pylist() == ["0.0001", "-0.0000001"]
    check = (
        f"[u == w and (u.ts_event, u.ts_init) == (w.ts_event, w.ts_init) for u, w in zip("
        f"catalog.query(FundingRateUpdate), [FundingRateUpdate(InstrumentId.from_str('{BTC}'), Decimal('0.0001'), "
        f"{T0}, {T0 + 1}, next_funding_ns={T0 + 8 * HOUR}), FundingRateUpdate(InstrumentId.from_str('{BTC}'), "
        f"Decimal('-0.0000001'), {T0 + HOUR}, {T0 + HOUR + 1})], strict=True)]"
    )
    imports = "from decimal import Decimal\nfrom nautilus_trader.model.identifiers import InstrumentId"
    assert read_in_child(tmp_path, check, imports) == [True, True]


def test_encode_funding_rates() -> None:
    btc = InstrumentId.from_str(BTC)
    batch = encode_funding_rates(
        [FundingRateUpdate(btc, Decimal("1E-7"), 1, 2), FundingRateUpdate(btc, 0.0001, 3, 4, next_funding_ns=9)],
    )
    assert batch.schema.equals(FUNDING_RATE_SCHEMA.with_metadata({"instrument_id": BTC}), check_metadata=True)
    assert batch.to_pylist() == [
        {"instrument_id": BTC, "rate": "0.0000001", "next_funding_ns": None, "ts_event": 1, "ts_init": 2},
        {"instrument_id": BTC, "rate": "0.0001", "next_funding_ns": 9, "ts_event": 3, "ts_init": 4},
    ]
    eth = InstrumentId.from_str(ETH)
    with pytest.raises(ValueError, match="one instrument"):
        encode_funding_rates([FundingRateUpdate(btc, Decimal(1), 1, 1), FundingRateUpdate(eth, Decimal(1), 1, 1)])
    with pytest.raises(ValueError, match="not a finite decimal"):
        encode_funding_rates(FundingRateUpdate(btc, Decimal("NaN"), 1, 1))


def funding_table(**overrides: Any) -> pa.Table:
    columns: dict[str, Any] = {
        "instrument_id": pa.array([BTC], pa.string()),
        "rate": pa.array(["0.0001"], pa.string()),
        "next_funding_ns": pa.array([None], pa.uint64()),
        "ts_event": pa.array([1], pa.uint64()),
        "ts_init": pa.array([1], pa.uint64()),
    }
    columns.update(overrides)
    return pa.table({name: array for name, array in columns.items() if array is not None})


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (funding_table(rate=pa.array([0.0001], pa.float64())), r"rate: double"),
        (funding_table().select(["rate", "instrument_id", "next_funding_ns", "ts_event", "ts_init"]), "differ"),
        (funding_table(next_funding_ns=None), "differ"),
        (funding_table(rate=pa.array([None], pa.string())), "'rate' has 1 null"),
        (funding_table(rate=pa.array(["1 bp"], pa.string())), "'1 bp' is not a decimal"),
        (funding_table(rate=pa.array(["Infinity"], pa.string())), "is not a decimal"),
        (funding_table(instrument_id=pa.array(["BTCUSD"], pa.string())), "not a Nautilus instrument id"),
    ],
    ids=["float-rate", "column-order", "missing-column", "null-rate", "bad-rate", "infinite-rate", "bad-id"],
)
def test_decode_funding_rates_rejects_bad_tables(table: pa.Table, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        decode_funding_rates(table)


def test_bad_foreign_file_raises_instead_of_aborting(tmp_path: Path) -> None:
    directory = tmp_path / "data" / "funding_rate_update" / BTC
    directory.mkdir(parents=True)
    table = funding_table(rate=pa.array([0.0001], pa.float64()))
    pq.write_table(table, directory / f"{file_timestamp(1)}_{file_timestamp(1)}.parquet")
    result = run_child(tmp_path, "catalog.query(FundingRateUpdate)")
    assert result.returncode == 1, result.stderr[-3000:]
    assert "ValueError: funding_rate_update: the file's columns" in result.stderr


# -- index prices -------------------------------------------------------------------------------------------------


def test_foreign_index_files_read_back_across_instruments(tmp_path: Path) -> None:
    btc = [("100000.5", T0, T0 + 1), ("100001.0", T0 + 100, T0 + 101)]
    eth = [("3000.25", T0 + 50, T0 + 51), ("-0.01", T0 + 200, T0 + 201)]
    write_index(tmp_path, BTC, 1, btc)
    write_index(tmp_path, ETH, 2, eth)

    def expected(instrument_id: str, precision: int, rows: list[tuple[str, int, int]]) -> list[list[Any]]:
        return [
            ["IndexPriceUpdate", instrument_id, price, precision, int(Decimal(price).scaleb(16)), ts_event, ts_init]
            for price, ts_event, ts_init in rows
        ]

    everything = sorted(expected(BTC, 1, btc) + expected(ETH, 2, eth), key=lambda row: row[6])
    assert read_in_child(tmp_path, INDEX_ROWS.format(args="")) == everything
    assert read_in_child(tmp_path, INDEX_ROWS.format(args=f", identifiers=['{ETH}', '{BTC}']")) == everything
    assert read_in_child(tmp_path, INDEX_ROWS.format(args=f", identifiers=['{ETH}']")) == expected(ETH, 2, eth)
    equal = (
        f"[u == IndexPriceUpdate(u.instrument_id, Price.from_str(p), e, i) for u, p, e, i in zip("
        f"catalog.query(IndexPriceUpdate, identifiers=['{BTC}']), ['100000.5', '100001.0'], [{T0}, {T0 + 100}], "
        f"[{T0 + 1}, {T0 + 101}], strict=True)]"
    )
    assert read_in_child(tmp_path, equal, "from nautilus_trader.model.objects import Price") == [True, True]


def test_three_column_index_files_are_right_only_per_instrument(tmp_path: Path) -> None:
    """Nautilus's own write_data files: correct per instrument; a merged query keeps the first file's metadata."""
    btc, eth = InstrumentId.from_str(BTC), InstrumentId.from_str(ETH)
    written = [
        IndexPriceUpdate(btc, Price.from_str("100000.5"), T0, T0),
        IndexPriceUpdate(eth, Price.from_str("3000.25"), T0 + 1, T0 + 1),
    ]
    ParquetDataCatalog(str(tmp_path)).write_data(written)
    for instrument_id in (BTC, ETH):
        (file,) = (tmp_path / "data" / "index_price_update" / instrument_id).glob("*.parquet")
        assert pq.read_schema(file).names == ["value", "ts_event", "ts_init"]
    assert read_in_child(tmp_path, INDEX_ROWS.format(args=f", identifiers=['{BTC}']")) == [
        ["IndexPriceUpdate", BTC, "100000.5", 1, 100000_5 * 10**15, T0, T0],
    ]
    assert read_in_child(tmp_path, INDEX_ROWS.format(args=f", identifiers=['{ETH}']")) == [
        ["IndexPriceUpdate", ETH, "3000.25", 2, 3000_25 * 10**14, T0 + 1, T0 + 1],
    ]
    # Merged, the ETH row gets the BTC file's metadata: its 2 decimals do not fit precision 1, so decoding fails...
    result = run_child(tmp_path, INDEX_ROWS.format(args=""))
    assert result.returncode == 1
    assert (
        "ValueError: index_price_update: BTCUSD.DELTA_EXCHANGE value raw 30002500000000000000 has more" in result.stderr
    )
    # ...and when the value fits, the row is silently mislabelled: why the recorder adds the per-row columns.
    other = tmp_path / "other"
    ParquetDataCatalog(str(other)).write_data(
        [written[0], IndexPriceUpdate(eth, Price.from_str("3000.50"), T0 + 1, T0 + 1)]
    )
    merged = read_in_child(other, INDEX_ROWS.format(args=""))
    assert [(row[1], row[2], row[3]) for row in merged] == [(BTC, "100000.5", 1), (BTC, "3000.5", 1)]


def test_rust_reader_ignores_trailing_columns(tmp_path: Path) -> None:
    """Why the per-row index columns go last: Nautilus's Rust reader (mark prices) skips columns after its own."""
    metadata = {"instrument_id": BTC, "price_precision": "1"}
    schema = golden_schema("index_price_update", metadata)  # the mark price columns + the two per-row columns
    rows = {
        "value": [raw16("100000.5")],
        "ts_event": [T0],
        "ts_init": [T0],
        "instrument_id": [BTC],
        "price_precision": [1],
    }
    write_foreign(tmp_path, "mark_price_update", BTC, schema, rows)
    assert query_in_child(tmp_path, "MarkPriceUpdate") == [f"{BTC},100000.5,{T0},{T0}"]


def index_table(per_row: bool = True, metadata: dict[str, str] | None = None, **overrides: Any) -> pa.Table:
    columns: dict[str, Any] = {
        "value": pa.array([raw16("100000.5")], pa.binary(16)),
        "ts_event": pa.array([1], pa.uint64()),
        "ts_init": pa.array([1], pa.uint64()),
    }
    if per_row:
        columns["instrument_id"] = pa.array([BTC], pa.string())
        columns["price_precision"] = pa.array([1], pa.uint8())
    columns.update(overrides)
    table = pa.table(columns)
    default = {"instrument_id": BTC, "price_precision": "1"}
    return table.replace_schema_metadata(default if metadata is None else metadata)


def test_decode_index_prices_reads_both_forms() -> None:
    expected = [IndexPriceUpdate(InstrumentId.from_str(BTC), Price.from_str("100000.5"), 1, 1)]
    assert decode_index_prices(index_table()) == expected
    assert decode_index_prices(index_table(metadata={})) == expected  # the per-row columns suffice
    assert decode_index_prices(index_table(per_row=False)) == expected
    assert decode_index_prices(index_table(per_row=False).to_batches()[0]) == expected
    assert decode_index_prices(index_table())[0].value.precision == 1


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (index_table(per_row=False, metadata={"instrument_id": BTC}), r"metadata \['price_precision'\]"),
        (index_table(per_row=False, metadata={"instrument_id": BTC, "price_precision": "x"}), "not a whole number"),
        (index_table(value=pa.array([(1000005).to_bytes(16, "little")], pa.binary(16))), "more than 1 decimals"),
        (index_table(price_precision=pa.array([17], pa.uint8())), "outside 0..16"),
        (index_table(value=pa.array([100000.5], pa.float64())), "value: double"),
        (index_table(price_precision=pa.array([1], pa.int64())), "price_precision: int64"),
        (index_table(instrument_id=pa.array([None], pa.string())), "1 rows have no instrument_id"),
        (index_table(price_precision=pa.array([None], pa.uint8())), "'price_precision' has 1 null"),
    ],
    ids=["no-precision", "bad-precision", "unscaled-raw", "precision-range", "float-value", "int64-precision",
         "mixed-files", "null-precision"],
)  # fmt: skip
def test_decode_index_prices_rejects_bad_tables(table: pa.Table, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        decode_index_prices(table)


# -- registration -------------------------------------------------------------------------------------------------


def test_register_catalog_types_twice_is_harmless(tmp_path: Path) -> None:
    register_catalog_types()
    register_catalog_types()
    assert _ARROW_ENCODERS[FundingRateUpdate] is encode_funding_rates
    assert _ARROW_DECODERS[FundingRateUpdate] is decode_funding_rates
    assert _SCHEMAS[FundingRateUpdate] is FUNDING_RATE_SCHEMA
    assert _ARROW_DECODERS[IndexPriceUpdate] is decode_index_prices
    # Index prices keep Nautilus's writer and schema (the streaming writer uses the registered schema).
    assert IndexPriceUpdate not in _ARROW_ENCODERS
    assert _SCHEMAS[IndexPriceUpdate] is NAUTILUS_ARROW_SCHEMA[IndexPriceUpdate]
    assert delta_exchange.register_catalog_types is register_catalog_types
    assert delta_exchange.write_instruments is write_instruments

    write_funding(tmp_path, BTC, [("0.0001", None, T0, T0)])
    write_index(tmp_path, BTC, 1, [("100000.5", T0, T0)])
    result = run_child(
        tmp_path,
        "delta_exchange.register_catalog_types(); delta_exchange.register_catalog_types()\n"
        f"print(json.dumps([{FUNDING_ROWS.format(args='')}, {INDEX_ROWS.format(args='')}]))",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        [["FundingRateUpdate", BTC, "0.0001", None, T0, T0]],
        [["IndexPriceUpdate", BTC, "100000.5", 1, 100000_5 * 10**15, T0, T0]],
    ]


def test_nautilus_alone_cannot_read_either_type(tmp_path: Path) -> None:
    """What register_catalog_types fixes: plain nautilus_trader 1.221.0 raises for both types."""
    write_funding(tmp_path, BTC, [("0.0001", None, T0, T0)])
    write_index(tmp_path, BTC, 1, [("100000.5", T0, T0)])
    errors = []
    for cls in ("FundingRateUpdate", "IndexPriceUpdate"):
        body = f"try:\n    catalog.query({cls})\nexcept Exception as e:\n    print(type(e).__name__, e)\n"
        result = run_child(tmp_path, body, import_delta=False)
        assert result.returncode == 0, result.stderr[-3000:]
        errors.append(result.stdout.strip())
    assert errors[0].startswith("TypeError Cannot deserialize object `<class 'nautilus_trader.model.data.Funding")
    assert errors[1] == "NotImplementedError"


# -- instruments ----------------------------------------------------------------------------------------------------

INSTRUMENT_ROWS = (
    "sorted([i.id.value, type(i).__name__, i.price_precision, i.size_precision, str(i.price_increment)] "
    "for i in catalog.instruments())"
)


def instrument_rows(instruments: list[Any]) -> list[list[Any]]:
    return sorted(
        [i.id.value, type(i).__name__, i.price_precision, i.size_precision, str(i.price_increment)] for i in instruments
    )


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "delta_exchange.catalog", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.sim
def test_write_instruments_are_readable_once_per_instrument(sim: DeltaSim, tmp_path: Path) -> None:
    instruments = asyncio.run(load_instruments(sim.rest_url))
    assert {"CryptoPerpetual", "CryptoFuture", "CryptoOption"} <= {type(i).__name__ for i in instruments}
    assert write_instruments(tmp_path, instruments) == len(instruments)
    (first,) = (i for i in instruments if i.id.value == BTC)
    (again,) = asyncio.run(load_instruments(sim.rest_url, symbols=["BTCUSD"]))
    assert again.ts_init > first.ts_init
    assert write_instruments(tmp_path, [again]) == 1  # replaces BTCUSD's earlier file
    assert len(list((tmp_path / "data" / "crypto_perpetual" / BTC).glob("*.parquet"))) == 1
    assert read_in_child(tmp_path, INSTRUMENT_ROWS) == instrument_rows(instruments)
    assert read_in_child(tmp_path, f"[i.ts_init for i in catalog.instruments(instrument_ids=['{BTC}'])]") == [
        again.ts_init,
    ]


def test_write_instruments_arguments(tmp_path: Path) -> None:
    assert write_instruments(tmp_path / "empty", []) == 0
    assert not (tmp_path / "empty").exists()
    with pytest.raises(TypeError, match="takes Nautilus instruments, got str"):
        write_instruments(tmp_path, ["BTCUSD"])  # type: ignore[list-item]


@pytest.mark.sim
def test_cli_writes_instruments(sim: DeltaSim, tmp_path: Path) -> None:
    out = tmp_path / "catalog"
    result = run_cli("instruments", "--out", str(out), "--base-url-http", sim.rest_url, "--symbols", "BTCUSD,ETHUSD")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"instruments written=2 out={out}\n"
    expected = instrument_rows(asyncio.run(load_instruments(sim.rest_url, symbols=["BTCUSD", "ETHUSD"])))
    assert [row[0] for row in expected] == [BTC, ETH]
    assert read_in_child(out, INSTRUMENT_ROWS) == expected

    every = tmp_path / "every"
    result = run_cli("instruments", "--out", str(every), "--base-url-http", sim.rest_url)
    assert result.returncode == 0, result.stderr
    expected = instrument_rows(asyncio.run(load_instruments(sim.rest_url)))
    assert result.stdout == f"instruments written={len(expected)} out={every}\n"
    assert read_in_child(every, INSTRUMENT_ROWS) == expected


@pytest.mark.sim
def test_cli_contract_types(sim: DeltaSim, tmp_path: Path) -> None:
    result = run_cli(
        "instruments",
        "--out",
        str(tmp_path),
        "--base-url-http",
        sim.rest_url,
        "--contract-types",
        "perpetual_futures,futures",
    )
    assert result.returncode == 0, result.stderr
    rows = read_in_child(tmp_path, INSTRUMENT_ROWS)
    assert result.stdout == f"instruments written={len(rows)} out={tmp_path}\n"
    assert {row[1] for row in rows} == {"CryptoPerpetual", "CryptoFuture"}
    assert [row[2:4] for row in rows if row[0] in (BTC, ETH)] == [[1, 0], [2, 0]]


@pytest.mark.sim
def test_cli_unknown_symbol_writes_nothing(sim: DeltaSim, tmp_path: Path) -> None:
    result = run_cli(
        "instruments", "--out", str(tmp_path / "c"), "--base-url-http", sim.rest_url, "--symbols", "BTCUSD,NOPE"
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert "error: no instrument for symbol(s) NOPE" in result.stderr
    assert "check the spelling" in result.stderr
    assert not (tmp_path / "c").exists()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_cli_unreachable_server(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    result = run_cli("instruments", "--out", str(tmp_path), "--base-url-http", url)
    assert result.returncode == 1, result.stderr
    assert f"error: cannot load instruments from {url}" in result.stderr
    assert "check --environment / --base-url-http and that the server is reachable" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--environment", "mars"], "unknown Delta environment 'mars': use one of"),
        (["--environment", "local"], "pass --base-url-http URL"),
        ([], "one of the arguments --environment --base-url-http is required"),
        (["--environment", "india", "--base-url-http", "http://127.0.0.1:9"], "not allowed with argument"),
        (["--base-url-http", "ftp://x"], "must start with http:// or https://"),
        (["--base-url-http", "http://127.0.0.1:9", "--contract-types", "spot"], "'spot' is not supported"),
        (["--base-url-http", "http://127.0.0.1:9", "--symbols", "BTCUSD,"], "--symbols 'BTCUSD,' has an empty entry"),
    ],
    ids=["unknown-env", "local-env", "no-source", "both-sources", "bad-url", "bad-contract-type", "empty-symbol"],
)
def test_cli_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_cli("instruments", "--out", str(tmp_path / "c"), *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert not (tmp_path / "c").exists()
