//! The fiscal vocabulary of Russian receipts (54-FZ), shared by every provider.
//!
//! Each provider spells these differently (`"vat22"`, `11`, ...); the spelling lives in one
//! table per provider crate, tested against these enums in both directions. There is no shared
//! integer: the same rate has a different number at each provider. Each enum has one canonical,
//! provider-neutral name (`"22/122"`, `"full_payment"`, `"commodity"`): what refundkit's own
//! formats (the refund description of `refundkit plan`) use, through `as_str` and `FromStr`.

use std::fmt;
use std::str::FromStr;

/// A name that is not one of an enum's canonical names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name:?} is not one of {known}")]
pub struct UnknownName {
    /// The name given.
    pub name: String,
    /// The names known, comma-separated.
    pub known: String,
}

/// Canonical names for an enum: `as_str`, `FromStr`, `Display`.
macro_rules! canonical_names {
    ($t:ty { $($variant:ident = $name:literal),* $(,)? }) => {
        impl $t {
            /// The canonical, provider-neutral name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(<$t>::$variant => $name,)*
                }
            }
        }

        impl FromStr for $t {
            type Err = UnknownName;
            fn from_str(s: &str) -> Result<Self, UnknownName> {
                match s {
                    $($name => Ok(<$t>::$variant),)*
                    _ => Err(UnknownName {
                        name: s.to_owned(),
                        known: [$($name),*].join(", "),
                    }),
                }
            }
        }

        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

canonical_names!(VatRate {
    None = "none",
    Vat0 = "0",
    Vat5 = "5",
    Vat7 = "7",
    Vat10 = "10",
    Vat20 = "20",
    Vat22 = "22",
    Vat5_105 = "5/105",
    Vat7_107 = "7/107",
    Vat10_110 = "10/110",
    Vat20_120 = "20/120",
    Vat22_122 = "22/122",
});

canonical_names!(PaymentMethod {
    FullPrepayment = "full_prepayment",
    Prepayment = "prepayment",
    Advance = "advance",
    FullPayment = "full_payment",
    PartialPayment = "partial_payment",
    Credit = "credit",
    CreditPayment = "credit_payment",
});

canonical_names!(PaymentSubject {
    Commodity = "commodity",
    Excise = "excise",
    Job = "job",
    Service = "service",
    GamblingBet = "gambling_bet",
    GamblingPrize = "gambling_prize",
    Lottery = "lottery",
    LotteryPrize = "lottery_prize",
    IntellectualActivity = "intellectual_activity",
    Payment = "payment",
    AgentCommission = "agent_commission",
    Composite = "composite",
    Another = "another",
    PropertyRight = "property_right",
    NonOperatingGain = "non_operating_gain",
    InsurancePremium = "insurance_premium",
    SalesTax = "sales_tax",
    ResortFee = "resort_fee",
    MarkedCommodity = "marked_commodity",
});

/// VAT rate of a receipt line (FFD tag 1199). 22% replaced 20% on 2026-01-01; the old rates
/// stay valid for refunds of older sales.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VatRate {
    /// Not subject to VAT.
    None,
    /// 0%.
    Vat0,
    /// 5% (since 2025).
    Vat5,
    /// 7% (since 2025).
    Vat7,
    /// 10%.
    Vat10,
    /// 20% (until 2025).
    Vat20,
    /// 22% (since 2026).
    Vat22,
    /// Calculated rate 5/105.
    Vat5_105,
    /// Calculated rate 7/107.
    Vat7_107,
    /// Calculated rate 10/110.
    Vat10_110,
    /// Calculated rate 20/120.
    Vat20_120,
    /// Calculated rate 22/122.
    Vat22_122,
}

impl VatRate {
    /// Every rate, for exhaustive table tests.
    pub const ALL: [VatRate; 12] = [
        VatRate::None,
        VatRate::Vat0,
        VatRate::Vat5,
        VatRate::Vat7,
        VatRate::Vat10,
        VatRate::Vat20,
        VatRate::Vat22,
        VatRate::Vat5_105,
        VatRate::Vat7_107,
        VatRate::Vat10_110,
        VatRate::Vat20_120,
        VatRate::Vat22_122,
    ];
}

