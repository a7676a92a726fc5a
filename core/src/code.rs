//! Every stable error code a client can branch on, named once: the `code` of an HTTP problem
//! (`urn:veza:problem:<code>`) and of a WebSocket `error` frame. The string forms are the
//! contract (`../shared/API.md`); a new code is added here and nowhere else.

macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident => $text:literal,)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $($(#[$doc])* $variant,)*
        }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The wire form.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $text,)*
                }
            }
        }
    };
}

codes! {
    // Any endpoint.
    BadRequest => "bad_request",
    InvalidJson => "invalid_json",
    PayloadTooLarge => "payload_too_large",
    UnsupportedMediaType => "unsupported_media_type",
    ValidationFailed => "validation_failed",
    NotFound => "not_found",
    MethodNotAllowed => "method_not_allowed",
    RequestTimeout => "request_timeout",
    Conflict => "conflict",
    Forbidden => "forbidden",
    Unauthenticated => "unauthenticated",
    /// Too many requests or sends; HTTP answers carry `Retry-After`.
    RateLimited => "rate_limited",
    /// Retry: the same request, or the same send with the same `client_id`.
    Unavailable => "unavailable",
    Internal => "internal",
    IdempotencyKeyReused => "idempotency_key_reused",
    IdempotencyInProgress => "idempotency_in_progress",
    // Auth.
    EmailTaken => "email_taken",
    UsernameTaken => "username_taken",
    InvalidCredentials => "invalid_credentials",
    TokenExpired => "token_expired",
    TokenInvalid => "token_invalid",
    RefreshTokenReused => "refresh_token_reused",
    LinkInvalid => "link_invalid",
    OauthStateInvalid => "oauth_state_invalid",
    OauthProviderError => "oauth_provider_error",
    AccountDisabled => "account_disabled",
    ReauthenticationRequired => "reauthentication_required",
    LastAdmin => "last_admin",
    /// The runtime setting `registration.open` is false.
    RegistrationClosed => "registration_closed",
    /// Admins cannot suspend, ban or demote their own account.
    OwnAccount => "own_account",
    // Users.
    Blocked => "blocked",
    AlreadyFriends => "already_friends",
    RequestPending => "request_pending",
    // Chat.
    NotAMember => "not_a_member",
    Muted => "muted",
    MessageInvalid => "message_invalid",
    MessageRejected => "message_rejected",
    MessageUnstorable => "message_unstorable",
    FrameInvalid => "frame_invalid",
    // Marketplace.
    SlugTaken => "slug_taken",
    CategoryNotEmpty => "category_not_empty",
    InvalidTransition => "invalid_transition",
    ListingSold => "listing_sold",
    ListingHasAcceptedOffer => "listing_has_accepted_offer",
    CurrencyLocked => "currency_locked",
    OwnListing => "own_listing",
    ListingNotActive => "listing_not_active",
    NotYourTurn => "not_your_turn",
    CurrencyMismatch => "currency_mismatch",
    OfferExists => "offer_exists",
    AlreadyConfirmed => "already_confirmed",
    // Tracks.
    UnsupportedAudio => "unsupported_audio",
    UploadTooLarge => "upload_too_large",
    QuotaExceeded => "quota_exceeded",
    RangeNotSatisfiable => "range_not_satisfiable",
    PlaylistChanged => "playlist_changed",
    TrackInPlaylist => "track_in_playlist",
    PlaylistFull => "playlist_full",
    OrderMismatch => "order_mismatch",
    PreconditionRequired => "precondition_required",
    OffsetMismatch => "offset_mismatch",
    UploadExpired => "upload_expired",
    UploadIncomplete => "upload_incomplete",
    ChecksumMismatch => "checksum_mismatch",
    // Search.
    QueryEmpty => "query_empty",
    QueryTooLong => "query_too_long",
    QueryTooManyTerms => "query_too_many_terms",
    /// A suggestion needs at least 2 characters typed.
    QueryTooShort => "query_too_short",
    UnknownType => "unknown_type",
    CursorInvalid => "cursor_invalid",
    // Reports.
    /// Another moderator holds the case (until their claim expires).
    CaseClaimed => "case_claimed",
    CaseResolved => "case_resolved",
    // Runtime config.
    /// The key is pinned by the operator (`VEZA_SETTING__…`).
    SettingLocked => "setting_locked",
    // Server API.
    /// The API key lacks the scope this operation needs.
    ScopeRequired => "scope_required",
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Code;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = HashSet::new();
        for c in Code::ALL {
            let s = c.as_str();
            assert!(seen.insert(s), "{s} twice");
            assert!(!s.is_empty() && s.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'), "{s}");
        }
        assert_eq!(Code::NotAMember.to_string(), "not_a_member");
    }
}
