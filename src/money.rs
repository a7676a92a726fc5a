//! Money as the API carries it: `{ "amount": 1250, "currency": "EUR" }`, an integer of minor
//! units and an ISO 4217 code. Listings and offers both use it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The largest amount accepted anywhere (10^12 minor units): far above any real price, far
/// below where arithmetic on it could overflow.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000;

/// Active ISO 4217 codes (2024), funds and precious metals left out.
pub const ISO_4217: &str = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP \
BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD \
HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL \
MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB \
RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS \
VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWG";

/// An amount in minor units of a currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Money {
    /// Minor units (cents for EUR): 1250 is 12.50 EUR.
    #[serde(deserialize_with = "veza_core::json::whole")]
    pub amount: i64,
    /// ISO 4217 code, e.g. `EUR`.
    #[schema(example = "EUR")]
    pub currency: String,
}

/// What is wrong with a money value; the caller names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("must be {min} to {MAX_AMOUNT} minor units")]
    Amount { min: i64 },
    #[error("must be an ISO 4217 currency code such as EUR")]
    Currency,
}

/// The upper-cased code when `raw` is a known ISO 4217 currency.
pub fn currency(raw: &str) -> Result<String, MoneyError> {
    let code = raw.trim().to_ascii_uppercase();
    let known = code.len() == 3 && ISO_4217.split_ascii_whitespace().any(|c| c == code);
    if known { Ok(code) } else { Err(MoneyError::Currency) }
}

impl Money {
    /// Checks the amount against `min..=MAX_AMOUNT` and normalises the currency code.
    pub fn validated(self, min: i64) -> Result<Money, MoneyError> {
        if !(min..=MAX_AMOUNT).contains(&self.amount) {
            return Err(MoneyError::Amount { min });
        }
        Ok(Money { amount: self.amount, currency: currency(&self.currency)? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currencies_are_known_codes_upper_cased() {
        assert_eq!(currency(" eur "), Ok("EUR".into()));
        assert_eq!(currency("JPY"), Ok("JPY".into()));
        assert_eq!(currency("EURO"), Err(MoneyError::Currency));
        assert_eq!(currency("XYZ"), Err(MoneyError::Currency));
        assert_eq!(currency(""), Err(MoneyError::Currency));
    }

    #[test]
    fn amounts_are_bounded() {
        let m = |amount| Money { amount, currency: "usd".into() };
        assert_eq!(m(0).validated(0), Ok(Money { amount: 0, currency: "USD".into() }));
        assert_eq!(m(0).validated(1), Err(MoneyError::Amount { min: 1 }));
        assert_eq!(m(-5).validated(0), Err(MoneyError::Amount { min: 0 }));
        assert!(m(MAX_AMOUNT).validated(1).is_ok());
        assert!(m(MAX_AMOUNT + 1).validated(1).is_err());
    }
}
