//! Synthetic option values in exact decimals: a zero-rate Bachelier (normal) model for premiums and
//! greeks, with `exp`, `sqrt` and the normal distribution computed in [`Decimal`] arithmetic.
//!
//! The numbers only need to be plausible and deterministic; they are the sim's made-up market, not
//! anything Delta publishes.

use delta_core::Decimal;

/// Digits kept between operations (operands are rounded here so products never overflow).
const SCALE: u8 = 12;

/// Seconds in the model's year.
const YEAR_SECONDS: i64 = 31_536_000;

fn d(mantissa: i128, scale: u8) -> Decimal {
    Decimal::new(mantissa, scale)
}

fn mul(a: Decimal, b: Decimal) -> Option<Decimal> {
    a.round_to(SCALE).checked_mul(&b.round_to(SCALE)).map(|p| p.round_to(SCALE))
}

fn div(a: Decimal, b: Decimal) -> Option<Decimal> {
    a.checked_div(&b, SCALE)
}

fn add(a: Decimal, b: Decimal) -> Option<Decimal> {
    a.checked_add(&b)
}

fn sub(a: Decimal, b: Decimal) -> Option<Decimal> {
    a.checked_sub(&b)
}

/// Square root by Newton's method; `None` for negative input.
pub fn sqrt(x: Decimal) -> Option<Decimal> {
    if x.is_negative() {
        return None;
    }
    if x.is_zero() {
        return Some(Decimal::ZERO);
    }
    let mut guess = if x > Decimal::from_int(1) { x } else { Decimal::from_int(1) };
    for _ in 0..100 {
        let next = div(add(guess, div(x, guess)?)?, Decimal::from_int(2))?;
        if next == guess {
            break;
        }
        guess = next;
    }
    Some(guess)
}

/// `e^x` by halving the argument until it is small, a Taylor series, then squaring back.
pub fn exp(x: Decimal) -> Option<Decimal> {
    if x < Decimal::from_int(-40) {
        return Some(Decimal::ZERO);
    }
    let mut reduced = x;
    let mut halvings = 0;
    while reduced.abs() > d(5, 1) {
        reduced = div(reduced, Decimal::from_int(2))?;
        halvings += 1;
    }
    let mut term = Decimal::from_int(1);
    let mut sum = Decimal::from_int(1);
    for n in 1..=20 {
        term = div(mul(term, reduced)?, Decimal::from_int(n))?;
        sum = add(sum, term)?;
    }
    for _ in 0..halvings {
        sum = mul(sum, sum)?;
    }
    Some(sum)
}

/// The standard normal density.
pub fn norm_pdf(x: Decimal) -> Option<Decimal> {
    // 1 / sqrt(2π)
    let inv_sqrt_2pi = d(398_942_280_401, 12);
    let exponent = div(mul(x, x)?, Decimal::from_int(-2))?;
    mul(inv_sqrt_2pi, exp(exponent)?)
}

/// The standard normal distribution function (Abramowitz & Stegun 26.2.17, error below 1e-7).
pub fn norm_cdf(x: Decimal) -> Option<Decimal> {
    let one = Decimal::from_int(1);
    let t = div(one, add(one, mul(d(2_316_419, 7), x.abs())?)?)?;
    let coefficients =
        [d(319_381_530, 9), d(-356_563_782, 9), d(1_781_477_937, 9), d(-1_821_255_978, 9), d(1_330_274_429, 9)];
    let mut polynomial = Decimal::ZERO;
    let mut power = t;
    for coefficient in coefficients {
        polynomial = add(polynomial, mul(coefficient, power)?)?;
        power = mul(power, t)?;
    }
    let upper_tail = mul(norm_pdf(x.abs())?, polynomial)?;
    if x.is_negative() {
        Some(upper_tail)
    } else {
        sub(one, upper_tail)
    }
}

/// Call or put.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    /// A call.
    Call,
    /// A put.
    Put,
}

