//! Deterministic fuzz-style test: arbitrary bytes, truncations, byte flips, field deletions and type swaps
//! of every `ws_*.json` fixture never make `decode` panic, on either endpoint.

use delta_core::parse::{decode, Endpoint};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/delta-api/");

/// xorshift64*: a fixed seed keeps every run identical.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<_> = std::fs::read_dir(DIR)
        .unwrap()
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.file_name().to_string_lossy().starts_with("ws_"))
        .map(|entry| (entry.file_name().to_string_lossy().into_owned(), std::fs::read(entry.path()).unwrap()))
        .collect();
    out.sort();
    assert!(out.len() > 50);
    out
}

/// Decodes on both endpoints; reaching the end without a panic is the assertion.
fn both(frame: &[u8]) -> usize {
    [Endpoint::Public, Endpoint::Private].into_iter().filter(|e| decode(*e, frame).is_ok()).count()
}

/// Compact JSON, the way the socket sends it.
fn compact(bytes: &[u8]) -> Vec<u8> {
    serde_json::to_vec(&serde_json::from_slice::<serde_json::Value>(bytes).unwrap()).unwrap()
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let alphabet = b"{}[]\",:0123456789.-eE truefalsnul\\abcxyz_";
    for _ in 0..20_000 {
        let len = rng.below(200);
        let frame: Vec<u8> = (0..len)
            .map(|_| if rng.below(4) == 0 { rng.next() as u8 } else { alphabet[rng.below(alphabet.len())] })
            .collect();
        both(&frame);
    }
}

#[test]
fn truncations_and_byte_flips_never_panic() {
    let mut rng = Rng(0x5EED_1234_ABCD_0002);
    for (name, raw) in fixtures() {
        for frame in [raw.clone(), compact(&raw)] {
            assert!(both(&frame) <= 2, "{name}");
            for end in 0..frame.len() {
                both(&frame[..end]);
            }
            for _ in 0..300 {
                let mut flipped = frame.clone();
                for _ in 0..=rng.below(3) {
                    let at = rng.below(flipped.len());
                    flipped[at] = match rng.below(3) {
                        0 => rng.next() as u8,
                        1 => b"\"{}[],:-.0e\\"[rng.below(12)],
                        _ => flipped[at] ^ (1 << rng.below(8)),
                    };
                }
                both(&flipped);
            }
        }
    }
}

/// Replacement values for type swaps: every JSON type, edge numbers, tricky strings.
const SWAPS: &[&str] = &[
    "null",
    "true",
    "-1",
    "1.5",
    "1e999",
    "-0.0000000000000000000000000000000000000001",
    "340282366920938463463374607431768211456",
    "\"\"",
    "\"x\"",
    "\"\\u0041\\\"\"",
    "\"-1\"",
    "[]",
    "[null]",
    "[[\"1\"]]",
    "[[1,2,3]]",
    "{}",
    "{\"a\":[{}]}",
];

/// Every path to a value inside `value` (object keys and array indices), depth-first.
fn paths(value: &serde_json::Value, prefix: &mut Vec<serde_json::Value>, out: &mut Vec<Vec<serde_json::Value>>) {
    let children: Vec<(serde_json::Value, &serde_json::Value)> = match value {
        serde_json::Value::Object(map) => map.iter().map(|(k, v)| (k.clone().into(), v)).collect(),
        serde_json::Value::Array(items) => items.iter().enumerate().map(|(i, v)| (i.into(), v)).collect(),
        _ => return,
    };
    for (key, child) in children {
        prefix.push(key);
        out.push(prefix.clone());
        paths(child, prefix, out);
        prefix.pop();
    }
}

/// Applies `edit` to the parent container of `path`'s last step.
fn edit_at(
    root: &mut serde_json::Value,
    path: &[serde_json::Value],
    edit: impl FnOnce(&mut serde_json::Value, &serde_json::Value),
) {
    let (last, parents) = path.split_last().unwrap();
    let mut node = root;
    for step in parents {
        node = match step {
            serde_json::Value::String(key) => node.get_mut(key.as_str()).unwrap(),
            serde_json::Value::Number(index) => node.get_mut(index.as_u64().unwrap() as usize).unwrap(),
            _ => unreachable!(),
        };
    }
    edit(node, last);
}

#[test]
fn field_deletions_and_type_swaps_never_panic() {
    for (name, raw) in fixtures() {
        let original: serde_json::Value = serde_json::from_slice(&raw).unwrap();
        let mut all = Vec::new();
        paths(&original, &mut Vec::new(), &mut all);
        for path in &all {
            let mut deleted = original.clone();
            edit_at(&mut deleted, path, |parent, last| match (parent, last) {
                (serde_json::Value::Object(map), serde_json::Value::String(key)) => {
                    map.remove(key);
                }
                (serde_json::Value::Array(items), serde_json::Value::Number(index)) => {
                    items.remove(index.as_u64().unwrap() as usize);
                }
                _ => unreachable!(),
            });
            both(&serde_json::to_vec(&deleted).unwrap());
            for swap in SWAPS {
                // Splice the replacement as raw text so numbers beyond f64 survive.
                let marker = "\"__SWAP__\"";
                let mut swapped = original.clone();
                edit_at(&mut swapped, path, |parent, last| match last {
                    serde_json::Value::String(key) => parent[key.as_str()] = marker.trim_matches('"').into(),
                    serde_json::Value::Number(index) => {
                        parent[index.as_u64().unwrap() as usize] = marker.trim_matches('"').into()
                    }
                    _ => unreachable!(),
                });
                let text = serde_json::to_string(&swapped).unwrap().replacen(marker, swap, 1);
                both(text.as_bytes());
            }
        }
        assert!(
            !all.is_empty() || name.contains("heartbeat") || name.contains("ping") || name.contains("pong"),
            "{name}"
        );
    }
}

/// The hot compact channels go through the scanner's fast paths (book levels read during the scan, SWAR
/// string and digit runs): every strict prefix of their frames, compact or pretty, must be an error, never a
/// shorter message decoded as if whole.
#[test]
fn truncated_hot_channel_frames_are_errors() {
    let hot = [
        "ws_ob_updates_update.json",
        "ws_ob_updates_snapshot.json",
        "ws_ob_l2.json",
        "ws_ob_l1.json",
        "ws_trades.json",
        "ws_ticker.json",
        "ws_ticker_option.json",
        "ws_mark_price.json",
        "ws_l2_updates_snapshot.json",
    ];
    for name in hot {
        let raw = std::fs::read(format!("{DIR}{name}")).unwrap();
        for frame in [raw.clone(), compact(&raw)] {
            let endpoint = if name.starts_with("ws_l2_") { Endpoint::Private } else { Endpoint::Public };
            assert!(decode(endpoint, &frame).is_ok(), "{name}");
            let content_end = frame.iter().rposition(|b| !b.is_ascii_whitespace()).unwrap() + 1;
            for end in 0..content_end {
                assert!(decode(endpoint, &frame[..end]).is_err(), "{name} cut at {end}");
            }
        }
    }
}
