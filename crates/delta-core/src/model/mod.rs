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

pub mod batch;
pub mod bracket;
pub mod codec;
pub mod envelope;
pub mod leverage;
pub mod order;
pub mod order_request;
pub mod product;
mod wire_enum;

pub use batch::{
    BatchCancelItem, BatchCancelRequest, BatchCreateItem, BatchCreateRequest, BatchEditItem, BatchEditRequest,
    MAX_BATCH_ORDERS,
};
pub use bracket::{BracketEditRequest, BracketLeg, BracketOrderRequest};
pub use envelope::{ApiErrorDetail, ApiErrorEnvelope, BareOrWrapped, EmptyResult, Envelope, GatewayError, PageMeta};
pub use leverage::{MarginMode, OrderLeverage, SetLeverageRequest};
pub use order::{
    MmpGroup, Order, OrderMetaData, OrderState, OrderType, Side, StopOrderType, StopTriggerMethod, TimeInForce,
};
pub use order_request::{
    CancelAllRequest, CancelOrderRequest, CreateOrderRequest, EditOrderRequest, MAX_CLIENT_ORDER_ID_LEN,
};
pub use product::{
    Asset, AssetStatus, ConstituentExchange, ContractType, IndexType, NotionalType, Product, ProductSpecs,
    ProductState, ProductSummary, SpotIndex, TradingStatus,
};
