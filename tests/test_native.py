"""Tests of ``delta_exchange._native`` (crates/delta-py): decoding, scaling, URLs, the REST and socket clients."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from delta_exchange import _native
from delta_exchange.sim import DeltaSim

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "delta-api"
SCALAR = 10**16
MINUTE_NS = 60 * 10**9

# Server frames: fixture -> (endpoint, kind, symbol or None).
SERVER_FRAMES: dict[str, tuple[str, str, str | None]] = {
    "ws_all_trades": ("private", "trade", "BTCUSD"),
    "ws_all_trades_snapshot": ("private", "trade", "BTCUSD"),
    "ws_announcements": ("private", "other", None),
    "ws_auth_legacy_success": ("private", "auth", None),
    "ws_candlestick": ("public", "candle", "BTCUSD"),
    "ws_candlestick_legacy": ("private", "candle", "BTCUSD"),
    "ws_funding_rate": ("public", "funding_rate", "BTCUSD"),
    "ws_funding_rate_legacy": ("private", "funding_rate", "BTCUSD"),
    "ws_heartbeat": ("public", "heartbeat", None),
    "ws_key_auth_error_api_key_not_found": ("private", "auth", None),
    "ws_key_auth_error_expired": ("private", "auth", None),
    "ws_key_auth_error_incomplete": ("private", "auth", None),
    "ws_key_auth_error_invalid_signature": ("private", "auth", None),
    "ws_key_auth_error_ip": ("private", "auth", None),
    "ws_key_auth_success": ("private", "auth", None),
    "ws_l1_orderbook": ("private", "quote", "BTCUSD"),
    "ws_l2_orderbook": ("private", "book", "BTCUSD"),
    "ws_l2_updates_error": ("private", "error", "BTCUSD"),
    "ws_l2_updates_snapshot": ("private", "book", "BTCUSD"),
    "ws_l2_updates_update": ("private", "book", "BTCUSD"),
    "ws_margins": ("private", "margin", None),
    "ws_mark_price": ("public", "mark_price", "MARK:BTCUSD"),
    "ws_mark_price_legacy": ("private", "mark_price", "MARK:C-BTC-70000-290526"),
    "ws_mmp_trigger": ("private", "mmp_trigger", None),
    "ws_ob_l1": ("public", "quote", "BTCUSD"),
    "ws_ob_l2": ("public", "book", "BTCUSD"),
    "ws_ob_updates_error": ("public", "error", "BTCUSD"),
    "ws_ob_updates_snapshot": ("public", "book", "BTCUSD"),
    "ws_ob_updates_update": ("public", "book", "BTCUSD"),
    "ws_orders": ("private", "order", "BTCUSD"),
    "ws_orders_cancel": ("private", "order", "BTCUSD"),
    "ws_orders_create": ("private", "order", "BTCUSD"),
    "ws_orders_snapshot": ("private", "order", "BTCUSD"),
    "ws_pong": ("public", "pong", None),
    "ws_portfolio_margins": ("private", "margin", None),
    "ws_positions": ("private", "position", "BTCUSD"),
    "ws_positions_snapshot": ("private", "position", None),
    "ws_product_updates": ("private", "other", None),
    "ws_spot_30mtwap_price": ("private", "spot_price", ".DEXBTUSD"),
    "ws_spot_price": ("public", "spot_price", ".DEXBTUSD"),
    "ws_spot_price_legacy": ("private", "spot_price", ".DEXBTUSD"),
    "ws_subscriptions_error": ("public", "subscriptions", None),
    "ws_subscriptions_response": ("public", "subscriptions", None),
    "ws_system_status": ("public", "system_status", None),
    "ws_ticker": ("public", "ticker", "BTCUSD"),
    "ws_ticker_option": ("public", "ticker", "C-BTC-70000-290526"),
    "ws_trades": ("public", "trade", "BTCUSD"),
    "ws_user_trades": ("private", "fill", "BTCUSD"),
    "ws_v2_spot_price": ("private", "spot_price", ".DEXBTUSD"),
    "ws_v2_ticker": ("private", "ticker", "BTCUSD"),
    "ws_v2_ticker_option": ("private", "ticker", "C-BTC-70000-290526"),
    "ws_v2_user_trades": ("private", "fill", "BTCUSD"),
}
# Client requests: not frames a server sends, so the decoder refuses them on both endpoints.
CLIENT_REQUESTS = [
    "ws_auth_legacy_request",
    "ws_disable_heartbeat",
    "ws_enable_heartbeat",
    "ws_key_auth_request",
    "ws_ping",
    "ws_subscribe_request",
    "ws_unauth_request",
    "ws_unsubscribe_request",
]


def fixture_text(name: str) -> str:
    return (FIXTURES / f"{name}.json").read_text()


def fixture_json(name: str) -> dict[str, Any]:
    return json.loads(fixture_text(name))


def assert_no_secret(secret: str, *texts: object) -> None:
    for text in texts:
        assert secret not in str(text)


# ---------------------------------------------------------------------------------------------------------------
# Module surface


def test_constants() -> None:
    assert _native.FIXED_SCALAR == SCALAR
    kinds = [
        _native.KIND_BOOK,
        _native.KIND_QUOTE,
        _native.KIND_TRADE,
        _native.KIND_MARK_PRICE,
        _native.KIND_INDEX_PRICE,
        _native.KIND_FUNDING,
        _native.KIND_BAR,
        _native.KIND_STATUS,
        _native.KIND_LIFECYCLE,
        _native.KIND_PRIVATE,
        _native.KIND_BOOK_DEPTH,
    ]
    assert kinds == list(range(11))


def test_error_hierarchy() -> None:
    assert issubclass(_native.DeltaError, Exception)
    for cls in (_native.DeltaApiError, _native.DeltaRiskError, _native.DeltaDecodeError):
        assert issubclass(cls, _native.DeltaError)
    assert issubclass(_native.DeltaRateLimitError, _native.DeltaApiError)
    assert issubclass(_native.DeltaAuthError, _native.DeltaApiError)


# ---------------------------------------------------------------------------------------------------------------
# decode_message


def test_every_ws_fixture_is_classified() -> None:
    names = {p.stem for p in FIXTURES.glob("ws_*.json")}
    assert names == set(SERVER_FRAMES) | set(CLIENT_REQUESTS)


@pytest.mark.parametrize("name", sorted(SERVER_FRAMES))
def test_decode_server_frame(name: str) -> None:
    endpoint, kind, symbol = SERVER_FRAMES[name]
    raw = fixture_json(name)
    for text in (fixture_text(name), fixture_text(name).encode()):
        decoded = _native.decode_message(text, endpoint)
        assert decoded["kind"] == kind
        assert decoded["channel"] == raw.get("type", "mmp_trigger")
        assert decoded.get("symbol") == symbol
        for value in decoded.values():
            assert not isinstance(value, float), f"{name}: floats must arrive as exact text"


def test_decode_book_values() -> None:
    raw = fixture_json("ws_ob_updates_update")
    decoded = _native.decode_message(fixture_text("ws_ob_updates_update"))
    assert decoded["action"] == "update"
    assert decoded["bids"] == raw["b"]
    assert decoded["asks"] == raw["a"]
    assert decoded["seq"] == raw["seq"] and isinstance(decoded["seq"], int)
    assert decoded["cs"] == raw["cs"] and isinstance(decoded["cs"], int)
    assert decoded["timestamp_us"] == raw["ts"]
    snapshot = _native.decode_message(fixture_text("ws_ob_updates_snapshot"))
    assert snapshot["action"] == "snapshot"
    assert snapshot["asks"][0] == ["68453.0", "1432"]
    error = _native.decode_message(fixture_text("ws_ob_updates_error"))
    assert error["action"] == "error"
    assert "resubscribe" in error["message"]


def depth_levels(levels: list[list[str]], price_precision: int, size_precision: int) -> list[tuple[int, int]]:
    """Wire ``[[price, size], ...]`` as the raws a registered symbol's tuples carry."""
    return [(_native.decimal_to_raw(p, price_precision), _native.decimal_to_raw(s, size_precision)) for p, s in levels]


