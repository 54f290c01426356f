//! Wallet balances and the transaction ledger (REFERENCE 7.5).

use serde::{Deserialize, Serialize};

use super::wire_enum::wire_enum;
use crate::decimal::Decimal;
use crate::wire::{self, IsoTime};

/// One wallet of `GET /v2/wallet/balances` (decimal strings except ids). Every amount but `balance` and
/// `available_balance` is optional and written as `null` when `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletBalance {
    /// Asset id.
    #[serde(deserialize_with = "wire::int")]
    pub asset_id: u64,
    /// Asset symbol.
    pub asset_symbol: String,
    /// Balance minus blocked margin.
    pub available_balance: Decimal,
    /// Available for robo trading.
    #[serde(default)]
    pub available_balance_for_robo: Option<Decimal>,
    /// Deposits minus withdrawals plus realised cash flows.
    pub balance: Decimal,
    /// Total blocked margin including commissions.
    #[serde(default)]
    pub blocked_margin: Option<Decimal>,
    /// Isolated commission.
    #[serde(default)]
    pub commission: Option<Decimal>,
    /// Cross-margin asset liability.
    #[serde(default)]
    pub cross_asset_liability: Option<Decimal>,
    /// Cross-margin commission.
    #[serde(default)]
    pub cross_commission: Option<Decimal>,
    /// Cross-margin locked collateral.
    #[serde(default)]
    pub cross_locked_collateral: Option<Decimal>,
    /// Cross-margin order margin.
    #[serde(default)]
    pub cross_order_margin: Option<Decimal>,
    /// Cross-margin position margin.
    #[serde(default)]
    pub cross_position_margin: Option<Decimal>,
    /// Wallet id.
    #[serde(default, deserialize_with = "wire::opt_int")]
    pub id: Option<u64>,
    /// Interest credit.
    #[serde(default)]
    pub interest_credit: Option<Decimal>,
    /// Isolated order margin.
    #[serde(default)]
    pub order_margin: Option<Decimal>,
    /// Pending referral bonus.
    #[serde(default)]
    pub pending_referral_bonus: Option<Decimal>,
    /// Pending trading-fee credit.
    #[serde(default)]
    pub pending_trading_fee_credit: Option<Decimal>,
    /// Portfolio margin.
    #[serde(default)]
    pub portfolio_margin: Option<Decimal>,
    /// Isolated position margin.
    #[serde(default)]
    pub position_margin: Option<Decimal>,
    /// Trading-fee credit.
    #[serde(default)]
    pub trading_fee_credit: Option<Decimal>,
    /// Unvested amount.
    #[serde(default)]
    pub unvested_amount: Option<Decimal>,
    /// Owner.
    #[serde(default, deserialize_with = "wire::opt_int")]
    pub user_id: Option<u64>,
}

/// `meta` of the wallet balances answer (use as `Envelope<Vec<WalletBalance>, WalletBalancesMeta>`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletBalancesMeta {
    /// Net equity across wallets.
    #[serde(default)]
    pub net_equity: Option<Decimal>,
    /// Robo-trading equity.
    #[serde(default)]
    pub robo_trading_equity: Option<Decimal>,
}

wire_enum! {
    /// `transaction_type` of a ledger entry (REFERENCE 7.5). Open: the list is long and grows, and a
    /// new kind must not make the ledger unreadable; the common kinds are typed for matching.
    pub enum TransactionType open {
        /// Realised cash flow.
        Cashflow = "cashflow",
        /// Deposit.
        Deposit = "deposit",
        /// Withdrawal.
        Withdrawal = "withdrawal",
        /// Trading commission.
        Commission = "commission",
        /// Currency conversion.
        Conversion = "conversion",
        /// Funding payment.
        Funding = "funding",
        /// Expiry settlement.
        Settlement = "settlement",
        /// Liquidation fee.
        LiquidationFee = "liquidation_fee",
        /// Spot trade.
        SpotTrade = "spot_trade",
        /// Cancelled withdrawal.
        WithdrawalCancellation = "withdrawal_cancellation",
        /// Referral bonus.
        ReferralBonus = "referral_bonus",
        /// Transfer between sub-accounts.
        SubAccountTransfer = "sub_account_transfer",
        /// Commission rebate.
        CommissionRebate = "commission_rebate",
        /// Promotional credit.
        PromoCredit = "promo_credit",
        /// Trading credits.
        TradingCredits = "trading_credits",
        /// Trading credits forfeited.
        TradingCreditsForfeited = "trading_credits_forfeited",
        /// Trading credits paid.
        TradingCreditsPaid = "trading_credits_paid",
        /// Trading-fee credits paid for a liquidation fee.
        TradingFeeCreditsPaidLiquidationFee = "trading_fee_credits_paid_liquidation_fee",
        /// Trading credits reverted.
        TradingCreditsReverted = "trading_credits_reverted",
        /// Interest credit.
        InterestCredit = "interest_credit",
        /// External deposit.
        ExternalDeposit = "external_deposit",
        /// Credit line.
        CreditLine = "credit_line",
        /// Trading competition.
        TradingCompetition = "trading_competition",
        /// Fund deposit.
        FundDeposit = "fund_deposit",
        /// Fund withdrawal.
        FundWithdrawal = "fund_withdrawal",
        /// Fund wallet deposit.
        FundWalletDeposit = "fund_wallet_deposit",
        /// Fund wallet withdrawal.
        FundWalletWithdrawal = "fund_wallet_withdrawal",
        /// Fund reward.
        FundReward = "fund_reward",
        /// Trade-farming reward.
        TradeFarmingReward = "trade_farming_reward",
        /// Reversal.
        Revert = "revert",
        /// Refer-a-friend bonus.
        RafBonus = "raf_bonus",
        /// Fill appropriation.
        FillAppropriation = "fill_appropriation",
        /// Incident compensation.
        IncidentCompensation = "incident_compensation",
        /// Older data: realised PnL.
        Pnl = "pnl",
        /// Older data: perpetual funding.
        PerpetualFuturesFunding = "perpetual_futures_funding",
    }
}

/// One entry of `GET /v2/wallet/transactions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WalletTransaction {
    /// Entry id.
    #[serde(deserialize_with = "wire::int")]
    pub id: u64,
    /// Entry UUID.
    #[serde(default)]
    pub uuid: Option<String>,
    /// Signed amount.
    pub amount: Decimal,
    /// Balance after the entry.
    pub balance: Decimal,
    /// Kind of entry.
    pub transaction_type: TransactionType,
    /// Type-specific details (free-form by design: keys differ per transaction type).
    #[serde(default)]
    pub meta_data: Option<serde_json::Map<String, serde_json::Value>>,
    /// Product, when the entry relates to one.
    #[serde(default, deserialize_with = "wire::opt_int")]
    pub product_id: Option<u64>,
    /// Asset id.
    #[serde(deserialize_with = "wire::int")]
    pub asset_id: u64,
    /// Asset symbol.
    pub asset_symbol: String,
    /// Owner.
    #[serde(default, deserialize_with = "wire::opt_int")]
    pub user_id: Option<u64>,
    /// Entry time.
    pub created_at: IsoTime,
}
