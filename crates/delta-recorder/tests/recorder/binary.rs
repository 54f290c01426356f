//! The `delta-recorder` binary against delta-sim: SIGTERM and SIGINT flush everything and exit 0 with the
//! summary line, `--duration` ends by itself, and SIGKILL mid-run leaves only readable `.parquet` files.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use crate::common::{parquet_files, read, sim};
use delta_recorder::files::leftover_temp_files;
use delta_sim::SimHandle;

fn recorder(sim: &SimHandle, out: &Path, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_delta-recorder"))
        .args(["--env", "local", "--rest-url", &sim.rest_url(), "--ws-url", &sim.public_ws_url()])
        .args(["--symbols", "BTCUSD", "--out", out.to_str().unwrap(), "--status-secs", "0.5"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill").args([&format!("-{name}"), &child.id().to_string()]).status().unwrap();
    assert!(status.success());
}

async fn finish(child: Child) -> Output {
    tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap()
}

/// The numbers of `recorded messages=N rows=M files=F gaps=G`, which must be the last stdout line.
fn summary(output: &Output) -> [u64; 4] {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    let numbers: Vec<u64> = last
        .strip_prefix("recorded ")
        .unwrap_or_else(|| panic!("last line {last:?}"))
        .split(' ')
        .map(|pair| pair.split_once('=').unwrap().1.parse().unwrap())
        .collect();
    numbers.try_into().unwrap()
}

fn assert_all_readable(out: &Path) -> usize {
    let files = parquet_files(out);
    for file in &files {
        read(file);
    }
    files.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_and_sigint_flush_and_exit_zero() {
    let sim = sim(300).await;
    for name in ["TERM", "INT"] {
        let out = tempdir(&format!("signal-{name}"));
        let child = recorder(&sim, &out, &[]);
        tokio::time::sleep(Duration::from_secs(2)).await;
        signal(&child, name);
        let output = finish(child).await;
        assert!(output.status.success(), "SIG{name}: {output:?}");
        let [messages, rows, files, _gaps] = summary(&output);
        assert!(messages > 50 && rows > 50 && files >= 6, "SIG{name}: {messages} {rows} {files}");
        assert_eq!(assert_all_readable(&out) as u64, files, "SIG{name}: every file finished and readable");
        assert!(leftover_temp_files(&out).is_empty());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("status elapsed=") && stderr.contains("rss_mb="), "status lines: {stderr}");
        std::fs::remove_dir_all(&out).unwrap();
    }
    sim.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duration_ends_the_recording_and_bad_flags_exit_two() {
    let sim = sim(200).await;
    let out = tempdir("duration");
    let output = finish(recorder(&sim, &out, &["--duration", "1.5"])).await;
    assert!(output.status.success(), "{output:?}");
    assert!(summary(&output)[0] > 0);
    let bad = finish(recorder(&sim, &out, &["--zstd-level", "40"])).await;
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--zstd-level 40"));
    let unknown = finish(recorder(&sim, &out, &["--duration", "1", "--symbols", "NOPE"])).await;
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("NOPE"));
    std::fs::remove_dir_all(&out).unwrap();
    sim.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_leaves_only_readable_files() {
    let sim = sim(400).await;
    let out = tempdir("sigkill");
    let child = recorder(&sim, &out, &["--rotate-secs", "1"]);
    tokio::time::sleep(Duration::from_millis(2600)).await;
    signal(&child, "KILL");
    let output = finish(child).await;
    assert!(!output.status.success());
    assert!(assert_all_readable(&out) >= 6, "files rotated before the kill are complete and readable");
    // What was being written (rows still buffered, or a file under a `.parquet.tmp` name no catalog reader
    // globs) is lost; a file left behind is reported by the next run.
    let leftovers = leftover_temp_files(&out);
    let next = finish(recorder(&sim, &out, &["--duration", "1"])).await;
    assert!(next.status.success());
    let warned = String::from_utf8_lossy(&next.stderr).contains("unfinished files of an earlier run");
    assert_eq!(warned, !leftovers.is_empty());
    assert_all_readable(&out);
    std::fs::remove_dir_all(&out).unwrap();
    sim.shutdown().await.unwrap();
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("delta-recorder-bin-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_scraped_in_the_prometheus_text_format() {
    let sim = sim(300).await;
    let out = tempdir("metrics");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let address = format!("127.0.0.1:{port}");
    let child = recorder(&sim, &out, &["--metrics-addr", &address, "--format", "nautilus"]);
    let url = format!("http://{address}/metrics");
    let mut scraped = String::new();
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if let Ok(response) = reqwest::get(&url).await {
            assert_eq!(response.status(), 200);
            let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
            assert!(content_type.starts_with("text/plain; version=0.0.4"));
            scraped = response.text().await.unwrap();
            let has_rows = scraped.lines().any(|l| l.starts_with("delta_recorder_rows_total ") && !l.ends_with(" 0"));
            if scraped.contains("delta_recorder_messages_total{channel=\"ob_updates\"}") && has_rows {
                break;
            }
        }
    }
    let value = |name: &str| -> f64 {
        let line = scraped.lines().find(|line| line.starts_with(name)).unwrap_or_else(|| panic!("{name}: {scraped}"));
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    assert!(value("delta_recorder_messages_total{channel=\"ob_updates\"}") > 0.0, "{scraped}");
    assert!(value("delta_recorder_rows_total") > 0.0);
    assert!(value("delta_recorder_resident_memory_bytes") > 1e6);
    let heartbeat_age = value("delta_recorder_heartbeat_age_seconds");
    assert!(
        (0.0..35.0).contains(&heartbeat_age),
        "a streaming socket saw a frame within the watchdog: {heartbeat_age}"
    );
    assert!(scraped.contains("# TYPE delta_recorder_gaps_total counter"));
    assert_eq!(reqwest::get(format!("http://{address}/other")).await.unwrap().status(), 404);
    signal(&child, "TERM");
    let output = finish(child).await;
    assert!(output.status.success());
    let [messages, _, _, _] = summary(&output);
    assert!(messages > 0, "frames are counted without a raw capture too");
    assert!(!out.join("raw").exists(), "--format nautilus writes no raw capture");
    std::fs::remove_dir_all(&out).unwrap();
    sim.shutdown().await.unwrap();
}
