"""
``_native.FrameDecoder``: raw frames decode to exactly the tuples the socket client delivers.

The comparison serves the same frames to a ``WsClient`` from a minimal WebSocket server on 127.0.0.1 (the
sim cannot replay chosen frames) and to a ``FrameDecoder``; everything but ``ts_init`` (the local receive time)
must be equal, in order.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import struct
import time
from pathlib import Path

import pytest

from delta_exchange import _native

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "delta-api"
_WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def fixture(name: str, **changes: object) -> str:
    """A fixture frame as compact JSON text, with top-level fields replaced by ``changes``."""
    message = json.loads((FIXTURES / f"{name}.json").read_text())
    message.update(changes)
    return json.dumps(message, separators=(",", ":"))


def stream() -> list[str]:
    """Frames covering every public tuple kind, a gap and its resync, and a malformed frame."""
    minute = 60_000_000
    candle_ts = json.loads((FIXTURES / "ws_candlestick.json").read_text())["ts"]
    return [
        fixture("ws_ob_updates_snapshot"),
        fixture("ws_ob_updates_update"),
        fixture("ws_ob_updates_update"),  # repeated seq: a gap, nothing emitted for the book
        fixture("ws_ob_updates_snapshot"),  # resynced
        fixture("ws_ob_l1"),
        fixture("ws_ob_l2"),
        fixture("ws_trades"),
        fixture("ws_trades"),  # same µs: the next trade id
        fixture("ws_mark_price"),
        fixture("ws_spot_price"),
        fixture("ws_funding_rate"),
        fixture("ws_candlestick"),
        fixture("ws_candlestick", ts=candle_ts + minute),  # closes the first bar
        fixture("ws_ticker"),
        fixture("ws_system_status"),
        '{"type":"trades","sy":"BTCUSD","p":"not a number"}',
    ]


def register(target: _native.WsClient | _native.FrameDecoder) -> None:
    target.set_instrument("BTCUSD", 1, 0)
    target.set_instrument(".DEXBTUSD", 4, 0)


def _frame_header(length: int) -> bytes:
    if length < 126:
        return bytes((0x81, length))
    if length < 1 << 16:
        return bytes((0x81, 126)) + struct.pack(">H", length)
    return bytes((0x81, 127)) + struct.pack(">Q", length)


async def serve_frames(frames: list[str]) -> tuple[asyncio.Server, str]:
    """A WebSocket server on 127.0.0.1 that sends ``frames`` as text to each client and ignores what it reads."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.readuntil(b"\r\n\r\n")
        key = next(
            line.split(b":", 1)[1].strip()
            for line in request.split(b"\r\n")
            if line.lower().startswith(b"sec-websocket-key:")
        )
        accept = base64.b64encode(hashlib.sha1(key + _WS_GUID.encode()).digest())  # RFC 6455 handshake
        writer.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n",
        )
        for frame in frames:
            payload = frame.encode()
            writer.write(_frame_header(len(payload)) + payload)
        await writer.drain()
        while await reader.read(4096):
            pass
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"ws://127.0.0.1:{port}/socket"


async def socket_tuples(frames: list[str], expected: int) -> list[tuple]:
    """The non-connection tuples a ``WsClient`` delivers for ``frames`` (waits for ``expected`` of them)."""
    server, url = await serve_frames(frames)
    received: list[tuple] = []
    client = _native.WsClient(url, "public")
    register(client)
    client.subscribe("ob_updates", ["BTCUSD"])
    client.connect(asyncio.get_running_loop(), received.extend)
    connection_events = ("connected", "disconnected", "reconnecting", "resubscribed")

    def data() -> list[tuple]:
        kind = _native.KIND_LIFECYCLE
        return [item for item in received if not (item[0] == kind and item[1] in connection_events)]

    deadline = time.monotonic() + 10.0
    while len(data()) < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    await client.close()
    server.close()
    await server.wait_closed()
    return data()


