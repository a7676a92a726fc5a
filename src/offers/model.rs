//! Offer types and the negotiation rules: who may do what in which state, in one table.

use crate::error::{DomainError, Fault};
use crate::money::Money;
use crate::users::model::UserRef;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use veza_core::Code;
use veza_core::text::TextRule;

pub const MESSAGE_MAX: usize = 1000;

/// Offers' failures beyond the shared ones.
#[derive(Debug, thiserror::Error)]
pub enum OfferFault {
    #[error("it is not your turn to {0} this offer")]
    NotYourTurn(&'static str),
    #[error("a {from} offer cannot be {action}")]
    InvalidTransition { from: &'static str, action: &'static str },
    #[error("the listing is priced in {expected}")]
    CurrencyMismatch { expected: String },
}

pub type OfferError = DomainError<OfferFault>;

impl Fault for OfferFault {}

impl OfferError {
    pub fn own_listing() -> Self {
        DomainError::forbidden(Code::OwnListing, "you cannot make an offer on your own listing")
    }

    pub fn blocked() -> Self {
        DomainError::forbidden(Code::Blocked, "the seller does not accept offers from you")
    }

    pub fn listing_not_active() -> Self {
        DomainError::conflict(Code::ListingNotActive, "the listing is not active")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OfferStatus {
    /// The seller's turn.
    Pending,
    /// The buyer's turn, after a seller's counter.
    Countered,
    Accepted,
    Completed,
    Declined,
    Withdrawn,
    Expired,
    Cancelled,
}

impl OfferStatus {
    pub const ALL: [OfferStatus; 8] = [
        Self::Pending,
        Self::Countered,
        Self::Accepted,
        Self::Completed,
        Self::Declined,
        Self::Withdrawn,
        Self::Expired,
        Self::Cancelled,
    ];
    /// Negotiation still running: someone has to answer, and it can expire.
    pub const OPEN: [&'static str; 2] = ["pending", "countered"];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Countered => "countered",
            Self::Accepted => "accepted",
            Self::Completed => "completed",
            Self::Declined => "declined",
            Self::Withdrawn => "withdrawn",
            Self::Expired => "expired",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn is_open(self) -> bool {
        matches!(self, Self::Pending | Self::Countered)
    }

    /// Whose answer the offer waits for.
    pub fn turn(self) -> Option<Party> {
        match self {
            Self::Pending => Some(Party::Seller),
            Self::Countered => Some(Party::Buyer),
            _ => None,
        }
    }
}

/// Who acts: one of the two parties, or the expiry scheduler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    Buyer,
    Seller,
    System,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferAction {
    Counter,
    Accept,
    Decline,
    Withdraw,
    Confirm,
    Cancel,
    Expire,
}

impl OfferAction {
    pub const ALL: [OfferAction; 7] =
        [Self::Counter, Self::Accept, Self::Decline, Self::Withdraw, Self::Confirm, Self::Cancel, Self::Expire];

    /// The verb, as in the route (`/offers/{id}/<verb>`).
    pub fn verb(self) -> &'static str {
        match self {
            Self::Counter => "counter",
            Self::Accept => "accept",
            Self::Decline => "decline",
            Self::Withdraw => "withdraw",
            Self::Confirm => "confirm",
            Self::Cancel => "cancel",
            Self::Expire => "expire",
        }
    }

    /// The history's word for it (`offer_events.action`, activity `offer.<word>`).
    pub fn past_tense(self) -> &'static str {
        match self {
            Self::Counter => "countered",
            Self::Accept => "accepted",
            Self::Decline => "declined",
            Self::Withdraw => "withdrawn",
            Self::Confirm => "confirmed",
            Self::Cancel => "cancelled",
            Self::Expire => "expired",
        }
    }

    /// Accepting, confirming and cancelling change the listing: they lock it first.
    pub fn touches_listing(self) -> bool {
        matches!(self, Self::Accept | Self::Confirm | Self::Cancel)
    }
}

/// The negotiation, whole. Whoever's turn it is answers (counter, accept, decline); the party
/// who made the current proposal may withdraw it; after acceptance each party confirms (the
/// second confirmation completes) or either cancels; only the scheduler expires.
const RULES: &[(OfferStatus, OfferAction, Party, OfferStatus)] = {
    use OfferAction::*;
    use OfferStatus::*;
    use Party::*;
    &[
        (Pending, Counter, Seller, Countered),
        (Pending, Accept, Seller, Accepted),
        (Pending, Decline, Seller, Declined),
        (Pending, Withdraw, Buyer, Withdrawn),
        (Pending, Expire, System, Expired),
        (Countered, Counter, Buyer, Pending),
        (Countered, Accept, Buyer, Accepted),
        (Countered, Decline, Buyer, Declined),
        (Countered, Withdraw, Seller, Withdrawn),
        (Countered, Expire, System, Expired),
        // Completed once both have confirmed; `decide` keeps it `accepted` after the first.
        (Accepted, Confirm, Buyer, Completed),
        (Accepted, Confirm, Seller, Completed),
        (Accepted, Cancel, Buyer, Cancelled),
        (Accepted, Cancel, Seller, Cancelled),
    ]
};

/// Who has confirmed an accepted offer so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Confirmed {
    pub buyer: bool,
    pub seller: bool,
}

/// The status after `party` does `action` on an offer in `from`: 409 `invalid_transition` when
/// nobody may do it in this state, 403 `not_your_turn` when someone else may, 409
/// `already_confirmed` for a second confirmation by the same party.
pub fn decide(
    from: OfferStatus,
    action: OfferAction,
    party: Party,
    confirmed: Confirmed,
) -> Result<OfferStatus, OfferError> {
    let mut in_state = RULES.iter().filter(|(f, a, _, _)| *f == from && *a == action).peekable();
    if in_state.peek().is_none() {
        return Err(OfferError::Feature(OfferFault::InvalidTransition {
            from: from.as_str(),
            action: action.past_tense(),
        }));
    }
    let (_, _, _, to) =
        in_state.find(|(_, _, p, _)| *p == party).ok_or(OfferError::Feature(OfferFault::NotYourTurn(action.verb())))?;
    if action != OfferAction::Confirm {
        return Ok(*to);
    }
    let (mine, other) = match party {
        Party::Buyer => (confirmed.buyer, confirmed.seller),
        _ => (confirmed.seller, confirmed.buyer),
    };
    if mine {
        return Err(OfferError::Conflict(Code::AlreadyConfirmed, "you have already confirmed this exchange".into()));
    }
    Ok(if other { *to } else { OfferStatus::Accepted })
}

/// `POST /listings/{id}/offers`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOffer {
    pub amount: Money,
    pub message: Option<String>,
}