/// Payment method of a receipt line (FFD tag 1214).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PaymentMethod {
    /// 1: full prepayment before delivery.
    FullPrepayment,
    /// 2: partial prepayment (YooKassa: `partial_prepayment`).
    Prepayment,
    /// 3: advance.
    Advance,
    /// 4: full payment at delivery.
    FullPayment,
    /// 5: partial payment and credit.
    PartialPayment,
    /// 6: credit (goods delivered, nothing paid).
    Credit,
    /// 7: payment of a credit.
    CreditPayment,
}

impl PaymentMethod {
    /// Every method, for exhaustive table tests.
    pub const ALL: [PaymentMethod; 7] = [
        PaymentMethod::FullPrepayment,
        PaymentMethod::Prepayment,
        PaymentMethod::Advance,
        PaymentMethod::FullPayment,
        PaymentMethod::PartialPayment,
        PaymentMethod::Credit,
        PaymentMethod::CreditPayment,
    ];

    /// The FFD code (1..=7).
    pub fn ffd_code(self) -> u8 {
        match self {
            PaymentMethod::FullPrepayment => 1,
            PaymentMethod::Prepayment => 2,
            PaymentMethod::Advance => 3,
            PaymentMethod::FullPayment => 4,
            PaymentMethod::PartialPayment => 5,
            PaymentMethod::Credit => 6,
            PaymentMethod::CreditPayment => 7,
        }
    }
}

/// Payment subject of a receipt line (FFD tag 1212): what is being paid for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PaymentSubject {
    /// 1: goods.
    Commodity,
    /// 2: excise goods.
    Excise,
    /// 3: work.
    Job,
    /// 4: service.
    Service,
    /// 5: gambling bet.
    GamblingBet,
    /// 6: gambling prize.
    GamblingPrize,
    /// 7: lottery ticket.
    Lottery,
    /// 8: lottery prize.
    LotteryPrize,
    /// 9: intellectual property.
    IntellectualActivity,
    /// 10: payment.
    Payment,
    /// 11: agent commission.
    AgentCommission,
    /// 12: composite subject.
    Composite,
    /// 13: another subject.
    Another,
    /// 14: property right.
    PropertyRight,
    /// 15: non-operating gain.
    NonOperatingGain,
    /// 16: insurance premium.
    InsurancePremium,
    /// 17: sales tax.
    SalesTax,
    /// 18: resort fee.
    ResortFee,
    /// 33: goods with a marking code (Robokassa's `tovar_mark`).
    MarkedCommodity,
}

impl PaymentSubject {
    /// Every subject, for exhaustive table tests.
    pub const ALL: [PaymentSubject; 19] = [
        PaymentSubject::Commodity,
        PaymentSubject::Excise,
        PaymentSubject::Job,
        PaymentSubject::Service,
        PaymentSubject::GamblingBet,
        PaymentSubject::GamblingPrize,
        PaymentSubject::Lottery,
        PaymentSubject::LotteryPrize,
        PaymentSubject::IntellectualActivity,
        PaymentSubject::Payment,
        PaymentSubject::AgentCommission,
        PaymentSubject::Composite,
        PaymentSubject::Another,
        PaymentSubject::PropertyRight,
        PaymentSubject::NonOperatingGain,
        PaymentSubject::InsurancePremium,
        PaymentSubject::SalesTax,
        PaymentSubject::ResortFee,
        PaymentSubject::MarkedCommodity,
    ];
}

#[cfg(test)]
mod tests;

/// Longest marking code (FFD 1.2 tag 2000, "код маркировки") taken: 256 bytes.
pub const MAX_MARKING_CODE_LEN: usize = 256;

/// Whether `code` has the form of a marking code as printed on a marked good: 1 to
/// [`MAX_MARKING_CODE_LEN`] bytes of printable ASCII, with the GS separator (0x1D) the
/// DataMatrix text carries between its groups; nothing else (no space at either end, no other
/// control character, no Cyrillic).
pub fn is_marking_code_form(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= MAX_MARKING_CODE_LEN
        && code
            .bytes()
            .all(|b| b == 0x1d || (b'!'..=b'~').contains(&b))
}
