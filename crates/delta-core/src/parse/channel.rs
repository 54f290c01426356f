//! Which decoder a frame needs: the (endpoint, `type`) pair resolved to a [`Channel`].
//!
//! Four channel names (`mark_price`, `candlestick_*`, `spot_price`, `funding_rate`) exist on both sockets in
//! different formats, so the same `type` resolves to a different channel per endpoint.

/// The socket a frame arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// The new public socket (compact channels, REFERENCE 9.5).
    Public,
    /// The private socket, which also serves the legacy public channels (REFERENCE 9.4, 9.6).
    Private,
}

macro_rules! channels {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)+) => {
        /// Every message kind the decoder knows, keyed by endpoint where a name exists on both sockets.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Channel {
            $($(#[$doc])* $variant,)+
        }

        impl Channel {
            /// Every channel, in counter order.
            pub const ALL: &'static [Channel] = &[$(Channel::$variant),+];

            /// The channel name as Delta writes it (`candlestick_*` for every resolution).
            pub const fn name(self) -> &'static str {
                match self {
                    $(Channel::$variant => $name,)+
                }
            }
        }
    };
}

channels! {
    /// `subscriptions` reply (both sockets).
    Subscriptions = "subscriptions",
    /// `heartbeat` (both sockets).
    Heartbeat = "heartbeat",
    /// `pong` reply to a text ping (both sockets).
    Pong = "pong",
    /// `key-auth` reply.
    KeyAuth = "key-auth",
    /// Reply to the retired `auth` method (`type: success`).
    LegacyAuth = "success",
    /// `system_status` (both sockets while Delta moves it to the public one).
    SystemStatus = "system_status",
    /// Compact `ob_updates` (public).
    ObUpdates = "ob_updates",
    /// Compact `ob_l2` (public).
    ObL2 = "ob_l2",
    /// Compact `ob_l1` (public).
    ObL1 = "ob_l1",
    /// Compact `trades` (public).
    Trades = "trades",
    /// Compact `ticker` (public).
    Ticker = "ticker",
    /// Compact `mark_price` (public).
    MarkPrice = "mark_price",
    /// Compact `funding_rate` (public).
    FundingRate = "funding_rate",
    /// Compact `candlestick_<res>` (public).
    Candlestick = "candlestick_*",
    /// Compact `spot_price` (public).
    SpotPrice = "spot_price",
    /// Legacy `l2_updates` (private socket).
    L2Updates = "l2_updates",
    /// Legacy `l2_orderbook` (private socket).
    L2Orderbook = "l2_orderbook",
    /// Legacy `l1_orderbook` (private socket).
    L1Orderbook = "l1_orderbook",
    /// Legacy `all_trades` and its `all_trades_snapshot` (private socket).
    AllTrades = "all_trades",
    /// Legacy `v2/ticker` (private socket).
    V2Ticker = "v2/ticker",
    /// Legacy `mark_price` (private socket).
    LegacyMarkPrice = "mark_price (legacy)",
    /// Legacy `candlestick_<res>` (private socket).
    LegacyCandlestick = "candlestick_* (legacy)",
    /// Legacy `spot_price` (private socket).
    LegacySpotPrice = "spot_price (legacy)",
    /// Legacy `v2/spot_price` (private socket).
    V2SpotPrice = "v2/spot_price",
    /// Legacy `spot_30mtwap_price` (private socket).
    Spot30mTwapPrice = "spot_30mtwap_price",
    /// Legacy `funding_rate` (private socket).
    LegacyFundingRate = "funding_rate (legacy)",
    /// `product_updates` (private socket).
    ProductUpdates = "product_updates",
    /// `announcements` (private socket, deprecated).
    Announcements = "announcements",
    /// Private `orders`.
    Orders = "orders",
    /// Private `positions`.
    Positions = "positions",
    /// Private `user_trades`.
    UserTrades = "user_trades",
    /// Private `v2/user_trades`.
    V2UserTrades = "v2/user_trades",
    /// Private `margins`.
    Margins = "margins",
    /// Private `portfolio_margins`.
    PortfolioMargins = "portfolio_margins",
    /// Private `mmp_trigger` (sent without a `type`).
    MmpTrigger = "mmp_trigger",
}

