// Diesel table definitions, kept in step with migrations/ (diesel.toml: `diesel print-schema`).

diesel::table! {
    users (id) {
        id -> Uuid,
        email -> Text,
        email_verified -> Bool,
        username -> Text,
        password_hash -> Nullable<Text>,
        display_name -> Nullable<Text>,
        bio -> Nullable<Text>,
        avatar_url -> Nullable<Text>,
        location -> Nullable<Text>,
        roles -> Array<Text>,
        status -> Text,
        status_changed_at -> Nullable<Timestamptz>,
        preferences -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        suspended_until -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    oauth_identities (provider, subject) {
        provider -> Text,
        subject -> Text,
        user_id -> Uuid,
        email -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    signing_keys (kid) {
        kid -> Text,
        private_der -> Bytea,
        public_key -> Bytea,
        created_at -> Timestamptz,
        sign_until -> Timestamptz,
        verify_until -> Timestamptz,
    }
}

diesel::table! {
    auth_sessions (id) {
        id -> Uuid,
        user_id -> Uuid,
        created_at -> Timestamptz,
        last_used_at -> Timestamptz,
        expires_at -> Timestamptz,
        user_agent -> Nullable<Text>,
        ip -> Nullable<Text>,
        revoked_at -> Nullable<Timestamptz>,
        revoked_reason -> Nullable<Text>,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Bytea,
        session_id -> Uuid,
        created_at -> Timestamptz,
        superseded_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    magic_links (token_hash) {
        token_hash -> Bytea,
        user_id -> Uuid,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    oauth_states (state_hash) {
        state_hash -> Bytea,
        provider -> Text,
        pkce_verifier -> Text,
        redirect_uri -> Nullable<Text>,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    login_codes (code_hash) {
        code_hash -> Bytea,
        user_id -> Uuid,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> Int8,
        to_addr -> Text,
        subject -> Text,
        body -> Text,
        kind -> Text,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
        attempts -> Int4,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    idempotency_keys (user_id, key) {
        user_id -> Uuid,
        key -> Text,
        request_hash -> Bytea,
        method -> Text,
        path -> Text,
        status -> Nullable<Int2>,
        content_type -> Nullable<Text>,
        body -> Nullable<Bytea>,
        created_at -> Timestamptz,
        completed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Int8,
        actor_id -> Nullable<Uuid>,
        action -> Text,
        target_type -> Nullable<Text>,
        target_id -> Nullable<Text>,
        ip -> Nullable<Text>,
        data -> Jsonb,
        created_at -> Timestamptz,
        request_id -> Nullable<Text>,
        chain_seq -> Int8,
        prev_hash -> Bytea,
        hash -> Bytea,
    }
}

diesel::table! {
    audit_head (only_row) {
        only_row -> Bool,
        seq -> Int8,
        hash -> Bytea,
    }
}

diesel::table! {
    audit_anchors (id) {
        id -> Int8,
        seq -> Int8,
        hash -> Bytea,
        node -> Text,
        token -> Text,
        signed_at -> Timestamptz,
    }
}

diesel::table! {
    friendships (requester_id, addressee_id) {
        requester_id -> Uuid,
        addressee_id -> Uuid,
        status -> Text,
        created_at -> Timestamptz,
        accepted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    blocks (blocker_id, blocked_id) {
        blocker_id -> Uuid,
        blocked_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    activity (id) {
        id -> Int8,
        user_id -> Uuid,
        kind -> Text,
        data -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    rooms (id) {
        id -> Uuid,
        name -> Text,
        topic -> Nullable<Text>,
        visibility -> Text,
        is_direct -> Bool,
        dm_low -> Nullable<Uuid>,
        dm_high -> Nullable<Uuid>,
        created_by -> Nullable<Uuid>,
        last_seq -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    room_members (room_id, user_id) {
        room_id -> Uuid,
        user_id -> Uuid,
        role -> Text,
        joined_at -> Timestamptz,
        muted_until -> Nullable<Timestamptz>,
        last_read_seq -> Int8,
    }
}

diesel::table! {
    messages (id) {
        id -> Int8,
        room_id -> Uuid,
        seq -> Int8,
        author_id -> Uuid,
        client_id -> Text,
        body -> Nullable<Text>,
        created_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
        deleted_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Jsonb,
        version -> Int8,
        updated_by -> Nullable<Uuid>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    categories (id) {
        id -> Uuid,
        parent_id -> Nullable<Uuid>,
        slug -> Text,
        name -> Text,
        position -> Int4,
        created_at -> Timestamptz,
    }
}

// `search` (a generated tsvector) is left out: only listings/search.rs reads it, in SQL.
diesel::table! {
    listings (id) {
        id -> Uuid,
        seller_id -> Uuid,
        title -> Text,
        description -> Text,
        price_amount -> Int8,
        currency -> Text,
        category_id -> Uuid,
        tags -> Array<Text>,
        condition -> Text,
        track_id -> Nullable<Uuid>,
        status -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        published_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    offers (id) {
        id -> Uuid,
        listing_id -> Uuid,
        buyer_id -> Uuid,
        seller_id -> Uuid,
        amount -> Int8,
        currency -> Text,
        message -> Nullable<Text>,
        status -> Text,
        expires_at -> Nullable<Timestamptz>,
        buyer_confirmed_at -> Nullable<Timestamptz>,
        seller_confirmed_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    offer_events (id) {
        id -> Int8,
        offer_id -> Uuid,
        actor_id -> Nullable<Uuid>,
        action -> Text,
        status -> Text,
        amount -> Nullable<Int8>,
        currency -> Nullable<Text>,
        at -> Timestamptz,
    }
}

diesel::table! {
    blobs (sha256) {
        sha256 -> Text,
        size_bytes -> Int8,
        content_type -> Text,
        refs -> Int4,
        created_at -> Timestamptz,
        orphaned_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    tracks (id) {
        id -> Uuid,
        owner_id -> Uuid,
        blob_sha256 -> Text,
        cover_sha256 -> Nullable<Text>,
        title -> Text,
        artist -> Nullable<Text>,
        album -> Nullable<Text>,
        year -> Nullable<Int4>,
        genre -> Nullable<Text>,
        track_number -> Nullable<Int4>,
        duration_ms -> Int8,
        bitrate -> Int4,
        sample_rate -> Int4,
        channels -> Int2,
        codec -> Text,
        format -> Text,
        size_bytes -> Int8,
        loudness_lufs -> Nullable<Float4>,
        visibility -> Text,
        tags -> Array<Text>,
        plays -> Int8,
        peaks -> Array<Float4>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        hidden_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    uploads (id) {
        id -> Uuid,
        owner_id -> Uuid,
        size_bytes -> Int8,
        offset_bytes -> Int8,
        filename -> Text,
        sha256 -> Nullable<Text>,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    playlists (id) {
        id -> Uuid,
        owner_id -> Uuid,
        name -> Text,
        public -> Bool,
        version -> Int8,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        hidden_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    playlist_tracks (playlist_id, track_id) {
        playlist_id -> Uuid,
        track_id -> Uuid,
        position -> Text,
        added_at -> Timestamptz,
    }
}

diesel::table! {
    favorites (user_id, track_id) {
        user_id -> Uuid,
        track_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    plays (id) {
        id -> Int8,
        user_id -> Uuid,
        track_id -> Uuid,
        played_at -> Timestamptz,
    }
}

diesel::table! {
    listens (listener, track_id) {
        listener -> Text,
        track_id -> Uuid,
        bytes -> Int8,
        counted -> Bool,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(room_members -> rooms (room_id));
diesel::joinable!(room_members -> users (user_id));
diesel::joinable!(messages -> rooms (room_id));
diesel::joinable!(messages -> users (author_id));
diesel::joinable!(oauth_identities -> users (user_id));
diesel::joinable!(auth_sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> auth_sessions (session_id));
diesel::joinable!(magic_links -> users (user_id));
diesel::joinable!(login_codes -> users (user_id));
diesel::joinable!(activity -> users (user_id));
diesel::joinable!(listings -> users (seller_id));
diesel::joinable!(listings -> categories (category_id));
diesel::joinable!(offers -> listings (listing_id));
diesel::joinable!(offer_events -> offers (offer_id));
diesel::joinable!(tracks -> users (owner_id));
diesel::joinable!(listings -> tracks (track_id));
diesel::joinable!(uploads -> users (owner_id));
diesel::joinable!(playlists -> users (owner_id));
diesel::joinable!(playlist_tracks -> playlists (playlist_id));
diesel::joinable!(playlist_tracks -> tracks (track_id));
diesel::joinable!(favorites -> tracks (track_id));
diesel::joinable!(plays -> tracks (track_id));
diesel::joinable!(listens -> tracks (track_id));

diesel::table! {
    report_cases (id) {
        id -> Uuid,
        target_type -> Text,
        target_id -> Text,
        target_owner -> Nullable<Uuid>,
        evidence -> Jsonb,
        status -> Text,
        report_count -> Int4,
        flagged_by -> Nullable<Text>,
        first_reported_at -> Timestamptz,
        last_reported_at -> Timestamptz,
        claimed_by -> Nullable<Uuid>,
        claimed_until -> Nullable<Timestamptz>,
        resolution -> Nullable<Text>,
        resolution_note -> Nullable<Text>,
        resolved_by -> Nullable<Uuid>,
        resolved_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    reports (case_id, reporter_id) {
        case_id -> Uuid,
        reporter_id -> Uuid,
        reason -> Text,
        note -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    user_warnings (id) {
        id -> Uuid,
        user_id -> Uuid,
        case_id -> Nullable<Uuid>,
        warned_by -> Uuid,
        note -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    settings_history (version, key) {
        version -> Int8,
        key -> Text,
        old_value -> Nullable<Jsonb>,
        new_value -> Nullable<Jsonb>,
        changed_by -> Nullable<Uuid>,
        changed_at -> Timestamptz,
        rollback_of -> Nullable<Int8>,
    }
}

diesel::table! {
    user_timeouts (user_id) {
        user_id -> Uuid,
        until -> Timestamptz,
    }
}

diesel::joinable!(reports -> report_cases (case_id));

diesel::table! {
    api_keys (id) {
        id -> Uuid,
        name -> Text,
        prefix -> Text,
        secret_hash -> Bytea,
        scopes -> Array<Text>,
        service_user -> Uuid,
        rate_per_sec -> Nullable<Int4>,
        created_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(api_keys -> users (service_user));

diesel::allow_tables_to_appear_in_same_query!(
    api_keys,
    users,
    oauth_identities,
    signing_keys,
    auth_sessions,
    refresh_tokens,
    magic_links,
    oauth_states,
    login_codes,
    mail_outbox,
    idempotency_keys,
    audit_log,
    audit_head,
    audit_anchors,
    friendships,
    blocks,
    activity,
    rooms,
    room_members,
    messages,
    settings,
    categories,
    listings,
    offers,
    offer_events,
    blobs,
    tracks,
    uploads,
    playlists,
    playlist_tracks,
    favorites,
    plays,
    listens,
    report_cases,
    reports,
    user_warnings,
    settings_history,
    user_timeouts,
);