def test_book_depth_tuples_from_snapshot_channels() -> None:
    """`ob_l2` and legacy `l2_orderbook` become KIND_BOOK_DEPTH: bids and asks best first, rounded, ts in ns."""
    ob_l2 = fixture_json("ws_ob_l2")
    public = _native.FrameDecoder("public")
    public.set_instrument("BTCUSD", 1, 0)
    (item,) = public.decode([fixture_text("ws_ob_l2")], 77)
    assert item == (
        _native.KIND_BOOK_DEPTH,
        "BTCUSD",
        depth_levels(ob_l2["b"], 1, 0),
        depth_levels(ob_l2["a"], 1, 0),
        ob_l2["ts"] * 1000,
        77,
    )
    assert item[2][0] == (684525 * SCALAR // 10, 2210 * SCALAR)
    assert item[3][0] == (684530 * SCALAR // 10, 1432 * SCALAR)

    coarse = _native.FrameDecoder("public")
    coarse.set_instrument("BTCUSD", 0, 0)
    (rounded,) = coarse.decode([fixture_text("ws_ob_l2")], 1)
    assert rounded[2][0][0] == 68453 * SCALAR, "68452.5 rounds half away from zero"
    assert rounded[2] == depth_levels(ob_l2["b"], 0, 0)

    legacy = fixture_json("ws_l2_orderbook")
    private = _native.FrameDecoder("private")
    private.set_instrument("BTCUSD", 1, 0)
    (item,) = private.decode([fixture_text("ws_l2_orderbook")], 5)
    assert item[:2] == (_native.KIND_BOOK_DEPTH, "BTCUSD")
    bids = [[level["limit_price"], str(level["size"])] for level in legacy["buy"]]
    asks = [[level["limit_price"], str(level["size"])] for level in legacy["sell"]]
    assert item[2:] == (depth_levels(bids, 1, 0), depth_levels(asks, 1, 0), legacy["timestamp"] * 1000, 5)

    (incremental,) = public.decode([fixture_text("ws_ob_updates_snapshot")], 9)
    assert incremental[0] == _native.KIND_BOOK, "the incremental channels keep KIND_BOOK"


def test_decode_market_values() -> None:
    trade = _native.decode_message(fixture_text("ws_trades"))
    assert (trade["price"], trade["size"], trade["buyer_role"]) == ("68453.5", "40.0", "taker")
    assert trade["trade_time_us"] == 1779962402331207
    candle = _native.decode_message(fixture_text("ws_candlestick"))
    assert (candle["open"], candle["high"], candle["low"], candle["close"]) == (
        "68430.0",
        "68461.0",
        "68425.5",
        "68452.5",
    )
    assert (candle["volume"], candle["resolution"], candle["candle_start_us"]) == ("11004.0", "1m", None)
    legacy = _native.decode_message(fixture_text("ws_candlestick_legacy"), "private")
    assert legacy["candle_start_us"] == fixture_json("ws_candlestick_legacy")["candle_start_time"]
    funding = _native.decode_message(fixture_text("ws_funding_rate"))
    assert (funding["rate"], funding["next_funding_us"], funding["interval_s"]) == ("0.0034", 1779984000000000, 28800)
    mark = _native.decode_message(fixture_text("ws_mark_price"))
    assert mark["price"] == "68451.83214521"
    quote = _native.decode_message(fixture_text("ws_ob_l1"))
    assert (quote["bid_price"], quote["bid_size"], quote["ask_price"], quote["ask_size"]) == (
        "68452.5",
        "2210",
        "68453.0",
        "1432",
    )
    status = _native.decode_message(fixture_text("ws_system_status"))
    assert (status["status"], status["event"]) == ("live", "maintenance_scheduled")
    subs = _native.decode_message(fixture_text("ws_subscriptions_error"))
    assert any(channel["error"] for channel in subs["channels"])
    auth = _native.decode_message(fixture_text("ws_key_auth_error_invalid_signature"), "private")
    assert auth["success"] is False
    ticker = _native.decode_message(fixture_text("ws_ticker"))
    assert ticker["d"][0]["ohlc"] == ["67895.0", "69120.0", "67605.5", "68452.5"]


def test_decode_private_values() -> None:
    order = _native.decode_message(fixture_text("ws_orders"), "private")
    assert order["order_id"] == 884213557
    assert (order["limit_price"], order["side"], order["state"], order["seq_no"]) == ("68000", "buy", "open", 8)


@pytest.mark.parametrize("name", CLIENT_REQUESTS)
def test_client_requests_are_not_server_frames(name: str) -> None:
    for endpoint in ("public", "private"):
        with pytest.raises(_native.DeltaDecodeError):
            _native.decode_message(fixture_text(name), endpoint)


@pytest.mark.parametrize(
    ("frame", "needle"),
    [
        ('{"type":"trades","sy":"BTCUSD","p":"1"', "trades"),
        ('{"type":"trades","sy":"BTCUSD","p":"abc","s":1,"r":"t","t":1}', "trades"),
        ('{"type":"ob_updates","action":"update","sy":"BTCUSD","a":[["x","1"]],"b":[],"seq":1}', "ob_updates"),
        ('{"type":"no_such_channel"}', "no_such_channel"),
        ("not json", "not json"),
    ],
)
def test_decode_malformed_frames(frame: str, needle: str) -> None:
    with pytest.raises(_native.DeltaDecodeError) as info:
        _native.decode_message(frame)
    assert needle in str(info.value)


def test_decode_error_names_channel_and_excerpt() -> None:
    frame = '{"type":"mark_price","sy":"MARK:BTCUSD","ts":1}'
    with pytest.raises(_native.DeltaDecodeError) as info:
        _native.decode_message(frame)
    message = str(info.value)
    assert "mark_price" in message
    assert "MARK:BTCUSD" in message  # the excerpt


def test_decode_endpoint_validation() -> None:
    with pytest.raises(ValueError, match="public"):
        _native.decode_message(fixture_text("ws_trades"), "legacy")


# ---------------------------------------------------------------------------------------------------------------
# resolve_urls


@pytest.mark.parametrize(
    ("environment", "http", "ws_public", "ws_private"),
    [
        (
            "india",
            "https://api.india.delta.exchange",
            "wss://public-socket.india.delta.exchange",
            "wss://socket.india.delta.exchange",
        ),
        (
            "india-testnet",
            "https://cdn-ind.testnet.deltaex.org",
            "wss://socket-ind-pub.testnet.deltaex.org",
            "wss://socket-ind.testnet.deltaex.org",
        ),
    ],
)
def test_resolve_urls_known(environment: str, http: str, ws_public: str, ws_private: str) -> None:
    assert _native.resolve_urls(environment) == {"http": http, "ws_public": ws_public, "ws_private": ws_private}


def test_resolve_urls_every_environment() -> None:
    for environment in ("india", "global", "india-testnet", "global-testnet"):
        urls = _native.resolve_urls(environment)
        assert urls["http"].startswith("https://")
        assert urls["ws_public"].startswith("wss://") and urls["ws_private"].startswith("wss://")


def test_resolve_urls_local_and_overrides() -> None:
    local = _native.resolve_urls("local", "http://127.0.0.1:9000/")
    assert local == {
        "http": "http://127.0.0.1:9000",
        "ws_public": "ws://127.0.0.1:9000/public/ws",
        "ws_private": "ws://127.0.0.1:9000/ws",
    }
    custom = _native.resolve_urls("india", None, "ws://127.0.0.1:1/p", "ws://127.0.0.1:1/q")
    assert (custom["ws_public"], custom["ws_private"]) == ("ws://127.0.0.1:1/p", "ws://127.0.0.1:1/q")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("mars",), "unknown environment"),
        (("local",), "base_url_http"),
        (("india", "ftp://x"), "http://"),
        (("india", None, "http://127.0.0.1:1"), "ws://"),
    ],
)
def test_resolve_urls_errors(args: tuple[Any, ...], needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        _native.resolve_urls(*args)


# ---------------------------------------------------------------------------------------------------------------
# decimal_to_raw


@pytest.mark.parametrize(
    ("text", "precision", "expected"),
    [
        ("68453.5", 1, 684535 * 10**15),
        ("68453.55", 1, 684536 * 10**15),
        ("-68453.55", 1, -684536 * 10**15),
        ("68453.549", 2, 6845355 * 10**14),
        ("0.0000000000000001", 16, 1),
        ("0.00000000000000005", 16, 1),
        ("12345678901234.1234567890123456", 16, 123456789012341234567890123456),
        ("1e-5", 8, 10**11),
        ("40", 0, 40 * SCALAR),
        ("0.5", 0, SCALAR),
        ("-0.5", 0, -SCALAR),
        ("0.4", 0, 0),
    ],
)
def test_decimal_to_raw(text: str, precision: int, expected: int) -> None:
    assert _native.decimal_to_raw(text, precision) == expected


def test_decimal_to_raw_matches_python_decimal() -> None:
    for text in ("68451.83214521", "0.0034", "129544512.6105", "1.23456789"):
        for precision in range(9):
            expected = int(
                (Decimal(text).quantize(Decimal(1).scaleb(-precision), rounding="ROUND_HALF_UP") * SCALAR).to_integral()
            )
            assert _native.decimal_to_raw(text, precision) == expected


@pytest.mark.parametrize(("text", "precision"), [("abc", 2), ("", 2), ("1.2.3", 2), ("1", 17), ("1e40", 2)])
def test_decimal_to_raw_errors(text: str, precision: int) -> None:
    with pytest.raises(ValueError):
        _native.decimal_to_raw(text, precision)


# ---------------------------------------------------------------------------------------------------------------
# HttpClient against the sim


def run(awaitable: Coroutine[Any, Any, Any] | Callable[[], Awaitable[Any]]) -> Any:
    """Run a coroutine, or a native call (its awaitable needs a running loop when created), to completion."""

    async def main() -> Any:
        return await (awaitable() if callable(awaitable) else awaitable)

    return asyncio.run(main())


def test_http_market_reads(sim: DeltaSim) -> None:
    client = _native.HttpClient(sim.rest_url)
    assert client.base_url == sim.rest_url.rstrip("/")
    assert client.has_credentials is False

    async def scenario() -> None:
        products = await client.products()
        assert len(products) == 23
        by_symbol = {p["symbol"]: p for p in products}
        assert by_symbol["BTCUSD"]["id"] == 27 and by_symbol["ETHUSD"]["id"] == 3136
        assert isinstance(by_symbol["BTCUSD"]["tick_size"], str)
        perpetuals = await client.products(contract_types=["perpetual_futures"])
        assert {p["symbol"] for p in perpetuals} >= {"BTCUSD", "ETHUSD"}
        assert all(p["contract_type"] == "perpetual_futures" for p in perpetuals)
        product = await client.product("BTCUSD")
        assert product["id"] == 27
        book = await client.orderbook("BTCUSD", 5)
        assert 0 < len(book["buy"]) <= 5 and 0 < len(book["sell"]) <= 5
        assert Decimal(book["buy"][0]["price"]) < Decimal(book["sell"][0]["price"])
        tickers = await client.tickers()
        assert "BTCUSD" in {t["symbol"] for t in tickers}
        ticker = await client.ticker("BTCUSD")
        assert ticker["symbol"] == "BTCUSD"
        trades = await client.public_trades("BTCUSD")
        assert isinstance(trades, list)
        with pytest.raises(_native.DeltaApiError) as info:
            await client.product("NOPE")
        assert info.value.status == 404 or info.value.code

    run(scenario())


def test_http_candles_page_past_the_cap(sim: DeltaSim) -> None:
    client = _native.HttpClient(sim.rest_url)
    now = int(time.time())
    end = now - now % 60 - 60
    start = end - 60 * 4500

    async def scenario() -> list[dict[str, Any]]:
        return await client.candles("BTCUSD", "1m", start, end)

    candles = run(scenario())
    times = [c["time"] for c in candles]
    assert len(candles) > 2000
    assert times == sorted(times) and len(set(times)) == len(times)
    assert times[0] >= start and times[-1] <= end
    assert all(isinstance(c["close"], str) for c in candles)
    with pytest.raises(ValueError, match="resolution"):
        run(lambda: client.candles("BTCUSD", "7m", start, end))


def test_http_account_reads(sim: DeltaSim) -> None:
    client = _native.HttpClient(sim.rest_url, sim.api_key, sim.api_secret)
    assert client.has_credentials is True

    async def scenario() -> None:
        wallet = await client.wallet_balances()
        assert {"balances", "meta"} <= set(wallet)
        assert any(b["asset_symbol"] == "USD" or b["asset_symbol"] == "BTC" for b in wallet["balances"])
        assert await client.open_orders() == []
        assert await client.open_orders(product_ids=[27]) == []
        assert isinstance(await client.positions(), list)
        assert isinstance(await client.fills(product_ids=[27], start_us=0), list)

    run(scenario())
    status = client.rate_limit_status()
    assert status["quota"] > 0 and status["units_used"] > 0 and 0 <= status["remaining"] <= status["quota"]


def test_http_private_without_credentials_is_value_error(sim: DeltaSim) -> None:
    client = _native.HttpClient(sim.rest_url)
    with pytest.raises(ValueError, match=r"credentials|API key"):
        run(client.wallet_balances)


def test_http_bad_secret_is_auth_error_without_secret(sim: DeltaSim) -> None:
    secret = "wrong-secret-0123456789abcdef"
    client = _native.HttpClient(sim.rest_url, sim.api_key, secret)
    with pytest.raises(_native.DeltaAuthError) as info:
        run(client.wallet_balances)
    error = info.value
    assert error.status == 401 and error.code and error.endpoint == "GET /v2/wallet/balances"
    assert_no_secret(secret, error, repr(error), error.args, error.context, repr(client))
    assert_no_secret(sim.api_secret, repr(_native.HttpClient(sim.rest_url, sim.api_key, sim.api_secret)))


def test_http_rate_limit(sim: DeltaSim) -> None:
    strict = _native.HttpClient(sim.rest_url, max_retries=0)
    sim.set_faults(force_429=3)
    with pytest.raises(_native.DeltaRateLimitError) as info:
        run(lambda: strict.product("BTCUSD"))
    error = info.value
    assert (error.code, error.status) == ("rate_limited", 429)
    assert error.retry_after_secs >= 0
    assert isinstance(error, _native.DeltaApiError)
    sim.set_faults(force_429=0)


def test_http_rate_limit_recovery_or_error(sim: DeltaSim) -> None:
    client = _native.HttpClient(sim.rest_url, max_retries=3)
    sim.set_faults(force_429=1)
    try:
        product = run(lambda: client.product("BTCUSD"))
    except _native.DeltaRateLimitError as error:
        assert error.code == "rate_limited"
    else:
        assert product["symbol"] == "BTCUSD"


def test_http_transport_error_names_endpoint() -> None:
    client = _native.HttpClient("http://127.0.0.1:9", max_retries=0, timeout_secs=2.0)
    with pytest.raises(_native.DeltaError) as info:
        run(lambda: client.product("BTCUSD"))
    assert "/v2/products/BTCUSD" in str(info.value)


def test_http_config_errors() -> None:
    with pytest.raises(ValueError):
        _native.HttpClient("ftp://127.0.0.1")
    with pytest.raises(ValueError, match="both"):
        _native.HttpClient("http://127.0.0.1:1", api_key="k")
    with pytest.raises(ValueError):
        _native.HttpClient("http://127.0.0.1:1", timeout_secs=0)


# ---------------------------------------------------------------------------------------------------------------
# WsClient against the sim


class Collector:
    """Receives batches on the loop and remembers the thread each arrived on."""

    def __init__(self) -> None:
        self.items: list[tuple[Any, ...]] = []
        self.batches = 0
        self.threads: set[int] = set()

    def __call__(self, batch: list[tuple[Any, ...]]) -> None:
        self.threads.add(threading.get_ident())
        self.batches += 1
        self.items.extend(batch)

    def of(self, kind: int) -> list[tuple[Any, ...]]:
        return [item for item in self.items if item[0] == kind]

    def lifecycle(self, name: str) -> list[dict[str, Any]]:
        return [item[2] for item in self.of(_native.KIND_LIFECYCLE) if item[1] == name]


async def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met before the deadline")
        await asyncio.sleep(0.05)


def check_book_stream(books: list[tuple[Any, ...]]) -> None:
    first = books[0]
    assert first[2] is True, "the first book message of a symbol is a snapshot"
    sides = [level[0] for level in first[3]]
    assert sides == sorted(sides) and set(sides) == {1, 2}, "bids (1) first, then asks (2)"
    assert all(level[1] == 1 for level in first[3]), "snapshot levels are ADD"
    previous = first[4]
    for book in books[1:]:
        assert book[2] is False
        assert book[4] == previous + 1, "update sequences follow on"
        previous = book[4]
        for _side, action, _price, size in book[3]:
            assert action == (3 if size == 0 else 2)
        assert book[5] > 0 and book[6] > 0


def test_ws_public_stream(busy_sim: DeltaSim) -> None:
    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        collector = Collector()
        ws = _native.WsClient(busy_sim.public_ws_url, "public")
        ws.set_instrument("BTCUSD", 1, 0)
        ws.subscribe("ob_updates", ["BTCUSD"])  # before connect: sent on connect
        ws.connect(loop, collector)
        for channel, symbols in [
            ("trades", ["BTCUSD"]),
            ("ob_l1", ["BTCUSD"]),
            ("mark_price", ["MARK:BTCUSD"]),
            ("funding_rate", ["BTCUSD"]),
            ("spot_price", [".DEXBTUSD"]),
            ("system_status", []),
            ("candlestick_1m", ["BTCUSD"]),
        ]:
            ws.subscribe(channel, symbols)
        kinds = [
            _native.KIND_BOOK,
            _native.KIND_QUOTE,
            _native.KIND_TRADE,
            _native.KIND_MARK_PRICE,
            _native.KIND_INDEX_PRICE,
            _native.KIND_FUNDING,
            _native.KIND_STATUS,
        ]
        await wait_for(lambda: all(collector.of(k) for k in kinds) and len(collector.of(_native.KIND_BOOK)) > 20)
        # A bar closes at the next minute boundary.
        await wait_for(lambda: bool(collector.of(_native.KIND_BAR)), timeout=75.0)
        await ws.close()
        await ws.close()  # idempotent

        assert collector.threads == {threading.get_ident()}, "batches arrive on the loop thread"
        assert collector.lifecycle("connected")
        check_book_stream([b for b in collector.of(_native.KIND_BOOK) if b[1] == "BTCUSD"])
        for book in collector.of(_native.KIND_BOOK):
            for _side, _action, price, size in book[3]:
                assert price % 10**15 == 0 and size % SCALAR == 0, "rounded to the registered precisions"
        for quote in collector.of(_native.KIND_QUOTE):
            _, symbol, bid, ask, bid_size, ask_size, ts_event, ts_init = quote
            assert symbol == "BTCUSD" and bid is not None and ask is not None and bid < ask
            assert bid % 10**15 == 0 and bid_size % SCALAR == 0 and ask_size > 0 and ts_event > 0 and ts_init > 0
        trades = collector.of(_native.KIND_TRADE)
        ids = [t[5] for t in trades]
        assert len(set(ids)) == len(ids) and all(len(i) <= 36 for i in ids)
        for _, symbol, price, size, aggressor, trade_id, ts_event, _ts_init in trades:
            assert symbol == "BTCUSD" and price > 0 and size > 0 and aggressor in (1, 2)
            ts_us, n = trade_id.split("-")
            assert int(ts_us) * 1000 == ts_event and int(n) >= 0
        mark = collector.of(_native.KIND_MARK_PRICE)[0]
        assert mark[1] == "BTCUSD" and mark[2] % 10**15 == 0
        index = collector.of(_native.KIND_INDEX_PRICE)[0]
        assert index[1] == ".DEXBTUSD" and index[2] > 0
        funding = collector.of(_native.KIND_FUNDING)[0]
        assert funding[1] == "BTCUSD" and abs(Decimal(funding[2])) < Decimal("0.01") and funding[3] is not None
        status = collector.of(_native.KIND_STATUS)[0]
        assert status[1] == "live"
        bar = collector.of(_native.KIND_BAR)[0]
        _, symbol, resolution, o, h, low, c, volume, start_ns, close_ns, _ts_init = bar
        assert (symbol, resolution) == ("BTCUSD", "1m")
        assert start_ns % MINUTE_NS == 0 and close_ns == start_ns + MINUTE_NS
        assert low <= min(o, c) <= max(o, c) <= h and volume >= 0
        assert all(v % 10**15 == 0 for v in (o, h, low, c))

        stats = ws.stats()
        assert stats["batches"] == collector.batches
        assert stats["events_delivered"] == len(collector.items)
        assert 1 <= stats["max_batch_size"] <= 4096
        assert stats["callback_errors"] == 0
        assert stats["frames"] > 0 and stats["bytes"] > 0 and stats["decode_errors"] == {}

    run(scenario())


def test_ws_ob_l2_next_to_ob_updates(sim: DeltaSim) -> None:
    """One symbol on `ob_l2` and `ob_updates` at once: two tuple kinds, never mixed; `ob_l2` equals the sim's top."""

    async def scenario() -> None:
        collector = Collector()
        ws = _native.WsClient(sim.public_ws_url)
        ws.set_instrument("BTCUSD", 1, 0)
        ws.subscribe("ob_updates", ["BTCUSD"])
        ws.subscribe("ob_l2", ["BTCUSD"])
        ws.connect(asyncio.get_running_loop(), collector)
        await wait_for(
            lambda: len(collector.of(_native.KIND_BOOK_DEPTH)) >= 3 and len(collector.of(_native.KIND_BOOK)) >= 5
        )
        sim.set_faults(pause_market=True)

        def latest_is_sims_top() -> bool:
            truth = sim.book("BTCUSD")
            expected = (depth_levels(truth["b"][:15], 1, 0), depth_levels(truth["a"][:15], 1, 0))
            return collector.of(_native.KIND_BOOK_DEPTH)[-1][2:4] == expected

        await wait_for(latest_is_sims_top)
        await ws.close()

        check_book_stream(collector.of(_native.KIND_BOOK))
        for _, symbol, bids, asks, ts_event, ts_init in collector.of(_native.KIND_BOOK_DEPTH):
            assert symbol == "BTCUSD" and ts_event > 0 and ts_init > 0
            assert 0 < len(bids) <= 15 and 0 < len(asks) <= 15
            bid_prices = [price for price, _ in bids]
            ask_prices = [price for price, _ in asks]
            assert bid_prices == sorted(bid_prices, reverse=True) and ask_prices == sorted(ask_prices)
            assert bid_prices[0] < ask_prices[0]
            assert all(price % 10**15 == 0 and size % SCALAR == 0 and size > 0 for price, size in bids + asks)

    run(scenario())


def test_ws_gap_then_resync(sim: DeltaSim) -> None:
    async def scenario() -> None:
        collector = Collector()
        ws = _native.WsClient(sim.public_ws_url)
        ws.connect(asyncio.get_running_loop(), collector)
        ws.subscribe("ob_updates", ["BTCUSD"])
        await wait_for(lambda: len(collector.of(_native.KIND_BOOK)) >= 3)
        sim.set_faults(skip_seq=1)
        await wait_for(lambda: bool(collector.lifecycle("resynced")))
        gap_at = next(
            i for i, item in enumerate(collector.items) if item[0] == _native.KIND_LIFECYCLE and item[1] == "gap"
        )
        await wait_for(lambda: any(item[0] == _native.KIND_BOOK for item in collector.items[gap_at:]))
        await ws.close()
        gap = collector.lifecycle("gap")[0]
        assert (gap["channel"], gap["symbol"]) == ("ob_updates", "BTCUSD") and gap["reason"]
        first_after = next(item for item in collector.items[gap_at:] if item[0] == _native.KIND_BOOK)
        assert first_after[2] is True, "after a gap the next book message is a snapshot"
        stats = ws.stats()
        assert stats["gaps"] >= 1 and stats["resyncs"] >= 1

    run(scenario())


def test_ws_unsubscribe_stops_a_channel(sim: DeltaSim) -> None:
    async def scenario() -> None:
        collector = Collector()
        ws = _native.WsClient(sim.public_ws_url)
        ws.connect(asyncio.get_running_loop(), collector)
        ws.subscribe("ob_l1", ["BTCUSD"])
        ws.subscribe("mark_price", ["MARK:BTCUSD"])
        await wait_for(lambda: bool(collector.of(_native.KIND_QUOTE)))
        ws.unsubscribe("ob_l1", ["BTCUSD"])
        # Once two mark prices arrived after a marker, no quote may follow the last of them.
        await asyncio.sleep(0)
        marker = len(collector.items)
        await wait_for(lambda: len([i for i in collector.items[marker:] if i[0] == _native.KIND_MARK_PRICE]) >= 2)
        settled = len(collector.items)
        await wait_for(lambda: len([i for i in collector.items[settled:] if i[0] == _native.KIND_MARK_PRICE]) >= 2)
        await ws.close()
        assert not [i for i in collector.items[settled:] if i[0] == _native.KIND_QUOTE]

    run(scenario())


def test_ws_raising_callback_is_counted(sim: DeltaSim) -> None:
    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        handled: list[dict[str, Any]] = []
        loop.set_exception_handler(lambda _loop, context: handled.append(context))
        calls: list[int] = []

        def callback(batch: list[tuple[Any, ...]]) -> None:
            calls.append(len(batch))
            if len(calls) <= 2:
                raise RuntimeError("boom")

        ws = _native.WsClient(sim.public_ws_url)
        ws.connect(loop, callback)
        ws.subscribe("ob_l1", ["BTCUSD"])
        await wait_for(lambda: len(calls) >= 5)
        await ws.close()
        assert ws.stats()["callback_errors"] == 2
        assert len(handled) == 2 and isinstance(handled[0]["exception"], RuntimeError)

    run(scenario())


def test_ws_private_auth_and_secret_hygiene(sim: DeltaSim) -> None:
    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        good = Collector()
        ws = _native.WsClient(sim.ws_url, "private", sim.api_key, sim.api_secret)
        assert_no_secret(sim.api_secret, repr(ws))
        ws.connect(loop, good)
        await wait_for(lambda: bool(good.lifecycle("authenticated")))
        await ws.close()

        secret = "not-the-secret-0123456789"
        bad = Collector()
        wrong = _native.WsClient(sim.ws_url, "private", sim.api_key, secret)
        wrong.connect(loop, bad)
        await wait_for(lambda: bool(bad.lifecycle("auth_failed")))
        await wrong.close()
        assert_no_secret(secret, repr(wrong), bad.items, wrong.stats())
        assert_no_secret(sim.api_secret, good.items)

    run(scenario())


def test_ws_config_errors() -> None:
    with pytest.raises(ValueError, match="ws://"):
        _native.WsClient("http://127.0.0.1:1")
    with pytest.raises(ValueError, match="public"):
        _native.WsClient("ws://127.0.0.1:1", "legacy")
    with pytest.raises(ValueError, match="key-auth"):
        _native.WsClient("ws://127.0.0.1:1", "public", "k", "s")
    with pytest.raises(ValueError):
        _native.WsClient("ws://127.0.0.1:1").set_instrument("BTCUSD", 17, 0)


def test_ws_close_before_connect_and_reuse() -> None:
    async def scenario() -> None:
        ws = _native.WsClient("ws://127.0.0.1:9/public/ws")
        await ws.close()
        await ws.close()
        with pytest.raises(_native.DeltaError):
            ws.connect(asyncio.get_running_loop(), lambda batch: None)

    run(scenario())
