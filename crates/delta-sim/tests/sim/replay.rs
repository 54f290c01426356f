//! `--replay`: a raw capture of delta-recorder goes out on the public socket byte for byte, in order, to the
//! matching subscriptions, at the recorded pace (or as fast as possible), with its progress in `/sim/stats`; an
//! unreadable capture is an error naming the path, before any URL is printed.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use delta_core::ws::{Endpoint, WsClient, WsConfig, WsEventKind};
use delta_recorder::files::FilePolicy;
use delta_recorder::raw::{read_capture, RawRecord, FRAME};
use delta_recorder::sink::Outputs;
use delta_recorder::{record, OutputFormat, RecorderConfig, Selection};
use delta_sim::replay::CONTROL_TYPES;
use delta_sim::{spawn, FaultsUpdate, SimConfig, SimError, SimHandle, StatsSnapshot};
use serde_json::Value;
use tokio::sync::oneshot;

/// Longest wait for the next replayed frame (the recorded pace has gaps of a few seconds at most).
const FRAME_WAIT: Duration = Duration::from_secs(15);

/// Public channels recorded from the live sim.
const CHANNELS: &[&str] =
    &["ob_updates", "trades", "ob_l1", "mark_price", "funding_rate", "spot_price", "candlestick_1m", "ticker"];

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("delta-sim-replay-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn policy() -> FilePolicy {
    FilePolicy { rotate_interval: Duration::from_secs(3600), rotate_bytes: 1 << 30, zstd_level: 3 }
}

/// Records the live sim's public channels for `seconds`, then pauses its market and stalls its sockets so that
/// every frame it counted as sent is in the capture.
async fn record_live(live: &SimHandle, out: &Path, seconds: f64) {
    let config = RecorderConfig {
        rest_url: live.rest_url(),
        public_ws_url: Some(live.public_ws_url()),
        private_ws_url: None,
        credentials: None,
        selection: Selection { symbols: vec!["BTCUSD".into(), "ETHUSD".into()], ..Selection::default() },
        channels: CHANNELS.iter().map(|c| (*c).to_owned()).collect(),
        out: out.to_path_buf(),
        format: OutputFormat::Raw,
        files: policy(),
        memory_budget: 8 << 20,
        queue_capacity: 4096,
        duration: None,
        status_interval: None,
        metrics_addr: None,
    };
    let (stop, stopped) = oneshot::channel::<()>();
    let recording = tokio::spawn(record(config, async move {
        let _ = stopped.await;
    }));
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
    live.faults().update(FaultsUpdate { pause_market: Some(true), ..FaultsUpdate::default() });
    tokio::time::sleep(Duration::from_millis(300)).await;
    live.faults().update(FaultsUpdate { stall: Some(true), ..FaultsUpdate::default() });
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.send(()).unwrap();
    recording.await.unwrap().unwrap();
}

fn frame_type(text: &str) -> String {
    serde_json::from_str::<Value>(text).ok().and_then(|v| v["type"].as_str().map(str::to_owned)).unwrap_or_default()
}

fn is_data(text: &str) -> bool {
    !CONTROL_TYPES.contains(&frame_type(text).as_str())
}

/// Replays the capture at `path` at `speed` into one delta-core client subscribing `subscriptions`; returns the
/// data frames it received (exactly `count`, and nothing more for a moment), the time from subscribing to the
/// last of them, and the sim's counters once the replay is done.
async fn replay(
    path: &Path,
    speed: f64,
    subscriptions: &[(String, Vec<String>)],
    count: usize,
) -> (Vec<String>, Duration, StatsSnapshot) {
    let config = SimConfig { replay: Some(path.to_path_buf()), replay_speed: speed, ..SimConfig::default() };
    let sim = spawn(config).await.unwrap();
    let mut ws = WsConfig::new(sim.public_ws_url(), Endpoint::Public);
    ws.capture_frames = true;
    let (client, mut events) = WsClient::connect(ws).unwrap();
    let started = Instant::now();
    for (channel, symbols) in subscriptions {
        let symbols: Vec<&str> = symbols.iter().map(String::as_str).collect();
        client.subscribe(channel, &symbols).unwrap();
    }
    let mut frames = Vec::new();
    let mut elapsed = Duration::ZERO;
    let mut quiet_until: Option<Instant> = None;
    loop {
        let wait = match quiet_until {
            Some(until) => until.saturating_duration_since(Instant::now()),
            None => FRAME_WAIT,
        };
        let Ok(event) = tokio::time::timeout(wait, events.recv()).await else {
            assert!(quiet_until.is_some(), "frame {} of {count} not replayed in time", frames.len() + 1);
            break;
        };
        if let WsEventKind::Frame { text } = event.expect("the client runs").kind {
            if is_data(&text) {
                frames.push(text.into_string());
                if frames.len() == count {
                    elapsed = started.elapsed();
                    // Nothing else may follow.
                    quiet_until = Some(Instant::now() + Duration::from_millis(500));
                }
            }
        }
    }
    client.close().await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while !sim.stats().replay_done && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let stats = sim.stats();
    sim.shutdown().await.unwrap();
    (frames, elapsed, stats)
}

