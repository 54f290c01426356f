//! Account-level endpoints: market-maker protection (REFERENCE 7.6) and the dead-man switches (7.7).

use serde_json::value::RawValue;

use crate::error::DeltaResult;
use crate::http::client::{Call, DeltaHttpClient};
use crate::http::query::QueryString;
use crate::model::{
    CancelAfterRequest, CancelAfterResponse, HeartbeatAckRequest, HeartbeatAckResponse, HeartbeatCreateRequest,
    HeartbeatCreateResponse, MmpResetRequest, MmpUpdateRequest,
};

impl DeltaHttpClient {
    /// Configures market-maker protection for one underlying and MMP group: `PUT /v2/users/update_mmp`.
    /// Delta answers with the trading preferences (with `mmp_config`), which are not modelled: they are
    /// returned as the exact JSON text of `result`.
    pub async fn update_mmp(&self, request: &MmpUpdateRequest) -> DeltaResult<Box<RawValue>> {
        request.validate()?;
        self.result(Call::put("/v2/users/update_mmp", request)?.private()).await
    }

    /// Unfreezes MMP orders after a trigger: `PUT /v2/users/reset_mmp`.
    pub async fn reset_mmp(&self, request: &MmpResetRequest) -> DeltaResult<()> {
        request.validate()?;
        self.acknowledge(Call::put("/v2/users/reset_mmp", request)?.private()).await
    }

    /// Creates (or replaces) a dead-man heartbeat (India): `POST /v2/heartbeat/create`.
    pub async fn create_heartbeat(&self, request: &HeartbeatCreateRequest) -> DeltaResult<HeartbeatCreateResponse> {
        request.validate()?;
        self.result(Call::post("/v2/heartbeat/create", request)?.private()).await
    }

    /// Keeps a heartbeat alive for `ttl` ms (0 disables it): `POST /v2/heartbeat`. Send it well within the
    /// ttl (Delta suggests every ~30 s); like every mutation it is not retried.
    pub async fn ack_heartbeat(&self, request: &HeartbeatAckRequest) -> DeltaResult<HeartbeatAckResponse> {
        request.validate()?;
        self.result(Call::post("/v2/heartbeat", request)?.private()).await
    }

    /// The configured heartbeats, or one of them: `GET /v2/heartbeat[?heartbeat_id=]`. Items are read with
    /// the create-request shape (the docs only say "list of configs").
    pub async fn heartbeats(&self, heartbeat_id: Option<&str>) -> DeltaResult<Vec<HeartbeatCreateRequest>> {
        let mut params = QueryString::new();
        params.push_opt("heartbeat_id", heartbeat_id);
        self.result(Call::get("/v2/heartbeat").query(params).private()).await
    }

    /// Global's legacy dead-man switch: cancel every order unless called again within `cancel_after` ms
    /// (0 disables): `POST /v2/orders/cancel_after`.
    pub async fn cancel_after(&self, request: &CancelAfterRequest) -> DeltaResult<CancelAfterResponse> {
        self.result(Call::post("/v2/orders/cancel_after", request)?.private()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Credentials;
    use crate::error::DeltaError;
    use crate::http::HttpClientConfig;
    use crate::model::{HeartbeatImpact, MmpGroup};

    #[tokio::test]
    async fn bad_arguments_are_refused_before_sending() {
        let config = HttpClientConfig::new("http://127.0.0.1:9")
            .with_credentials(Some(Credentials::new("key", "secret").unwrap()));
        let client = DeltaHttpClient::new(config).unwrap();
        let reset = MmpResetRequest { asset: String::new(), mmp: MmpGroup::Mmp1 };
        assert!(matches!(client.reset_mmp(&reset).await, Err(DeltaError::InvalidRequest(_))));
        let create = HeartbeatCreateRequest {
            heartbeat_id: "bot".into(),
            impact: HeartbeatImpact::Contracts,
            contract_types: Vec::new(),
            underlying_assets: Vec::new(),
            product_symbols: Vec::new(),
            config: Vec::new(),
        };
        assert!(matches!(client.create_heartbeat(&create).await, Err(DeltaError::InvalidRequest(_))));
        let ack = HeartbeatAckRequest { heartbeat_id: String::new(), ttl: 30_000 };
        assert!(matches!(client.ack_heartbeat(&ack).await, Err(DeltaError::InvalidRequest(_))));
    }
}
