//! Batch order bodies (`POST`/`PUT`/`DELETE /v2/orders/batch`, REFERENCE 7.3): up to 50 orders, all on
//! one product. The response is `Vec<Order>` with only the processed orders (no per-item errors).

use serde::{Deserialize, Serialize};

use super::codec;
use super::order::{MmpGroup, OrderType, Side, TimeInForce};
use super::order_request::{
    validate_client_order_id, validate_order_ref, validate_positive, validate_product_ref, validate_size,
};
use crate::decimal::Decimal;
use crate::error::{DeltaError, DeltaResult};
use crate::wire;

/// Most orders Delta accepts in one batch.
pub const MAX_BATCH_ORDERS: usize = 50;

/// Body of `POST /v2/orders/batch` (limit orders only; `ioc` not allowed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchCreateRequest {
    /// Product id (or `product_symbol`).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "wire::opt_int")]
    pub product_id: Option<u64>,
    /// Product symbol (or `product_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_symbol: Option<String>,
    /// The orders.
    pub orders: Vec<BatchCreateItem>,
}

/// One order of a [`BatchCreateRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchCreateItem {
    /// Contracts (> 0).
    #[serde(deserialize_with = "wire::int")]
    pub size: u64,
    /// Side.
    pub side: Side,
    /// Must be `limit_order`.
    pub order_type: OrderType,
    /// Limit price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_price: Option<Decimal>,
    /// Time in force (`gtc` only in batches).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_in_force: Option<TimeInForce>,
    /// Post-only flag.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::opt_flag",
        serialize_with = "codec::opt_flag_text"
    )]
    pub post_only: Option<bool>,
    /// Market-maker protection group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mmp: Option<MmpGroup>,
    /// Client order id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_order_id: Option<String>,
}

impl BatchCreateItem {
    /// A limit order for a batch.
    pub const fn limit(side: Side, size: u64, limit_price: Decimal) -> Self {
        Self {
            size,
            side,
            order_type: OrderType::Limit,
            limit_price: Some(limit_price),
            time_in_force: None,
            post_only: None,
            mmp: None,
            client_order_id: None,
        }
    }
}

impl BatchCreateRequest {
    /// A batch on one product.
    pub const fn new(product_id: u64, orders: Vec<BatchCreateItem>) -> Self {
        Self { product_id: Some(product_id), product_symbol: None, orders }
    }

    /// Checks the product reference, the count (1 to 50), that every item is a positive-size limit
    /// order without `ioc`, and that client order ids are valid and unique within the batch.
    pub fn validate(&self) -> DeltaResult<()> {
        validate_product_ref(self.product_id, self.product_symbol.as_deref())?;
        validate_count(self.orders.len())?;
        let mut seen = std::collections::HashSet::new();
        for item in &self.orders {
            validate_size(item.size)?;
            if item.order_type != OrderType::Limit || item.limit_price.is_none() {
                return Err(DeltaError::InvalidRequest("batch create supports limit orders only".into()));
            }
            validate_positive("limit_price", item.limit_price)?;
            if item.time_in_force == Some(TimeInForce::Ioc) {
                return Err(DeltaError::InvalidRequest("ioc is not allowed in batch create".into()));
            }
            if let Some(id) = &item.client_order_id {
                validate_client_order_id(id)?;
                if !seen.insert(id.as_str()) {
                    return Err(DeltaError::InvalidRequest(format!("duplicate client_order_id {id:?} in batch")));
                }
            }
        }
        Ok(())
    }
}

/// Body of `PUT /v2/orders/batch`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchEditRequest {
    /// Product id (or `product_symbol`).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "wire::opt_int")]
    pub product_id: Option<u64>,
    /// Product symbol (or `product_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_symbol: Option<String>,
    /// The edits.
    pub orders: Vec<BatchEditItem>,
}

/// One edit of a [`BatchEditRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchEditItem {
    /// Order id.
    #[serde(deserialize_with = "wire::int")]
    pub id: u64,
    /// Total size after the edit.
    #[serde(deserialize_with = "wire::int")]
    pub size: u64,
    /// New limit price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_price: Option<Decimal>,
    /// Post-only flag.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::opt_flag",
        serialize_with = "codec::opt_flag_text"
    )]
    pub post_only: Option<bool>,
    /// Market-maker protection group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mmp: Option<MmpGroup>,
}

impl BatchEditRequest {
    /// A batch of edits on one product.
    pub const fn new(product_id: u64, orders: Vec<BatchEditItem>) -> Self {
        Self { product_id: Some(product_id), product_symbol: None, orders }
    }

    /// Checks the product reference, the count (1 to 50), sizes and prices.
    pub fn validate(&self) -> DeltaResult<()> {
        validate_product_ref(self.product_id, self.product_symbol.as_deref())?;
        validate_count(self.orders.len())?;
        for item in &self.orders {
            validate_size(item.size)?;
            validate_positive("limit_price", item.limit_price)?;
        }
        Ok(())
    }
}

/// Body of `DELETE /v2/orders/batch`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchCancelRequest {
    /// Product id (or `product_symbol`).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "wire::opt_int")]
    pub product_id: Option<u64>,
    /// Product symbol (or `product_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_symbol: Option<String>,
    /// The orders to cancel.
    pub orders: Vec<BatchCancelItem>,
}

/// One order of a [`BatchCancelRequest`]: `id` or `client_order_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchCancelItem {
    /// Order id.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "wire::opt_int")]
    pub id: Option<u64>,
    /// Client order id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_order_id: Option<String>,
}

impl BatchCancelItem {
    /// Cancel by order id.
    pub const fn by_id(id: u64) -> Self {
        Self { id: Some(id), client_order_id: None }
    }

    /// Cancel by client order id.
    pub fn by_client_order_id(client_order_id: impl Into<String>) -> Self {
        Self { id: None, client_order_id: Some(client_order_id.into()) }
    }
}

impl BatchCancelRequest {
    /// A batch of cancels on one product.
    pub const fn new(product_id: u64, orders: Vec<BatchCancelItem>) -> Self {
        Self { product_id: Some(product_id), product_symbol: None, orders }
    }

    /// Checks the product reference, the count (1 to 50) and that each item names exactly one order.
    pub fn validate(&self) -> DeltaResult<()> {
        validate_product_ref(self.product_id, self.product_symbol.as_deref())?;
        validate_count(self.orders.len())?;
        self.orders.iter().try_for_each(|item| validate_order_ref(item.id, item.client_order_id.as_deref()))
    }
}

fn validate_count(count: usize) -> DeltaResult<()> {
    if count == 0 || count > MAX_BATCH_ORDERS {
        return Err(DeltaError::InvalidRequest(format!("a batch holds 1 to {MAX_BATCH_ORDERS} orders, got {count}")));
    }
    Ok(())
}
