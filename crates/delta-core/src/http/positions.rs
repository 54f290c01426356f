//! Position endpoints (REFERENCE 7.4).

use crate::error::{DeltaError, DeltaResult};
use crate::http::client::{Call, DeltaHttpClient};
use crate::http::query::{check_list_len, QueryString};
use crate::model::{
    AutoTopupRequest, ChangeMarginRequest, CloseAllPositionsRequest, ContractType, MarginedPosition, Position,
};

/// Query of `GET /v2/positions/margined`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MarginedPositionsQuery {
    /// At most 10 product ids (empty = all).
    pub product_ids: Vec<u64>,
    /// Contract types (empty = all).
    pub contract_types: Vec<ContractType>,
}

impl DeltaHttpClient {
    /// The real-time position of one product (size signed, entry `None` when flat):
    /// `GET /v2/positions?product_id=` (weight 3).
    pub async fn position(&self, product_id: u64) -> DeltaResult<Position> {
        let mut params = QueryString::new();
        params.push("product_id", product_id);
        self.result(Call::get("/v2/positions").query(params).private()).await
    }

    /// The real-time positions on one underlying (`BTC`): `GET /v2/positions?underlying_asset_symbol=`
    /// (weight 3). The item shape of this form is unconfirmed (REFERENCE 14.16); items carry
    /// `product_id`/`product_symbol` when Delta sends them.
    pub async fn positions_by_underlying(&self, underlying_asset_symbol: &str) -> DeltaResult<Vec<Position>> {
        if underlying_asset_symbol.is_empty() {
            return Err(DeltaError::InvalidRequest("the underlying asset symbol is empty".into()));
        }
        let mut params = QueryString::new();
        params.push("underlying_asset_symbol", underlying_asset_symbol);
        self.result(Call::get("/v2/positions").query(params).private()).await
    }

    /// Open positions with margin fields (may lag fills by up to ~10 s): `GET /v2/positions/margined`
    /// (weight 3).
    pub async fn margined_positions(&self, query: &MarginedPositionsQuery) -> DeltaResult<Vec<MarginedPosition>> {
        check_list_len("product_ids", query.product_ids.len())?;
        let mut params = QueryString::new();
        params.push_csv("product_ids", &query.product_ids).push_csv("contract_types", &query.contract_types);
        self.result(Call::get("/v2/positions/margined").query(params).private()).await
    }

    /// Adds (positive) or removes (negative) isolated margin: `POST /v2/positions/change_margin` (weight 5).
    pub async fn change_position_margin(&self, request: &ChangeMarginRequest) -> DeltaResult<MarginedPosition> {
        if request.delta_margin.is_zero() {
            return Err(DeltaError::InvalidRequest("delta_margin must not be zero".into()));
        }
        self.result(Call::post("/v2/positions/change_margin", request)?.private()).await
    }

    /// Turns automatic margin top-up of one position on or off: `PUT /v2/positions/auto_topup`.
    pub async fn set_position_auto_topup(&self, request: &AutoTopupRequest) -> DeltaResult<MarginedPosition> {
        self.result(Call::put("/v2/positions/auto_topup", request)?.private()).await
    }

    /// Closes every position of the account: `POST /v2/positions/close_all`.
    pub async fn close_all_positions(&self, request: &CloseAllPositionsRequest) -> DeltaResult<()> {
        self.acknowledge(Call::post("/v2/positions/close_all", request)?.private()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Credentials;
    use crate::decimal::Decimal;
    use crate::http::HttpClientConfig;

    #[tokio::test]
    async fn bad_arguments_are_refused_before_sending() {
        let config = HttpClientConfig::new("http://127.0.0.1:9")
            .with_credentials(Some(Credentials::new("key", "secret").unwrap()));
        let client = DeltaHttpClient::new(config).unwrap();
        let query = MarginedPositionsQuery { product_ids: (1..=11).collect(), contract_types: Vec::new() };
        assert!(matches!(client.margined_positions(&query).await, Err(DeltaError::InvalidRequest(_))));
        assert!(matches!(client.positions_by_underlying("").await, Err(DeltaError::InvalidRequest(_))));
        let zero = ChangeMarginRequest { product_id: 27, delta_margin: Decimal::ZERO };
        assert!(matches!(client.change_position_margin(&zero).await, Err(DeltaError::InvalidRequest(_))));
    }

    #[tokio::test]
    async fn private_endpoints_need_credentials() {
        let client = DeltaHttpClient::new(HttpClientConfig::new("http://127.0.0.1:9")).unwrap();
        assert!(matches!(client.position(27).await, Err(DeltaError::Config(_))));
        let close = CloseAllPositionsRequest::all(1);
        assert!(matches!(client.close_all_positions(&close).await, Err(DeltaError::Config(_))));
    }
}
