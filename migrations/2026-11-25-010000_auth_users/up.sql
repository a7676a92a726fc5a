-- Accounts, login sessions with rotating refresh tokens, signing keys, and the small tables
-- the auth flows need (magic links, OAuth state, login codes), plus the mail outbox,
-- idempotency records, audit trail, social graph and activity history.

CREATE TABLE users (
    id              uuid PRIMARY KEY,
    email           text NOT NULL,
    email_verified  boolean NOT NULL DEFAULT false,
    username        text NOT NULL,
    password_hash   text,
    display_name    text,
    bio             text,
    avatar_url      text,
    location        text,
    roles           text[] NOT NULL DEFAULT '{user}',
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'banned')),
    status_changed_at timestamptz,
    preferences     jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE UNIQUE INDEX users_username_key ON users (username);
SELECT diesel_manage_updated_at('users');

CREATE TABLE oauth_identities (
    provider    text NOT NULL,
    subject     text NOT NULL,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email       text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, subject)
);
CREATE INDEX oauth_identities_user ON oauth_identities (user_id);

-- Ed25519 keys: signing with the newest active one; verifying with any not yet retired.
CREATE TABLE signing_keys (
    kid         text PRIMARY KEY,
    private_der bytea NOT NULL,
    public_key  bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    sign_until  timestamptz NOT NULL,
    verify_until timestamptz NOT NULL
);

-- A login session is a refresh-token family: one live token at a time.
CREATE TABLE auth_sessions (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    user_agent    text,
    ip            text,
    revoked_at    timestamptz,
    revoked_reason text
);
CREATE INDEX auth_sessions_user ON auth_sessions (user_id);
CREATE INDEX auth_sessions_revoked ON auth_sessions (revoked_at) WHERE revoked_at IS NOT NULL;

CREATE TABLE refresh_tokens (
    token_hash    bytea PRIMARY KEY,
    session_id    uuid NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    superseded_at timestamptz
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);
-- The invariant "one live token per session", enforced by the database too.
CREATE UNIQUE INDEX refresh_tokens_one_live ON refresh_tokens (session_id) WHERE superseded_at IS NULL;

CREATE TABLE magic_links (
    token_hash  bytea PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);

CREATE TABLE oauth_states (
    state_hash    bytea PRIMARY KEY,
    provider      text NOT NULL,
    pkce_verifier text NOT NULL,
    redirect_uri  text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL
);

CREATE TABLE login_codes (
    code_hash   bytea PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);

CREATE TABLE mail_outbox (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    to_addr     text NOT NULL,
    subject     text NOT NULL,
    body        text NOT NULL,
    kind        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz,
    attempts    integer NOT NULL DEFAULT 0,
    last_error  text
);
CREATE INDEX mail_outbox_pending ON mail_outbox (id) WHERE sent_at IS NULL;

CREATE TABLE idempotency_keys (
    user_id       uuid NOT NULL,
    key           text NOT NULL,
    request_hash  bytea NOT NULL,
    method        text NOT NULL,
    path          text NOT NULL,
    status        smallint,
    content_type  text,
    body          bytea,
    created_at    timestamptz NOT NULL DEFAULT now(),
    completed_at  timestamptz,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor_id    uuid,
    action      text NOT NULL,
    target_type text,
    target_id   text,
    ip          text,
    data        jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_created ON audit_log (created_at DESC);
CREATE INDEX audit_log_actor ON audit_log (actor_id, created_at DESC);

-- One row per pair, whoever asked: requester -> addressee, pending until accepted.
CREATE TABLE friendships (
    requester_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    addressee_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status        text NOT NULL CHECK (status IN ('pending', 'accepted')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    accepted_at   timestamptz,
    PRIMARY KEY (requester_id, addressee_id),
    CHECK (requester_id <> addressee_id)
);
CREATE UNIQUE INDEX friendships_pair ON friendships (LEAST(requester_id, addressee_id), GREATEST(requester_id, addressee_id));
CREATE INDEX friendships_addressee ON friendships (addressee_id);

CREATE TABLE blocks (
    blocker_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blocked_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (blocker_id, blocked_id),
    CHECK (blocker_id <> blocked_id)
);
CREATE INDEX blocks_blocked ON blocks (blocked_id);

CREATE TABLE activity (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        text NOT NULL,
    data        jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX activity_user ON activity (user_id, id DESC);