/// `POST /offers/{id}/counter`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CounterBody {
    pub amount: Money,
}

/// An offer's note to the other party.
pub const MESSAGE: TextRule = TextRule::prose(0, MESSAGE_MAX);

/// An optional note, trimmed; empty means none.
pub fn message(raw: Option<&str>) -> Result<Option<String>, OfferError> {
    let Some(m) = raw.map(str::trim).filter(|m| !m.is_empty()) else { return Ok(None) };
    let m =
        MESSAGE.check(m).map_err(|_| OfferError::invalid("message", format!("at most {MESSAGE_MAX} characters")))?;
    Ok(Some(m.to_owned()))
}

/// The least an offer or a counter can propose, in minor units: nothing is no offer.
pub const PROPOSAL_MIN: i64 = 1;

/// A proposal's amount: positive, in the listing's currency.
pub fn proposal(amount: Money, listing_currency: &str) -> Result<Money, OfferError> {
    let m =
        amount.validated(PROPOSAL_MIN).map_err(|e| OfferError::Invalid { field: "amount", message: e.to_string() })?;
    if m.currency != listing_currency {
        return Err(OfferError::Feature(OfferFault::CurrencyMismatch { expected: listing_currency.to_owned() }));
    }
    Ok(m)
}

/// The listing as an offer shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfferListing {
    pub id: Uuid,
    pub title: String,
    pub status: String,
}

/// One line of an offer's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfferEventView {
    /// `created`, `countered`, `accepted`, `declined`, `withdrawn`, `confirmed`, `cancelled`, `expired`.
    pub action: String,
    /// `null` when the system acted (expiry).
    pub actor: Option<UserRef>,
    /// The offer's status after this event.
    pub status: OfferStatus,
    /// The amount proposed, for `created` and `countered`.
    pub amount: Option<Money>,
    pub at: DateTime<Utc>,
}

