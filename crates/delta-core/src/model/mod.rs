//! Typed wire models for every REST resource of Delta (REFERENCE sections 3 and 5-8).
//!
//! Every type derives `Debug, Clone, PartialEq, Serialize, Deserialize`: the client reads responses and
//! writes requests with them, the sim does the reverse. Serializing reproduces the fixture shape of
//! each message (same keys, same JSON value types); deserializing accepts every documented variant
//! (integers as strings, ISO or microsecond timestamps, flags as booleans or strings, missing optional
//! keys, unknown keys).
//!
//! Deserialize from bytes or text (`serde_json::from_slice` / `from_str`): the exact-number readers
//! borrow raw JSON and do not work through `serde_json::Value`.

pub mod account;
pub mod batch;
pub mod bracket;
pub mod codec;
pub mod envelope;
pub mod fill;
pub mod leverage;
pub mod market;
pub mod order;
pub mod order_request;
pub mod orderbook;
pub mod position;
pub mod product;
pub mod ticker;
pub mod trades;
pub mod wallet;
mod wire_enum;

pub use account::{
    CancelAfterRequest, CancelAfterResponse, HeartbeatAckRequest, HeartbeatAckResponse, HeartbeatAction,
    HeartbeatConfig, HeartbeatCreateRequest, HeartbeatCreateResponse, HeartbeatImpact, MmpResetRequest,
    MmpUpdateRequest,
};
pub use batch::{
    BatchCancelItem, BatchCancelRequest, BatchCreateItem, BatchCreateRequest, BatchEditItem, BatchEditRequest,
    MAX_BATCH_ORDERS,
};
pub use bracket::{BracketEditRequest, BracketLeg, BracketOrderRequest};
pub use envelope::{ApiErrorDetail, ApiErrorEnvelope, BareOrWrapped, EmptyResult, Envelope, GatewayError, PageMeta};
pub use fill::{Fill, FillMetaData, FillType, LiquidityRole};
pub use leverage::{MarginMode, OrderLeverage, SetLeverageRequest};
pub use market::{Candle, Index, RateLimitQuota, Settings, Stats};
pub use order::{
    MmpGroup, Order, OrderMetaData, OrderState, OrderType, Side, StopOrderType, StopTriggerMethod, TimeInForce,
};
pub use order_request::{
    CancelAllRequest, CancelOrderRequest, CreateOrderRequest, EditOrderRequest, MAX_CLIENT_ORDER_ID_LEN,
};
pub use orderbook::{BookLevel, OrderBook};
pub use position::{AutoTopupRequest, ChangeMarginRequest, CloseAllPositionsRequest, MarginedPosition, Position};
pub use product::{
    Asset, AssetStatus, ConstituentExchange, ContractType, IndexType, NotionalType, Product, ProductSpecs,
    ProductState, ProductSummary, SpotIndex, TradingStatus,
};
pub use ticker::{Greeks, PriceBand, Ticker, TickerQuotes};
pub use trades::{PublicTrade, PublicTrades};
pub use wallet::{TransactionType, WalletBalance, WalletBalancesMeta, WalletTransaction};
