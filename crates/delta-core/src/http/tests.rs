//! Transport behaviour against a scripted HTTP server on 127.0.0.1: what goes on the wire (headers, signed
//! query and body), retries, 429 handling, placement settlement after a timeout, pagination.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::auth::{Signer, USER_AGENT};
use crate::config::Credentials;
use crate::decimal::Decimal;
use crate::error::{ApiErrorCode, DeltaError};
use crate::http::{DeltaHttpClient, HttpClientConfig, OpenOrdersQuery, OrderFilter, ProductsQuery};
use crate::model::{CancelOrderRequest, CreateOrderRequest, OrderState, Side};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/delta-api/");
const KEY: &str = "test-key";
const SECRET: &str = "test-secret-never-printed";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}{name}")).unwrap()
}

/// One scripted answer.
#[derive(Clone)]
enum Reply {
    /// Status, extra headers, body.
    Respond(u16, Vec<(&'static str, String)>, String),
    /// Read the request and never answer (the client times out).
    Hang,
}

fn ok(body: String) -> Reply {
    Reply::Respond(200, Vec::new(), body)
}

fn status(code: u16, body: &str) -> Reply {
    Reply::Respond(code, Vec::new(), body.to_owned())
}

/// A request as the server received it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn path_and_query(&self) -> (&str, String) {
        match self.target.split_once('?') {
            Some((path, query)) => (path, format!("?{query}")),
            None => (self.target.as_str(), String::new()),
        }
    }

    /// True when the request carries a valid signature of exactly what was received.
    fn signature_valid(&self) -> bool {
        let (Some(timestamp), Some(signature)) = (self.header("timestamp"), self.header("signature")) else {
            return false;
        };
        let (path, query) = self.path_and_query();
        Signer::from_parts(KEY, SECRET).verify(&self.method, timestamp, path, &query, &self.body, signature)
    }
}

struct Server {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    async fn start(script: Vec<Reply>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let recorded = Arc::clone(&seen);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, Arc::clone(&script), Arc::clone(&recorded)));
            }
        });
        Self { url, seen }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn client(&self, tune: impl FnOnce(&mut HttpClientConfig)) -> DeltaHttpClient {
        let mut config =
            HttpClientConfig::new(self.url.clone()).with_credentials(Some(Credentials::new(KEY, SECRET).unwrap()));
        config.retry_base_delay = Duration::from_millis(1);
        config.retry_max_delay = Duration::from_millis(5);
        tune(&mut config);
        DeltaHttpClient::new(config).unwrap()
    }
}

