"""
The catalog schemas that nautilus_trader 1.221.0 writes, plus delta_exchange's own: the source of
``tests/golden/catalog_schemas.json`` (the format is described in ``tests/test_catalog.py``).

Regenerate the JSON after a deliberate change, from the repository root::

    .venv/bin/python -c "import sys; sys.path.insert(0, 'tests'); import catalog_golden; catalog_golden.write()"
"""

from __future__ import annotations

import json
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from nautilus_trader.model.data import (
    Bar,
    BarType,
    BookOrder,
    FundingRateUpdate,
    IndexPriceUpdate,
    MarkPriceUpdate,
    OrderBookDelta,
    QuoteTick,
    TradeTick,
)
from nautilus_trader.model.enums import AggressorSide, BookAction, OrderSide
from nautilus_trader.model.identifiers import InstrumentId, TradeId
from nautilus_trader.model.objects import Price, Quantity
from nautilus_trader.persistence.catalog.parquet import ParquetDataCatalog

from delta_exchange.catalog import INDEX_PRICE_BUILTIN_COLUMNS, INDEX_PRICE_SCHEMA, register_catalog_types

GOLDEN_PATH = Path(__file__).resolve().parent / "golden" / "catalog_schemas.json"
INSTRUMENT_ID = "BTCUSD.DELTA_EXCHANGE"  # price precision 1, size precision 0
BAR_TYPE = f"{INSTRUMENT_ID}-1-MINUTE-LAST-EXTERNAL"
TS = 1_750_000_000_000_000_000


def example_data() -> list[Any]:
    """One object of every type in the golden file, for ``INSTRUMENT_ID`` (prices to 1 decimal, whole sizes)."""
    instrument_id = InstrumentId.from_str(INSTRUMENT_ID)
    price = Price.from_str("100000.5")
    size = Quantity.from_int(5)
    return [
        QuoteTick(instrument_id, price, Price.from_str("100001.0"), size, Quantity.from_int(7), TS, TS),
        TradeTick(instrument_id, price, size, AggressorSide.BUYER, TradeId("1"), TS, TS),
        OrderBookDelta(instrument_id, BookAction.ADD, BookOrder(OrderSide.BUY, price, size, 0), 0, 1, TS, TS),
        Bar(
            BarType.from_str(BAR_TYPE),
            price,
            Price.from_str("100002.0"),
            Price.from_str("99999.5"),
            price,
            size,
            TS,
            TS,
        ),
        MarkPriceUpdate(instrument_id, price, TS, TS),
        IndexPriceUpdate(instrument_id, price, TS, TS),
        FundingRateUpdate(instrument_id, Decimal("0.0001"), TS, TS, next_funding_ns=TS + 3_600_000_000_000),
    ]


def golden() -> dict[str, dict[str, Any]]:
    """
    Write :func:`example_data` with ``ParquetDataCatalog.write_data`` and describe each file's schema.

    Funding rates go through delta_exchange's registered encoder; everything else through Nautilus's own.

    """
    register_catalog_types()
    with tempfile.TemporaryDirectory() as root:
        ParquetDataCatalog(root).write_data(example_data())
        result: dict[str, dict[str, Any]] = {}
        for type_dir in sorted((Path(root) / "data").iterdir()):
            (file,) = type_dir.glob("*/*.parquet")
            schema = pq.read_schema(file)
            metadata = {key.decode(): value.decode() for key, value in (schema.metadata or {}).items()}
            result[type_dir.name] = {
                "columns": [[field.name, str(field.type), field.nullable] for field in schema],
                "metadata": dict(sorted(metadata.items())),
            }
    extra = list(INDEX_PRICE_SCHEMA)[INDEX_PRICE_BUILTIN_COLUMNS:]
    result["index_price_update"]["extra_columns"] = [[field.name, str(field.type), field.nullable] for field in extra]
    return result


def render() -> str:
    """Return :func:`golden` as the text of the golden file: sorted keys, one column per line."""
    entries = []
    for type_dir, entry in sorted(golden().items()):
        parts = []
        for key, value in sorted(entry.items()):
            if key.endswith("columns"):
                rows = ",\n".join(f"      {json.dumps(column)}" for column in value)
                parts.append(f'    "{key}": [\n{rows}\n    ]')
            else:
                parts.append(f'    "{key}": {json.dumps(value, sort_keys=True)}')
        body = ",\n".join(parts)
        entries.append(f"  {json.dumps(type_dir)}: {{\n{body}\n  }}")
    return "{\n" + ",\n".join(entries) + "\n}\n"


def write(path: Path = GOLDEN_PATH) -> None:
    """Regenerate the golden file from the installed nautilus_trader."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render())