impl Channel {
    /// Position in [`Channel::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The channel a frame of message `type` belongs to on `endpoint`; `None` if it has none there.
    pub fn resolve(endpoint: Endpoint, message_type: &str) -> Option<Channel> {
        let common = match message_type {
            "subscriptions" => Some(Channel::Subscriptions),
            "heartbeat" => Some(Channel::Heartbeat),
            "pong" => Some(Channel::Pong),
            "key-auth" => Some(Channel::KeyAuth),
            "system_status" => Some(Channel::SystemStatus),
            _ => None,
        };
        common.or_else(|| match endpoint {
            Endpoint::Public => resolve_public(message_type),
            Endpoint::Private => resolve_private(message_type),
        })
    }
}

fn resolve_public(message_type: &str) -> Option<Channel> {
    Some(match message_type {
        "ob_updates" => Channel::ObUpdates,
        "ob_l2" => Channel::ObL2,
        "ob_l1" => Channel::ObL1,
        "trades" => Channel::Trades,
        "ticker" => Channel::Ticker,
        "mark_price" => Channel::MarkPrice,
        "funding_rate" => Channel::FundingRate,
        "spot_price" => Channel::SpotPrice,
        other if other.starts_with("candlestick_") => Channel::Candlestick,
        _ => return None,
    })
}

fn resolve_private(message_type: &str) -> Option<Channel> {
    Some(match message_type {
        "success" => Channel::LegacyAuth,
        "l2_updates" => Channel::L2Updates,
        "l2_orderbook" => Channel::L2Orderbook,
        "l1_orderbook" => Channel::L1Orderbook,
        "all_trades" | "all_trades_snapshot" => Channel::AllTrades,
        "v2/ticker" => Channel::V2Ticker,
        "mark_price" => Channel::LegacyMarkPrice,
        "spot_price" => Channel::LegacySpotPrice,
        "v2/spot_price" => Channel::V2SpotPrice,
        "spot_30mtwap_price" => Channel::Spot30mTwapPrice,
        "funding_rate" => Channel::LegacyFundingRate,
        "product_updates" => Channel::ProductUpdates,
        "announcements" => Channel::Announcements,
        "orders" => Channel::Orders,
        "positions" => Channel::Positions,
        "user_trades" => Channel::UserTrades,
        "v2/user_trades" => Channel::V2UserTrades,
        "margins" => Channel::Margins,
        "portfolio_margins" => Channel::PortfolioMargins,
        "mmp_trigger" => Channel::MmpTrigger,
        other if other.starts_with("candlestick_") => Channel::LegacyCandlestick,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_names_resolve_per_endpoint() {
        for (name, public, private) in [
            ("mark_price", Channel::MarkPrice, Channel::LegacyMarkPrice),
            ("candlestick_1m", Channel::Candlestick, Channel::LegacyCandlestick),
            ("spot_price", Channel::SpotPrice, Channel::LegacySpotPrice),
            ("funding_rate", Channel::FundingRate, Channel::LegacyFundingRate),
            ("heartbeat", Channel::Heartbeat, Channel::Heartbeat),
        ] {
            assert_eq!(Channel::resolve(Endpoint::Public, name), Some(public));
            assert_eq!(Channel::resolve(Endpoint::Private, name), Some(private));
        }
        assert_eq!(Channel::resolve(Endpoint::Private, "ob_updates"), None);
        assert_eq!(Channel::resolve(Endpoint::Public, "l2_updates"), None);
        assert!(Channel::ALL.iter().enumerate().all(|(i, c)| c.index() == i));
    }
}
