//! Environments (hosts) and credentials.

use std::fmt;
use std::str::FromStr;

use crate::error::{DeltaError, DeltaResult};

/// A Delta deployment, or a local simulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Environment {
    /// Delta Exchange India, production (the default).
    India,
    /// Delta Exchange India testnet ("Demo").
    IndiaTestnet,
    /// Delta Exchange Global, production.
    Global,
    /// Delta Exchange Global testnet.
    GlobalTestnet,
    /// A `delta-sim` (or other local exchange); its URLs must be given.
    Local,
}

impl Environment {
    /// Every environment, in documentation order.
    pub const ALL: [Environment; 5] = [Self::India, Self::Global, Self::IndiaTestnet, Self::GlobalTestnet, Self::Local];

    /// The name used in configuration (`"india"`, `"global-testnet"`, ...).
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::India => "india",
            Self::IndiaTestnet => "india-testnet",
            Self::Global => "global",
            Self::GlobalTestnet => "global-testnet",
            Self::Local => "local",
        }
    }

    /// True for the two testnets.
    pub const fn is_testnet(&self) -> bool {
        matches!(self, Self::IndiaTestnet | Self::GlobalTestnet)
    }

    /// The documented URLs (REFERENCE 1.1 and 1.2); `None` for [`Environment::Local`].
    ///
    /// The Global public socket hosts are unconfirmed: Delta's Global docs print the India hosts
    /// (likely a copy/paste), so those are used until Delta documents a Global-specific host; override
    /// `public_ws` if Delta publishes one.
    pub const fn default_urls(&self) -> Option<EndpointUrls<'static>> {
        Some(match self {
            Self::India => EndpointUrls {
                rest: "https://api.india.delta.exchange",
                private_ws: "wss://socket.india.delta.exchange",
                public_ws: "wss://public-socket.india.delta.exchange",
            },
            Self::IndiaTestnet => EndpointUrls {
                rest: "https://cdn-ind.testnet.deltaex.org",
                private_ws: "wss://socket-ind.testnet.deltaex.org",
                public_ws: "wss://socket-ind-pub.testnet.deltaex.org",
            },
            Self::Global => EndpointUrls {
                rest: "https://api.delta.exchange",
                private_ws: "wss://socket.delta.exchange",
                public_ws: "wss://public-socket.india.delta.exchange",
            },
            Self::GlobalTestnet => EndpointUrls {
                rest: "https://testnet-api.delta.exchange",
                private_ws: "wss://testnet-socket.delta.exchange",
                public_ws: "wss://socket-ind-pub.testnet.deltaex.org",
            },
            Self::Local => return None,
        })
    }

    /// The environment variables holding the API key and secret (DESIGN section 5).
    pub const fn credential_env_vars(&self) -> (&'static str, &'static str) {
        if self.is_testnet() {
            ("DELTA_TESTNET_API_KEY", "DELTA_TESTNET_API_SECRET")
        } else {
            ("DELTA_API_KEY", "DELTA_API_SECRET")
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Environment {
    type Err = DeltaError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|env| env.as_str() == s).ok_or_else(|| {
            DeltaError::Config(format!(
                "unknown environment {s:?}; use one of india, global, india-testnet, global-testnet, local"
            ))
        })
    }
}

/// The three base URLs of a deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointUrls<'a> {
    /// REST host without `/v2` (paths are appended).
    pub rest: &'a str,
    /// The private/legacy socket (auth, private channels, legacy public channels).
    pub private_ws: &'a str,
    /// The public socket with the compact channels.
    pub public_ws: &'a str,
}

/// The resolved URLs a client connects to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedUrls {
    /// REST host without `/v2`, no trailing slash.
    pub rest: String,
    /// Private/legacy socket URL.
    pub private_ws: String,
    /// Public socket URL.
    pub public_ws: String,
}

impl ResolvedUrls {
    /// The environment's URLs with any override applied. `Local` requires the REST URL at least;
    /// socket URLs default to the REST host's `ws://` form with delta-sim's paths.
    pub fn resolve(
        environment: Environment,
        rest: Option<&str>,
        private_ws: Option<&str>,
        public_ws: Option<&str>,
    ) -> DeltaResult<Self> {
        let defaults = environment.default_urls();
        let rest =
            match (rest, defaults) {
                (Some(url), _) => url.to_owned(),
                (None, Some(d)) => d.rest.to_owned(),
                (None, None) => return Err(DeltaError::Config(
                    "environment \"local\" needs the REST URL (base_url_http), e.g. the rest_url line delta-sim prints"
                        .into(),
                )),
            };
        validate_url(&rest, &["http://", "https://"], "REST")?;
        let rest = rest.trim_end_matches('/').to_owned();
        let local_ws = |path: &str| format!("{}{path}", rest.replacen("http", "ws", 1));
        let private_ws = private_ws
            .map(str::to_owned)
            .or_else(|| defaults.map(|d| d.private_ws.to_owned()))
            .unwrap_or_else(|| local_ws("/ws"));
        let public_ws = public_ws
            .map(str::to_owned)
            .or_else(|| defaults.map(|d| d.public_ws.to_owned()))
            .unwrap_or_else(|| local_ws("/public/ws"));
        validate_url(&private_ws, &["ws://", "wss://"], "private socket")?;
        validate_url(&public_ws, &["ws://", "wss://"], "public socket")?;
        Ok(Self { rest, private_ws, public_ws })
    }
}

