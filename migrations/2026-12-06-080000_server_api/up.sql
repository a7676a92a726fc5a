-- API keys of the server API (issue 18). A key is `vzk_<prefix>_<secret>`: the prefix finds
-- its row, the SHA-256 of the whole key is compared (the key is 256 random bits: no slow hash
-- needed). Each key owns a service user that authors what it publishes; names are never
-- reused (the messages of a revoked key keep their author).
CREATE TABLE api_keys (
    id            uuid PRIMARY KEY,
    name          text NOT NULL UNIQUE,
    prefix        text NOT NULL UNIQUE,
    secret_hash   bytea NOT NULL,
    scopes        text[] NOT NULL,
    service_user  uuid NOT NULL UNIQUE REFERENCES users (id),
    rate_per_sec  integer CHECK (rate_per_sec > 0),
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz
);