/// A model value with greeks (vega per volatility point, theta per day, rho per percent).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OptionValue {
    /// Premium per unit of underlying, in the quote currency.
    pub premium: Decimal,
    /// dV/dS.
    pub delta: Decimal,
    /// d²V/dS².
    pub gamma: Decimal,
    /// Change per day.
    pub theta: Decimal,
    /// Change per volatility point (0.01).
    pub vega: Decimal,
    /// Change per percent of rate (approximation `±K·T·N(±d)/100`).
    pub rho: Decimal,
}

/// Values an option with the Bachelier model: normal volatility `spot × iv`, zero rates.
/// `seconds_to_expiry` is floored at one minute so expiring options stay finite.
pub fn value_option(
    kind: OptionKind,
    spot: Decimal,
    strike: Decimal,
    iv: Decimal,
    seconds_to_expiry: i64,
) -> Option<OptionValue> {
    let years = div(Decimal::from_int(seconds_to_expiry.max(60)), Decimal::from_int(YEAR_SECONDS))?;
    let sqrt_t = sqrt(years)?;
    let normal_vol = mul(spot, iv)?;
    let stdev = mul(normal_vol, sqrt_t)?;
    let moneyness = sub(spot, strike)?;
    let dist = div(moneyness, stdev)?;
    let cdf = norm_cdf(dist)?;
    let pdf = norm_pdf(dist)?;
    let call = add(mul(moneyness, cdf)?, mul(stdev, pdf)?)?;
    let one = Decimal::from_int(1);
    let hundred = Decimal::from_int(100);
    let (premium, delta, rho) = match kind {
        OptionKind::Call => (call, cdf, div(mul(mul(strike, years)?, cdf)?, hundred)?),
        OptionKind::Put => {
            let put_cdf = sub(one, cdf)?;
            (sub(call, moneyness)?, sub(cdf, one)?, div(mul(mul(strike, years)?, put_cdf)?, hundred)?.negate())
        }
    };
    let gamma = div(pdf, stdev)?;
    let vega = div(mul(mul(spot, sqrt_t)?, pdf)?, hundred)?;
    let theta = div(mul(normal_vol, pdf)?, mul(mul(Decimal::from_int(2), sqrt_t)?, Decimal::from_int(365))?)?.negate();
    Some(OptionValue { premium: premium.max(Decimal::ZERO), delta, gamma, theta, vega, rho })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    fn close(a: Decimal, b: &str, tolerance: &str) -> bool {
        a.checked_sub(&p(b)).unwrap().abs() <= p(tolerance)
    }

    #[test]
    fn elementary_functions() {
        assert!(close(sqrt(p("2")).unwrap(), "1.414213562373", "0.000000000001"));
        assert!(close(exp(p("1")).unwrap(), "2.718281828459", "0.000000001"));
        assert!(close(exp(p("-3.5")).unwrap(), "0.030197383422", "0.000000001"));
        assert!(close(norm_cdf(p("0")).unwrap(), "0.5", "0.0000001"));
        assert!(close(norm_cdf(p("1.96")).unwrap(), "0.9750021", "0.0000002"));
        assert!(close(norm_cdf(p("-1")).unwrap(), "0.1586553", "0.0000002"));
    }

    #[test]
    fn option_values_are_plausible() {
        let day = 86_400;
        let call = value_option(OptionKind::Call, p("68450"), p("70000"), p("0.46"), day).unwrap();
        let put = value_option(OptionKind::Put, p("68450"), p("70000"), p("0.46"), day).unwrap();
        assert!(call.premium > p("100") && call.premium < p("1000"), "{call:?}");
        assert!(call.delta > p("0.1") && call.delta < p("0.4"));
        assert!(put.delta < Decimal::ZERO && put.delta > p("-0.9"));
        // Put-call parity at zero rates: C - P = S - K.
        assert!(close(call.premium.checked_sub(&put.premium).unwrap(), "-1550", "0.0001"));
        assert!(call.theta.is_negative() && call.vega > Decimal::ZERO && call.gamma > Decimal::ZERO);
    }
}
