//! The exchange: the synthetic market plus the accounts trading against it. Every operation takes the
//! current time in µs, so behaviour is reproducible in tests.

pub mod account;
pub mod controls;
pub mod events;
pub mod ledger;
pub mod market;
pub mod mmp;
pub mod reactions;
pub mod trading;

use std::sync::Arc;

use delta_core::model::{TransactionType, WalletTransaction};
use delta_core::wire::IsoTime;
use delta_core::Decimal;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Map};

use self::account::Account;
use self::market::Market;
use crate::catalog::{settling_asset, Catalog, Instrument, ASSETS};
use crate::reply::ApiError;
use crate::series::mix;

/// User id of the default account (as in the fixtures).
pub const DEFAULT_USER_ID: u64 = 52_011_377;

/// First order id handed out.
const FIRST_ORDER_ID: u64 = 884_300_001;

/// First ledger entry id.
const FIRST_TRANSACTION_ID: u64 = 771_300_001;

/// The exchange state behind one lock.
#[derive(Debug)]
pub struct Venue {
    catalog: Arc<Catalog>,
    market: Market,
    account: Account,
    next_order_id: u64,
    next_transaction_id: u64,
    rng: StdRng,
}

impl Venue {
    /// A venue with the market built from `seed` and one account funded with `usd_balance`.
    pub fn new(catalog: Arc<Catalog>, seed: u64, start_micros: i64, book_levels: usize, usd_balance: Decimal) -> Self {
        let market = Market::new(&catalog, seed, start_micros, book_levels);
        let mut venue = Self {
            catalog,
            market,
            account: Account::new(DEFAULT_USER_ID),
            next_order_id: FIRST_ORDER_ID,
            next_transaction_id: FIRST_TRANSACTION_ID,
            rng: StdRng::seed_from_u64(mix(seed ^ 0xACC0_0000)),
        };
        for asset in ASSETS {
            venue.account.balances.insert(asset.id, Decimal::ZERO);
        }
        let meta = json!({"deposit_id": 38841, "transaction_id": format!("0x{}{}", venue.uuid(), venue.uuid())});
        let meta = meta.as_object().cloned().unwrap_or_default();
        let usd = settling_asset();
        venue.post_transaction(TransactionType::Deposit, usd.id, usd_balance, None, meta, start_micros);
        venue
    }

    /// The product list.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The synthetic market.
    pub fn market(&self) -> &Market {
        &self.market
    }

    /// The synthetic market, for the market generator.
    pub fn market_mut(&mut self) -> &mut Market {
        &mut self.market
    }

    /// Emits an `mmp_trigger` event for `asset`, frozen until `frozen_till` µs (-1 = until reset): sent
    /// when MMP trips ([`Venue::enforce_mmp`]), and the test hook behind `POST /sim/mmp_trigger` (which
    /// only emits the event).
    pub fn trigger_mmp(&mut self, asset: &str, frozen_till: i64, now: i64) {
        let kind = events::EventKind::MmpTrigger { asset: asset.to_owned(), frozen_till };
        self.account.events.emit(self.account.user_id, None, now, kind);
    }

    /// The default account's private events from now on.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<events::SimEvent> {
        self.account.events.subscribe()
    }

    /// The account with this user id.
    pub fn account(&self, user_id: u64) -> Result<&Account, ApiError> {
        if self.account.user_id == user_id {
            Ok(&self.account)
        } else {
            Err(ApiError::rejected("unauthorized"))
        }
    }

    /// The product with this id, or `invalid_contract`.
    pub fn instrument(&self, product_id: u64) -> Result<Instrument, ApiError> {
        self.catalog.by_id(product_id).cloned().ok_or_else(|| ApiError::rejected("invalid_contract"))
    }

    /// Resolves a request's `product_id` or `product_symbol`.
    pub fn resolve_product(&self, product_id: Option<u64>, symbol: Option<&str>) -> Result<Instrument, ApiError> {
        match (product_id, symbol) {
            (Some(id), _) => self.instrument(id),
            (None, Some(symbol)) => {
                self.catalog.by_symbol(symbol).cloned().ok_or_else(|| ApiError::rejected("invalid_contract"))
            }
            (None, None) => Err(ApiError::bad_schema("product_id", "product_id or product_symbol is required")),
        }
    }

    /// A 32-hex id (fill ids, ledger uuids), drawn from the seeded generator.
    fn uuid(&mut self) -> String {
        format!("{:016x}{:016x}", self.rng.random::<u64>(), self.rng.random::<u64>())
    }

    fn take_order_id(&mut self) -> u64 {
        let id = self.next_order_id;
        self.next_order_id += 1;
        id
    }

    /// Changes the balance of an asset by `amount` and records a ledger entry.
    fn post_transaction(
        &mut self,
        kind: TransactionType,
        asset_id: u64,
        amount: Decimal,
        product_id: Option<u64>,
        meta_data: Map<String, serde_json::Value>,
        now: i64,
    ) {
        let balance = self.account.balance(asset_id).checked_add(&amount).unwrap_or(self.account.balance(asset_id));
        self.account.balances.insert(asset_id, balance);
        let symbol = ASSETS.iter().find(|asset| asset.id == asset_id).map_or("USD", |asset| asset.symbol);
        let transaction = WalletTransaction {
            id: self.next_transaction_id,
            uuid: Some(self.uuid()),
            amount: amount.normalize(),
            balance,
            transaction_type: kind,
            meta_data: Some(meta_data),
            product_id,
            asset_id,
            asset_symbol: symbol.to_owned(),
            user_id: Some(self.account.user_id),
            created_at: IsoTime(now),
        };
        self.next_transaction_id += 1;
        self.account.transactions.push(transaction);
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::catalog::MICROS_PER_SECOND;

    /// 2026-05-28T10:00:00Z.
    pub const START: i64 = 1_779_962_400 * MICROS_PER_SECOND;

    /// A venue with the default product set, 10 levels per side and 100 000 USD.
    pub fn venue() -> Venue {
        let catalog = Arc::new(Catalog::build(START, "68458.91".parse().unwrap(), &[]));
        Venue::new(catalog, 42, START, 10, Decimal::from_int(100_000))
    }

    /// Parses a decimal.
    pub fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }
}