def without_ts_init(items: list[tuple]) -> list[tuple]:
    return [item[:-1] for item in items]


def test_tuples_equal_the_socket_clients() -> None:
    frames = stream()
    decoder = _native.FrameDecoder("public")
    register(decoder)
    decoded = decoder.decode(frames, 1_000)
    assert all(item[-1] == 1_000 for item in decoded)
    kinds = [item[0] for item in decoded]
    assert kinds.count(_native.KIND_BOOK) == 3
    assert kinds.count(_native.KIND_BOOK_DEPTH) == 1
    assert kinds.count(_native.KIND_BAR) == 1
    names = [item[1] for item in decoded if item[0] == _native.KIND_LIFECYCLE]
    assert names == ["gap", "resynced", "decode_error"]

    from_socket = asyncio.run(socket_tuples(frames, len(decoded)))
    assert without_ts_init(from_socket) == without_ts_init(decoded)


def test_malformed_frames_are_counted_and_the_stream_goes_on() -> None:
    decoder = _native.FrameDecoder()
    register(decoder)
    items = decoder.decode([b"\xff\xfe", "{bad", fixture("ws_trades").encode(), '{"type":"ob_l1","sy":1}'], 7)
    assert [item[1] if item[0] == _native.KIND_LIFECYCLE else "trade" for item in items] == [
        "decode_error",
        "decode_error",
        "trade",
        "decode_error",
    ]
    stats = decoder.stats()
    assert stats["frames"] == 4
    assert sum(stats["decode_errors"].values()) == 3
    assert stats["decode_errors"].get("ob_l1") == 1
    assert stats["events"] == 4
    assert items[2][2:4] == (684535000000000000000, 400000000000000000)


def test_book_checks_run_as_on_the_socket() -> None:
    decoder = _native.FrameDecoder()
    register(decoder)
    assert decoder.decode([fixture("ws_ob_updates_update")], 1)[0][1] == "gap"
    assert decoder.decode([fixture("ws_ob_updates_update")], 2) == []
    corrupted = fixture("ws_ob_updates_update", cs=1)
    snapshot = decoder.decode([fixture("ws_ob_updates_snapshot"), corrupted], 3)
    assert [item[1] for item in snapshot] == ["resynced", "BTCUSD", "gap"]
    assert decoder.stats()["gaps"] == 2


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="endpoint"):
        _native.FrameDecoder("nope")
    decoder = _native.FrameDecoder()
    with pytest.raises(ValueError, match="str or bytes"):
        decoder.decode([1], 0)
    with pytest.raises(ValueError, match="precisions"):
        decoder.set_instrument("BTCUSD", 17, 0)


def test_changed_precision_applies_to_the_next_message() -> None:
    """A `set_instrument` after data has flowed changes the rounding of the very next tuple of that symbol."""
    decoder = _native.FrameDecoder("public")
    frame = fixture("ws_ob_l1")
    decoder.set_instrument("BTCUSD", 1, 0)
    (first,) = decoder.decode([frame], 1)
    decoder.set_instrument("BTCUSD", 0, 0)
    (second,) = decoder.decode([frame], 2)
    scalar = _native.FIXED_SCALAR
    assert first[2:4] == (684525 * scalar // 10, 68453 * scalar)
    assert second[2:4] == (68453 * scalar, 68453 * scalar)


def test_funding_rate_is_delta_percent_as_a_fraction() -> None:
    """Delta's `fr` is percent per interval (0.0034 = 0.0034 %); Nautilus's rate is the fraction, exactly."""
    decoder = _native.FrameDecoder()
    register(decoder)
    frames = [fixture("ws_funding_rate"), fixture("ws_funding_rate", fr=-0.0125), fixture("ws_funding_rate", fr=2)]
    rates = [item[2] for item in decoder.decode(frames, 1) if item[0] == _native.KIND_FUNDING]
    assert rates == ["0.000034", "-0.000125", "0.02"]
