//! Fills and wallet endpoints (REFERENCE 7.5).

use crate::error::DeltaResult;
use crate::http::client::{Call, DeltaHttpClient};
use crate::http::paginate::{Page, PageRequest};
use crate::http::query::{check_list_len, QueryString};
use crate::model::{ContractType, Fill, TransactionType, WalletBalance, WalletBalancesMeta, WalletTransaction};

/// Query of `GET /v2/fills` (at most 50 per page). Times are microseconds since the epoch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FillsQuery {
    /// At most 10 product ids (empty = all).
    pub product_ids: Vec<u64>,
    /// Contract types (empty = all).
    pub contract_types: Vec<ContractType>,
    /// Fills at or after (µs).
    pub start_time: Option<i64>,
    /// Fills at or before (µs).
    pub end_time: Option<i64>,
    /// Page size and cursors.
    pub page: PageRequest,
}

/// Query of `GET /v2/wallet/transactions`. Times are microseconds since the epoch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WalletTransactionsQuery {
    /// Asset ids (empty = all).
    pub asset_ids: Vec<u64>,
    /// Entry kinds (empty = all).
    pub transaction_types: Vec<TransactionType>,
    /// Entries at or after (µs).
    pub start_time: Option<i64>,
    /// Entries at or before (µs).
    pub end_time: Option<i64>,
    /// Page size and cursors.
    pub page: PageRequest,
}

/// The answer of `GET /v2/wallet/balances`: one entry per asset plus the account totals of `meta`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletBalances {
    /// One wallet per asset.
    pub balances: Vec<WalletBalance>,
    /// `net_equity`, `robo_trading_equity` (empty when Delta sends no `meta`).
    pub meta: WalletBalancesMeta,
}

impl DeltaHttpClient {
    /// One page of own fills: `GET /v2/fills` (weight 10).
    pub async fn fills(&self, query: &FillsQuery) -> DeltaResult<Page<Fill>> {
        check_list_len("product_ids", query.product_ids.len())?;
        self.page(fills_call(query, &query.page)).await
    }

    /// Every fill matching `query`, walking the cursors (e.g. since the last seen fill on reconnect).
    pub async fn fills_all(&self, query: &FillsQuery) -> DeltaResult<Vec<Fill>> {
        check_list_len("product_ids", query.product_ids.len())?;
        self.collect_pages(|cursor| fills_call(query, &query.page.at(cursor))).await
    }

    /// Balances of every asset with the account's equity: `GET /v2/wallet/balances` (weight 3).
    pub async fn wallet_balances(&self) -> DeltaResult<WalletBalances> {
        let envelope =
            self.execute::<Vec<WalletBalance>, WalletBalancesMeta>(Call::get("/v2/wallet/balances").private()).await?;
        Ok(WalletBalances { balances: envelope.result, meta: envelope.meta.unwrap_or_default() })
    }

    /// One page of the ledger: `GET /v2/wallet/transactions` (weight 10).
    pub async fn wallet_transactions(&self, query: &WalletTransactionsQuery) -> DeltaResult<Page<WalletTransaction>> {
        self.page(wallet_transactions_call(query, &query.page)).await
    }

    /// The whole ledger matching `query`, walking the cursors.
    pub async fn wallet_transactions_all(
        &self,
        query: &WalletTransactionsQuery,
    ) -> DeltaResult<Vec<WalletTransaction>> {
        self.collect_pages(|cursor| wallet_transactions_call(query, &query.page.at(cursor))).await
    }
}

fn fills_call(query: &FillsQuery, page: &PageRequest) -> Call {
    let mut params = QueryString::new();
    params.push_csv("product_ids", &query.product_ids).push_csv("contract_types", &query.contract_types);
    params.push_opt("start_time", query.start_time).push_opt("end_time", query.end_time);
    page.write(&mut params);
    Call::get("/v2/fills").query(params).private()
}

fn wallet_transactions_call(query: &WalletTransactionsQuery, page: &PageRequest) -> Call {
    let mut params = QueryString::new();
    params.push_csv("asset_ids", &query.asset_ids).push_csv("transaction_types", &query.transaction_types);
    params.push_opt("start_time", query.start_time).push_opt("end_time", query.end_time);
    page.write(&mut params);
    Call::get("/v2/wallet/transactions").query(params).private()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::DeltaError;
    use crate::http::HttpClientConfig;

    #[test]
    fn ledger_and_fill_queries_are_encoded_in_order() {
        let query = FillsQuery {
            product_ids: vec![27],
            start_time: Some(1_779_962_400_000_000),
            page: PageRequest::first(50),
            ..FillsQuery::default()
        };
        let call = fills_call(&query, &query.page.at(Some("abc")));
        assert_eq!(call.endpoint(), "GET /v2/fills");
        assert_eq!(call.query_text(), "?product_ids=27&start_time=1779962400000000&page_size=50&after=abc");
        let query = WalletTransactionsQuery {
            asset_ids: vec![3, 14],
            transaction_types: vec![TransactionType::from_wire("funding"), TransactionType::from_wire("commission")],
            ..WalletTransactionsQuery::default()
        };
        assert_eq!(
            wallet_transactions_call(&query, &query.page).query_text(),
            "?asset_ids=3,14&transaction_types=funding,commission"
        );
    }

    #[tokio::test]
    async fn wallet_endpoints_need_credentials_and_valid_filters() {
        let client = DeltaHttpClient::new(HttpClientConfig::new("http://127.0.0.1:9")).unwrap();
        assert!(matches!(client.wallet_balances().await, Err(DeltaError::Config(_))));
        let query = FillsQuery { product_ids: (0..11).collect(), ..FillsQuery::default() };
        assert!(matches!(client.fills_all(&query).await, Err(DeltaError::InvalidRequest(_))));
    }
}