async fn serve(mut stream: TcpStream, script: Arc<Mutex<VecDeque<Reply>>>, seen: Arc<Mutex<Vec<Seen>>>) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or_default().to_owned();
    let target = request_line.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();
    let length = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    seen.lock().unwrap().push(Seen { method, target, headers, body });
    let reply = script.lock().unwrap().pop_front().unwrap_or_else(|| status(500, "script exhausted"));
    match reply {
        Reply::Hang => {
            // Hold the connection open without answering until the client gives up.
            let _ = stream.read(&mut chunk).await;
        }
        Reply::Respond(code, extra, body) => {
            let mut response = format!(
                "HTTP/1.1 {code} Scripted\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (name, value) in extra {
                response.push_str(&format!("{name}: {value}\r\n"));
            }
            response.push_str("\r\n");
            response.push_str(&body);
            let _ = stream.write_all(response.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
    }
}

fn limit_order(client_order_id: Option<&str>) -> CreateOrderRequest {
    let order = CreateOrderRequest::limit(27, Side::Buy, 10, "68000".parse::<Decimal>().unwrap());
    match client_order_id {
        Some(id) => order.with_client_order_id(id),
        None => order,
    }
}

#[tokio::test]
async fn public_get_sends_user_agent_without_auth_headers() {
    let server = Server::start(vec![ok(fixture("rest_assets.json"))]).await;
    let assets = server.client(|_| {}).assets().await.unwrap();
    assert!(!assets.is_empty());
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!((seen[0].method.as_str(), seen[0].target.as_str()), ("GET", "/v2/assets"));
    assert_eq!(seen[0].header("user-agent"), Some(USER_AGENT));
    assert_eq!(seen[0].header("accept"), Some("application/json"));
    for name in ["api-key", "timestamp", "signature", "content-type"] {
        assert_eq!(seen[0].header(name), None, "{name}");
    }
}

#[tokio::test]
async fn private_get_signs_the_query_exactly_as_sent() {
    let server = Server::start(vec![ok(fixture("rest_orders_open.json"))]).await;
    let query = OpenOrdersQuery {
        filter: OrderFilter { product_ids: vec![27, 3136], ..OrderFilter::default() },
        states: vec![OrderState::Open],
        ..OpenOrdersQuery::default()
    };
    let page = server.client(|_| {}).open_orders(&query).await.unwrap();
    assert!(!page.items.is_empty());
    let seen = &server.seen()[0];
    assert_eq!(seen.target, "/v2/orders?product_ids=27,3136&states=open");
    assert_eq!(seen.header("api-key"), Some(KEY));
    assert_eq!(seen.header("user-agent"), Some(USER_AGENT));
    assert!(seen.signature_valid(), "{seen:?}");
    assert!(seen.headers.iter().all(|(_, value)| !value.contains(SECRET)));
}

#[tokio::test]
async fn delete_carries_its_signed_json_body() {
    let server = Server::start(vec![ok(fixture("rest_order_cancel_response.json"))]).await;
    let order = server.client(|_| {}).cancel_order(&CancelOrderRequest::by_id(884213557, 27)).await.unwrap();
    assert_eq!(order.state, OrderState::Cancelled);
    let seen = &server.seen()[0];
    assert_eq!((seen.method.as_str(), seen.target.as_str()), ("DELETE", "/v2/orders"));
    assert_eq!(seen.body, br#"{"id":884213557,"product_id":27}"#);
    assert_eq!(seen.header("content-type"), Some("application/json"));
    assert!(seen.signature_valid(), "{seen:?}");
}

#[tokio::test]
async fn gets_retry_server_errors_then_succeed() {
    let script = vec![
        status(502, "<html>bad gateway</html>"),
        status(503, &fixture("rest_error_unavailable.json")),
        ok(fixture("rest_assets.json")),
    ];
    let server = Server::start(script).await;
    server.client(|_| {}).assets().await.unwrap();
    assert_eq!(server.seen().len(), 3);
}

#[tokio::test]
async fn gets_give_up_after_max_retries() {
    let server = Server::start(vec![status(500, "oops"); 5]).await;
    let err = server.client(|c| c.max_retries = 2).stats().await.unwrap_err();
    assert!(matches!(err, DeltaError::Http { status: 500, .. }), "{err:?}");
    assert_eq!(server.seen().len(), 3);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let server = Server::start(vec![status(401, &fixture("rest_error_signature_expired.json"))]).await;
    let err = server.client(|_| {}).wallet_balances().await.unwrap_err();
    assert_eq!(err.api_code(), Some(&ApiErrorCode::SignatureExpired));
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn mutations_are_never_retried() {
    let server = Server::start(vec![status(503, &fixture("rest_error_unavailable.json")), ok(String::new())]).await;
    let err = server.client(|_| {}).place_order(&limit_order(Some("strat1-000042"))).await.unwrap_err();
    assert_eq!(err.api_code(), Some(&ApiErrorCode::Unavailable));
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn a_429_pauses_the_limiter_and_gets_retry_after_the_reset() {
    let limited =
        Reply::Respond(429, vec![("X-RATE-LIMIT-RESET", "20".into())], fixture("rest_error_rate_limited.json"));
    let server = Server::start(vec![limited.clone(), ok(fixture("rest_settings.json")), limited]).await;
    let client = server.client(|_| {});
    client.settings().await.unwrap();
    assert_eq!(server.seen().len(), 2);
    assert_eq!(client.rate_limit_status().rate_limited, 1);
    let err = client.place_order(&limit_order(None)).await.unwrap_err();
    assert!(matches!(err, DeltaError::RateLimited { reset_after, .. } if reset_after == Duration::from_millis(20)));
    assert_eq!(server.seen().len(), 3);
}

#[tokio::test]
async fn a_long_reset_is_returned_instead_of_waited_out() {
    let limited = Reply::Respond(429, vec![("X-RATE-LIMIT-RESET", "120000".into())], String::new());
    let server = Server::start(vec![limited]).await;
    let client = server.client(|c| c.max_rate_limit_wait = Duration::from_secs(1));
    let err = client.stats().await.unwrap_err();
    assert!(matches!(err, DeltaError::RateLimited { reset_after, .. } if reset_after == Duration::from_secs(120)));
    assert!(client.rate_limit_status().backing_off);
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn stats_count_every_attempt_by_endpoint_and_outcome() {
    let script = vec![
        status(503, &fixture("rest_error_unavailable.json")),
        ok(fixture("rest_assets.json")),
        ok(fixture("rest_error_insufficient_margin.json")),
        Reply::Respond(429, vec![("X-RATE-LIMIT-RESET", "20".into())], fixture("rest_error_rate_limited.json")),
        ok(fixture("rest_ticker.json")),
    ];
    let server = Server::start(script).await;
    let client = server.client(|_| {});
    client.assets().await.unwrap();
    client.place_order(&limit_order(None)).await.unwrap_err();
    client.place_order(&limit_order(None)).await.unwrap_err();
    client.ticker("BTCUSD").await.unwrap();
    let stats = client.rest_stats();
    let assets = stats.endpoints["GET /v2/assets"].outcomes;
    assert_eq!((assets.calls(), assets.ok, assets.server_errors), (2, 1, 1), "a retried GET counts each attempt");
    let orders = stats.orders();
    assert_eq!((orders.calls(), orders.api_errors, orders.rate_limited), (2, 1, 1), "success:false on a 200 counts");
    let ticker = &stats.endpoints["GET /v2/tickers/{symbol}"];
    assert_eq!(ticker.outcomes.ok, 1);
    assert!(ticker.latency_max > Duration::ZERO && ticker.latency_p99 <= ticker.latency_max);
    assert_eq!((stats.calls(), stats.rate_limited()), (5, 1));
}

#[tokio::test]
async fn success_false_on_200_is_an_api_error() {
    let server = Server::start(vec![ok(fixture("rest_error_insufficient_margin.json"))]).await;
    let err = server.client(|_| {}).place_order(&limit_order(None)).await.unwrap_err();
    let DeltaError::Api { status, code, context, .. } = err else { panic!("{err:?}") };
    assert_eq!((status, code), (200, ApiErrorCode::InsufficientMargin));
    assert!(context.is_some());
}

#[tokio::test]
async fn a_timed_out_placement_is_settled_by_client_order_id() {
    let script = vec![
        Reply::Hang,
        status(404, r#"{"success":false,"error":{"code":"not_found"}}"#),
        ok(fixture("rest_order_get_response.json")),
    ];
    let server = Server::start(script).await;
    let client = server.client(|c| {
        c.timeout = Duration::from_millis(300);
        c.max_retries = 0;
    });
    let order = client.place_order(&limit_order(Some("strat1-000042"))).await.unwrap();
    assert!(order.id > 0);
    let seen = server.seen();
    let targets: Vec<_> = seen.iter().map(|s| format!("{} {}", s.method, s.target)).collect();
    assert_eq!(
        targets,
        [
            "POST /v2/orders",
            "GET /v2/orders/client_order_id/strat1-000042",
            "GET /v2/orders/client_order_id/strat1-000042"
        ]
    );
    assert!(seen.iter().all(Seen::signature_valid));
}

#[tokio::test]
async fn an_unfound_timed_out_placement_is_order_state_unknown() {
    let not_found = status(404, r#"{"success":false,"error":{"code":"not_found"}}"#);
    let server = Server::start(vec![Reply::Hang, not_found.clone(), not_found]).await;
    let client = server.client(|c| {
        c.timeout = Duration::from_millis(300);
        c.max_retries = 0;
        c.order_lookup_attempts = 2;
    });
    let err = client.place_order(&limit_order(Some("strat1-000042"))).await.unwrap_err();
    let DeltaError::OrderStateUnknown { client_order_id, reason } = err else { panic!("{err:?}") };
    assert_eq!(client_order_id, "strat1-000042");
    assert!(reason.contains("timeout") && reason.contains("not_found"), "{reason}");
    assert_eq!(server.seen().len(), 3);
}

#[tokio::test]
async fn a_timed_out_placement_without_client_order_id_is_a_timeout() {
    let server = Server::start(vec![Reply::Hang]).await;
    let client = server.client(|c| c.timeout = Duration::from_millis(300));
    let err = client.place_order(&limit_order(None)).await.unwrap_err();
    assert!(matches!(err, DeltaError::Timeout { .. }), "{err:?}");
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn a_refused_connection_is_a_transport_error_and_never_a_look_up() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let config = HttpClientConfig::new(url).with_credentials(Some(Credentials::new(KEY, SECRET).unwrap()));
    let client = DeltaHttpClient::new(config).unwrap();
    let err = client.place_order(&limit_order(Some("strat1-000042"))).await.unwrap_err();
    let DeltaError::Transport { endpoint, message } = err else { panic!("{err:?}") };
    assert_eq!(endpoint, "POST /v2/orders");
    assert!(!message.contains(SECRET));
}

#[tokio::test]
async fn pagination_follows_cursors_and_refuses_a_repeat() {
    let products = fixture("rest_products.json");
    let cursor = "\"g3QAAAACZAAKY3JlYXRlZF9hdHQAAAAN\"";
    assert!(products.contains(cursor));
    let page = |after: &str| ok(products.replacen(cursor, after, 1));
    let server = Server::start(vec![page("\"c1\""), page("\"c2\""), page("null")]).await;
    let query = ProductsQuery { page: crate::http::PageRequest::first(2), ..ProductsQuery::default() };
    let client = server.client(|_| {});
    let all = client.products_all(&query).await.unwrap();
    let first = serde_json::from_str::<crate::model::Envelope<Vec<crate::model::Product>>>(&products).unwrap().result;
    assert_eq!(all.len(), 3 * first.len());
    let targets: Vec<_> = server.seen().iter().map(|s| s.target.clone()).collect();
    assert_eq!(
        targets[..3],
        ["/v2/products?page_size=2", "/v2/products?page_size=2&after=c1", "/v2/products?page_size=2&after=c2"]
    );

    let server = Server::start(vec![page("\"c1\""), page("\"c1\"")]).await;
    let err = server.client(|_| {}).products_all(&query).await.unwrap_err();
    assert!(matches!(&err, DeltaError::Decode { message, .. } if message.contains("repeated")), "{err:?}");
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn the_quota_is_read_bare_or_wrapped_and_signed_when_possible() {
    let bare = fixture("rest_rate_limit_quota.json");
    let wrapped = format!(r#"{{"success":true,"result":{bare}}}"#);
    let server = Server::start(vec![ok(bare), ok(wrapped)]).await;
    let client = server.client(|_| {});
    let first = client.rate_limit_quota().await.unwrap();
    let second = client.rate_limit_quota().await.unwrap();
    assert_eq!(first, second);
    assert_eq!(first.current_quota, 9410);
    assert!(server.seen()[0].signature_valid());
}

#[tokio::test]
async fn the_client_and_its_futures_can_cross_threads() {
    fn assert_send_sync<T: Send + Sync + Clone + 'static>(_: &T) {}
    let server = Server::start(vec![ok(fixture("rest_order_create_response.json"))]).await;
    let client = server.client(|_| {});
    assert_send_sync(&client);
    let order = tokio::spawn({
        let client = client.clone();
        async move { client.place_order(&limit_order(Some("strat1-000042"))).await }
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(order.client_order_id.as_deref(), Some("strat1-000042"));
    assert_eq!(client.rate_limit_status().units_used, 5, "one placement weighs 5");
}

#[tokio::test]
async fn update_mmp_returns_the_trading_preferences_as_exact_json() {
    let preferences = r#"{"user_id":1,"mmp_config":{"BTC":{"trade_limit":"1000.50","window_interval":10}}}"#;
    let server = Server::start(vec![ok(format!(r#"{{"success":true,"result":{preferences}}}"#))]).await;
    let request: crate::model::MmpUpdateRequest =
        serde_json::from_str(&fixture("rest_mmp_update_request.json")).unwrap();
    let answer = server.client(|_| {}).update_mmp(&request).await.unwrap();
    assert_eq!(answer.get(), preferences);
    let seen = &server.seen()[0];
    assert_eq!((seen.method.as_str(), seen.target.as_str()), ("PUT", "/v2/users/update_mmp"));
    assert!(seen.signature_valid(), "{seen:?}");
}