fn validate_url(url: &str, schemes: &[&str], what: &str) -> DeltaResult<()> {
    let host_part = schemes.iter().find_map(|scheme| url.strip_prefix(scheme));
    match host_part {
        Some(rest) if !rest.is_empty() && !rest.starts_with('/') && !rest.contains(char::is_whitespace) => Ok(()),
        _ => Err(DeltaError::Config(format!(
            "{what} URL {url:?} must start with {} and name a host",
            schemes.join(" or ")
        ))),
    }
}

/// An API secret. Its text never appears in `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiSecret(String);

impl ApiSecret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret's text, for signing only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiSecret(<redacted>)")
    }
}

impl fmt::Display for ApiSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// An API key and its secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The API key (not secret: it is sent in every signed request).
    pub api_key: String,
    /// The API secret.
    pub api_secret: ApiSecret,
}

impl Credentials {
    /// Builds credentials, refusing empty parts.
    pub fn new(api_key: impl Into<String>, api_secret: impl Into<String>) -> DeltaResult<Self> {
        let api_key = api_key.into();
        let api_secret = api_secret.into();
        if api_key.trim().is_empty() {
            return Err(DeltaError::Config("the API key is empty".into()));
        }
        if api_secret.trim().is_empty() {
            return Err(DeltaError::Config("the API secret is empty".into()));
        }
        Ok(Self { api_key, api_secret: ApiSecret::new(api_secret) })
    }

    /// Credentials from the given values, falling back to the environment's variables
    /// (`DELTA_API_KEY`/`DELTA_API_SECRET`, or the `DELTA_TESTNET_*` pair for testnets).
    /// `Ok(None)` when neither is set; an error when only one half is found.
    pub fn resolve(
        environment: Environment,
        api_key: Option<&str>,
        api_secret: Option<&str>,
    ) -> DeltaResult<Option<Self>> {
        let (key_var, secret_var) = environment.credential_env_vars();
        let key = api_key.map(str::to_owned).or_else(|| std::env::var(key_var).ok()).filter(|k| !k.is_empty());
        let secret = api_secret.map(str::to_owned).or_else(|| std::env::var(secret_var).ok()).filter(|s| !s.is_empty());
        match (key, secret) {
            (Some(key), Some(secret)) => Self::new(key, secret).map(Some),
            (None, None) => Ok(None),
            (Some(_), None) => {
                Err(DeltaError::Config(format!("an API key is set but no secret: pass api_secret or set {secret_var}")))
            }
            (None, Some(_)) => {
                Err(DeltaError::Config(format!("an API secret is set but no key: pass api_key or set {key_var}")))
            }
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials").field("api_key", &self.api_key).field("api_secret", &self.api_secret).finish()
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "api_key={} api_secret=<redacted>", self.api_key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environments_resolve_to_documented_hosts() {
        let india = ResolvedUrls::resolve(Environment::India, None, None, None).unwrap();
        assert_eq!(india.rest, "https://api.india.delta.exchange");
        assert_eq!(india.public_ws, "wss://public-socket.india.delta.exchange");
        let global = ResolvedUrls::resolve(Environment::GlobalTestnet, None, None, None).unwrap();
        assert_eq!(global.rest, "https://testnet-api.delta.exchange");
        assert_eq!(global.private_ws, "wss://testnet-socket.delta.exchange");
        for env in Environment::ALL {
            assert_eq!(env.as_str().parse::<Environment>().unwrap(), env);
        }
        assert!("mars".parse::<Environment>().is_err());
    }

    #[test]
    fn local_needs_a_url_and_derives_sockets() {
        assert!(ResolvedUrls::resolve(Environment::Local, None, None, None).is_err());
        let local = ResolvedUrls::resolve(Environment::Local, Some("http://127.0.0.1:9000/"), None, None).unwrap();
        assert_eq!(local.rest, "http://127.0.0.1:9000");
        assert_eq!(local.private_ws, "ws://127.0.0.1:9000/ws");
        assert!(ResolvedUrls::resolve(Environment::Local, Some("127.0.0.1:9000"), None, None).is_err());
    }

    #[test]
    fn secret_never_prints() {
        let creds = Credentials::new("key-123", "super-secret-value").unwrap();
        for text in [format!("{creds:?}"), format!("{creds}"), format!("{:?}", creds.api_secret)] {
            assert!(!text.contains("super-secret-value"), "{text}");
            assert!(text.contains("redacted"));
        }
    }

    #[test]
    fn explicit_credentials_win_and_halves_are_errors() {
        let creds = Credentials::resolve(Environment::Local, Some("k"), Some("s")).unwrap().unwrap();
        assert_eq!(creds.api_key, "k");
        assert!(Credentials::new("", "s").is_err());
        let err = Credentials::resolve(Environment::IndiaTestnet, Some("k"), Some("")).unwrap_err();
        if std::env::var("DELTA_TESTNET_API_SECRET").is_err() {
            assert!(err.to_string().contains("DELTA_TESTNET_API_SECRET"), "{err}");
        }
    }
}
