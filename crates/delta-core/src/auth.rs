//! Request and WebSocket signing (REFERENCE 2.2 and 9.3).
//!
//! `signature = hex(HMAC_SHA256(api_secret, METHOD + timestamp + path + query + body))`, with the path
//! including `/v2`, the query with its leading `?` exactly as sent, and the exact body bytes.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::Credentials;

type HmacSha256 = Hmac<Sha256>;

/// The `User-Agent` sent on every request; Delta's CDN answers 403 without one.
pub const USER_AGENT: &str = concat!("delta-exchange-nautilus/", env!("CARGO_PKG_VERSION"));

/// The path signed by the WebSocket `key-auth` message.
pub const WS_AUTH_PATH: &str = "/live";

/// A lowercase hex HMAC-SHA256 signature (64 ASCII characters), built without heap allocation.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct HexSignature([u8; 64]);

impl HexSignature {
    /// The signature as text.
    pub fn as_str(&self) -> &str {
        // The buffer only ever holds ASCII hex digits.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Display for HexSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for HexSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HexSignature({})", self.as_str())
    }
}

/// Signs requests with one API key. The keyed HMAC state is computed once and cloned per signature.
#[derive(Clone)]
pub struct Signer {
    api_key: String,
    keyed: HmacSha256,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer").field("api_key", &self.api_key).field("api_secret", &"<redacted>").finish()
    }
}

impl Signer {
    /// A signer for these credentials.
    pub fn new(credentials: &Credentials) -> Self {
        Self::from_parts(&credentials.api_key, credentials.api_secret.expose())
    }

    /// A signer from a key and secret.
    pub fn from_parts(api_key: &str, api_secret: &str) -> Self {
        // HMAC accepts keys of any length, so this cannot fail.
        let keyed = HmacSha256::new_from_slice(api_secret.as_bytes()).unwrap_or_else(|_| unreachable!());
        Self { api_key: api_key.to_owned(), keyed }
    }

    /// The API key sent in the `api-key` header.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// Signs `method + timestamp + path + query + body`. `query` is `""` or starts with `?`.
    pub fn sign(&self, method: &str, timestamp: &str, path: &str, query: &str, body: &[u8]) -> HexSignature {
        hex_signature(&self.mac(method, timestamp, path, query, body).finalize().into_bytes())
    }

    /// The `key-auth` signature: `hex(HMAC(secret, "GET" + timestamp + "/live"))`.
    pub fn sign_ws(&self, timestamp: &str) -> HexSignature {
        self.sign("GET", timestamp, WS_AUTH_PATH, "", b"")
    }

    /// Checks a received hex signature in constant time (for servers such as delta-sim).
    pub fn verify(&self, method: &str, timestamp: &str, path: &str, query: &str, body: &[u8], signature: &str) -> bool {
        let Some(expected) = decode_hex_32(signature) else { return false };
        self.mac(method, timestamp, path, query, body).verify_slice(&expected).is_ok()
    }

    fn mac(&self, method: &str, timestamp: &str, path: &str, query: &str, body: &[u8]) -> HmacSha256 {
        let mut mac = self.keyed.clone();
        mac.update(method.as_bytes());
        mac.update(timestamp.as_bytes());
        mac.update(path.as_bytes());
        mac.update(query.as_bytes());
        mac.update(body);
        mac
    }
}

/// Signs one request with a secret (convenience for one-off use; [`Signer`] is faster when reused).
pub fn sign(api_secret: &str, method: &str, timestamp: &str, path: &str, query: &str, body: &[u8]) -> HexSignature {
    Signer::from_parts("", api_secret).sign(method, timestamp, path, query, body)
}

/// The current Unix time in whole seconds, as Delta's `timestamp` header wants it.
pub fn timestamp_seconds() -> String {
    unix_seconds().to_string()
}

/// The current Unix time in whole seconds.
pub fn unix_seconds() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn hex_signature(bytes: &[u8]) -> HexSignature {
    let mut out = [0u8; 64];
    for (i, byte) in bytes.iter().take(32).enumerate() {
        out[2 * i] = HEX[(byte >> 4) as usize];
        out[2 * i + 1] = HEX[(byte & 0x0f) as usize];
    }
    HexSignature(out)
}

fn decode_hex_32(text: &str) -> Option<[u8; 32]> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        out[i] = nibble(pair[0])? << 4 | nibble(pair[1])?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies() {
        let signer = Signer::from_parts("k", "s3cr3t-value");
        let sig = signer.sign("DELETE", "1779962400", "/v2/orders", "", br#"{"id":1,"product_id":27}"#);
        assert_eq!(sig.as_str().len(), 64);
        assert!(signer.verify("DELETE", "1779962400", "/v2/orders", "", br#"{"id":1,"product_id":27}"#, sig.as_str()));
        assert!(!signer.verify("DELETE", "1779962401", "/v2/orders", "", br#"{"id":1,"product_id":27}"#, sig.as_str()));
        assert!(!signer.verify("DELETE", "1779962400", "/v2/orders", "", b"", "zz"));
        assert!(!format!("{signer:?}").contains("s3cr3t-value"));
    }
}