/// The sent counts of `channels`, by channel and symbol.
fn sent_of(stats: &StatsSnapshot, channels: &[String]) -> BTreeMap<String, BTreeMap<String, u64>> {
    stats.sent.iter().filter(|(channel, _)| channels.contains(channel)).map(|(c, s)| (c.clone(), s.clone())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_stream_replays_byte_for_byte_at_both_speeds() {
    let live = spawn(SimConfig { rate: 300, ..SimConfig::default() }).await.unwrap();
    let out = tempdir("recorded");
    record_live(&live, &out, 2.5).await;
    let live_stats = live.stats();
    live.shutdown().await.unwrap();

    let capture = read_capture(&out).unwrap();
    let public_frames: Vec<_> = capture.iter().filter(|r| r.kind == FRAME && r.endpoint == "public").collect();
    let expected: Vec<_> = public_frames.iter().filter(|r| is_data(&r.payload)).copied().collect();
    let payloads: Vec<String> = expected.iter().map(|r| r.payload.clone()).collect();
    let span = Duration::from_nanos(expected.last().unwrap().recv_ns - expected[0].recv_ns);
    assert!(payloads.len() > 200 && span > Duration::from_secs(2), "{} frames over {span:?}", payloads.len());
    // The client subscribes what the recorder did: the sim's last subscription reply.
    let reply = public_frames.iter().rev().find(|r| frame_type(&r.payload) == "subscriptions").unwrap();
    let reply: Value = serde_json::from_str(&reply.payload).unwrap();
    let subscriptions: Vec<(String, Vec<String>)> = reply["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|channel| {
            let symbols = channel["symbols"].as_array().into_iter().flatten();
            (channel["name"].as_str().unwrap().to_owned(), symbols.map(|s| s.as_str().unwrap().to_owned()).collect())
        })
        .collect();
    assert_eq!(subscriptions.len(), CHANNELS.len());
    let mut data_channels: Vec<String> = expected.iter().filter_map(|r| r.channel.clone()).collect();
    data_channels.sort();
    data_channels.dedup();

    // Speed 0: every frame, in order, byte for byte, quickly; counted like the live sim counted them.
    let (received, fast, stats) = replay(&out.join("raw"), 0.0, &subscriptions, payloads.len()).await;
    assert!(received == payloads, "replayed frames differ from the capture");
    assert_eq!(
        (stats.replay_total, stats.replay_sent, stats.replay_done),
        (payloads.len() as u64, payloads.len() as u64, true)
    );
    assert_eq!(sent_of(&stats, &data_channels), sent_of(&live_stats, &data_channels), "sent by channel and symbol");
    assert!(fast < span, "speed 0 took {fast:?}, the recording spans {span:?}");

    // Speed 1: the same frames, at about the recorded pace (only a loose lower bound is checked).
    let (received, paced, stats) = replay(&out, 1.0, &subscriptions, payloads.len()).await;
    assert!(received == payloads, "replayed frames differ from the capture");
    assert_eq!(stats.replay_sent, stats.replay_total);
    assert!(paced >= span.mul_f64(0.9), "speed 1 took {paced:?}, the recording spans {span:?}");
    std::fs::remove_dir_all(&out).unwrap();
}

/// A hand-written capture: lifecycle rows, sim replies, a private frame and data frames with odd spacing.
fn write_capture(root: &Path) -> Vec<&'static str> {
    const T0: u64 = 1_767_225_600_000_000_000;
    type Row = (&'static str, &'static str, Option<&'static str>, Option<&'static str>, &'static str);
    let rows: [Row; 9] = [
        ("public", "connected", None, None, "{}"),
        ("public", FRAME, Some("subscriptions"), None, r#"{"type":"subscriptions","channels":[]}"#),
        (
            "public",
            FRAME,
            Some("mark_price"),
            Some("MARK:BTCUSD"),
            r#"{"type":"mark_price",  "s":"MARK:BTCUSD","p":"100.5"}"#,
        ),
        ("private", FRAME, Some("mark_price"), Some("MARK:BTCUSD"), r#"{"type":"mark_price","symbol":"MARK:BTCUSD"}"#),
        ("public", FRAME, Some("trades"), Some("ETHUSD"), r#"{ "type":"trades","sy":"ETHUSD","p":"2000.0" }"#),
        ("public", FRAME, Some("heartbeat"), None, r#"{"type":"heartbeat"}"#),
        ("public", FRAME, Some("ticker"), Some("SOLUSD"), r#"{"type":"ticker","sy":"SOLUSD"}"#),
        ("public", FRAME, Some("system_status"), None, r#"{"type":"system_status","status":"live"}"#),
        ("public", FRAME, Some("trades"), Some("BTCUSD"), r#"{"type":"trades","sy":"BTCUSD","p":"101.0"}"#),
    ];
    // What a client subscribed to mark_price BTCUSD, trades all and system_status receives.
    let expected = vec![rows[2].4, rows[4].4, rows[7].4, rows[8].4];
    let mut outputs = Outputs::new(root, OutputFormat::Raw, policy(), 1 << 20).unwrap();
    for (seq, (endpoint, kind, channel, symbol, payload)) in rows.into_iter().enumerate() {
        let seq = seq as u64;
        outputs
            .raw(RawRecord {
                seq,
                recv_ns: T0 + seq * 100_000_000,
                endpoint,
                connection: 0,
                kind,
                channel: channel.map(str::to_owned),
                format: None,
                symbol: symbol.map(str::to_owned),
                payload: payload.to_owned(),
            })
            .unwrap();
    }
    outputs.close().unwrap();
    expected
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_public_data_frames_reach_matching_subscriptions_and_are_counted() {
    let out = tempdir("written");
    let expected = write_capture(&out);
    let subscriptions = [
        ("mark_price".to_owned(), vec!["BTCUSD".to_owned()]),
        ("trades".to_owned(), vec!["all".to_owned(), "BTCUSD".to_owned()]),
        ("system_status".to_owned(), Vec::new()),
    ];
    let (received, _, stats) = replay(&out, 0.0, &subscriptions, expected.len()).await;
    assert_eq!(received, expected, "public data frames only, in order, once per connection, byte for byte");
    // The SOLUSD ticker had no subscriber but was replayed all the same.
    assert_eq!((stats.replay_total, stats.replay_sent, stats.replay_done), (5, 5, true));
    let sent = |channel: &str, symbol: &str| stats.sent.get(channel).and_then(|s| s.get(symbol)).copied();
    assert_eq!(sent("mark_price", "MARK:BTCUSD"), Some(1));
    assert_eq!((sent("trades", "ETHUSD"), sent("trades", "BTCUSD")), (Some(1), Some(1)));
    assert_eq!((sent("system_status", ""), sent("ticker", "SOLUSD")), (Some(1), None));
    assert!(!stats.sent.contains_key("heartbeat"), "recorded sim replies are not replayed");
    std::fs::remove_dir_all(&out).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_capture_is_an_error_naming_the_path() {
    let missing = std::env::temp_dir().join(format!("delta-sim-replay-missing-{}", std::process::id()));
    let error = spawn(SimConfig { replay: Some(missing.clone()), ..SimConfig::default() }).await.unwrap_err();
    assert!(matches!(error, SimError::Replay { .. }), "{error:?}");
    assert!(error.to_string().contains(&*missing.to_string_lossy()), "{error}");

    let empty = tempdir("empty");
    let error = spawn(SimConfig { replay: Some(empty.clone()), ..SimConfig::default() }).await.unwrap_err();
    assert!(matches!(error, SimError::EmptyReplay { .. }), "{error:?}");
    let corrupt = empty.join("raw.parquet");
    std::fs::write(&corrupt, b"not parquet").unwrap();
    let error = spawn(SimConfig { replay: Some(corrupt.clone()), ..SimConfig::default() }).await.unwrap_err();
    assert!(error.to_string().contains(&*corrupt.to_string_lossy()), "{error}");
    let error =
        spawn(SimConfig { replay: Some(empty.clone()), replay_speed: -1.0, ..SimConfig::default() }).await.unwrap_err();
    assert!(matches!(error, SimError::Config(_)), "{error:?}");

    // The binary exits non-zero with the path on stderr and prints nothing on stdout.
    let output = Command::new(env!("CARGO_BIN_EXE_delta-sim")).arg("--replay").arg(&missing).output().unwrap();
    assert!(!output.status.success());
    assert!(output.stdout.is_empty(), "no URL line: {:?}", String::from_utf8_lossy(&output.stdout));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&*missing.to_string_lossy()) && stderr.contains("cannot replay"), "{stderr}");
    std::fs::remove_dir_all(&empty).unwrap();
}

#[test]
fn the_binary_prints_its_three_url_lines_first_when_replaying() {
    let out = tempdir("binary");
    write_capture(&out);
    let file = delta_recorder::raw::capture_files(&out).unwrap().remove(0);
    let mut child = Command::new(env!("CARGO_BIN_EXE_delta-sim"))
        .args(["--replay-speed", "10", "--replay"])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut first = Vec::new();
    for _ in 0..3 {
        first.push(lines.next().unwrap().unwrap());
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let prefixes: Vec<&str> = first.iter().map(|line| line.split_once('=').unwrap().0).collect();
    assert_eq!(prefixes, ["rest_url", "ws_url", "public_ws_url"], "{first:?}");
    std::fs::remove_dir_all(&out).unwrap();
}