/// An offer as its two parties see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfferView {
    pub id: Uuid,
    pub listing: OfferListing,
    pub buyer: UserRef,
    pub seller: UserRef,
    /// The current proposal.
    pub amount: Money,
    pub message: Option<String>,
    pub status: OfferStatus,
    /// Whose answer it waits for (open offers only).
    pub turn: Option<Party>,
    /// When it expires unless answered (open offers only).
    pub expires_at: Option<DateTime<Utc>>,
    pub buyer_confirmed: bool,
    pub seller_confirmed: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The full history, oldest first (left out of lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<OfferEventView>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use OfferAction::*;
    use OfferStatus::*;

    #[test]
    fn the_metrics_preset_every_offer_state() {
        let states: Vec<&str> = OfferStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(states, crate::metrics::OFFER_STATES);
    }
    use Party::*;

    const PARTIES: [Party; 3] = [Buyer, Seller, System];

    /// Written out independently of `RULES`: the legal (state, action, party) and the result
    /// with nobody having confirmed yet.
    fn expected(from: OfferStatus, action: OfferAction, party: Party) -> Option<OfferStatus> {
        match (from, action, party) {
            (Pending, Counter, Seller) => Some(Countered),
            (Pending, Accept, Seller) => Some(Accepted),
            (Pending, Decline, Seller) => Some(Declined),
            (Pending, Withdraw, Buyer) => Some(Withdrawn),
            (Countered, Counter, Buyer) => Some(Pending),
            (Countered, Accept, Buyer) => Some(Accepted),
            (Countered, Decline, Buyer) => Some(Declined),
            (Countered, Withdraw, Seller) => Some(Withdrawn),
            (Pending | Countered, Expire, System) => Some(Expired),
            (Accepted, Confirm, Buyer | Seller) => Some(Accepted),
            (Accepted, Cancel, Buyer | Seller) => Some(Cancelled),
            _ => None,
        }
    }

    #[test]
    fn every_legal_and_every_illegal_transition() {
        let mut legal = 0;
        for from in OfferStatus::ALL {
            for action in OfferAction::ALL {
                let anyone = PARTIES.iter().any(|p| expected(from, action, *p).is_some());
                for party in PARTIES {
                    let got = decide(from, action, party, Confirmed::default());
                    match (got, expected(from, action, party)) {
                        (Ok(to), Some(want)) => {
                            assert_eq!(to, want, "{from:?} {action:?} by {party:?}");
                            legal += 1;
                        }
                        (Err(OfferError::Feature(OfferFault::NotYourTurn(_))), None) if anyone => {}
                        (Err(OfferError::Feature(OfferFault::InvalidTransition { .. })), None) if !anyone => {}
                        (got, want) => panic!("{from:?} {action:?} by {party:?}: got {got:?}, expected {want:?}"),
                    }
                }
            }
        }
        assert_eq!(legal, 14);
    }

    #[test]
    fn the_second_confirmation_completes_and_a_repeat_is_refused() {
        let buyer_done = Confirmed { buyer: true, seller: false };
        assert_eq!(decide(Accepted, Confirm, Seller, buyer_done).ok(), Some(Completed));
        assert!(matches!(
            decide(Accepted, Confirm, Buyer, buyer_done),
            Err(OfferError::Conflict(Code::AlreadyConfirmed, _))
        ));
        let seller_done = Confirmed { buyer: false, seller: true };
        assert_eq!(decide(Accepted, Confirm, Buyer, seller_done).ok(), Some(Completed));
    }

    #[test]
    fn turns_and_proposals() {
        assert_eq!((Pending.turn(), Countered.turn(), Accepted.turn()), (Some(Seller), Some(Buyer), None));
        assert!(Pending.is_open() && Countered.is_open() && !Accepted.is_open());
        let eur = |amount| Money { amount, currency: "eur".into() };
        assert_eq!(proposal(eur(900), "EUR").ok(), Some(Money { amount: 900, currency: "EUR".into() }));
        assert!(matches!(proposal(eur(900), "USD"), Err(OfferError::Feature(OfferFault::CurrencyMismatch { .. }))));
        assert!(matches!(proposal(eur(0), "EUR"), Err(OfferError::Invalid { field: "amount", .. })));
        assert_eq!(message(Some("  ")).ok(), Some(None));
        assert!(message(Some(&"x".repeat(1001))).is_err());
    }
}
