-- Chat: rooms (public, private, direct), members with roles, mutes and read markers, messages
-- numbered per room by `seq` with no gaps, and runtime settings.

CREATE TABLE rooms (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    topic       text,
    visibility  text NOT NULL CHECK (visibility IN ('public', 'private')),
    is_direct   boolean NOT NULL DEFAULT false,
    -- A direct room's pair, smallest id first: one direct room per pair.
    dm_low      uuid REFERENCES users (id) ON DELETE CASCADE,
    dm_high     uuid REFERENCES users (id) ON DELETE CASCADE,
    created_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    -- Highest seq handed out; taken under this row's lock, so seq order is commit order.
    last_seq    bigint NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (NOT is_direct OR (dm_low IS NOT NULL AND dm_high IS NOT NULL AND dm_low < dm_high AND visibility = 'private'))
);
CREATE UNIQUE INDEX rooms_direct_pair ON rooms (dm_low, dm_high) WHERE is_direct;
CREATE INDEX rooms_public_name ON rooms (lower(name)) WHERE visibility = 'public';

CREATE TABLE room_members (
    room_id        uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role           text NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'moderator', 'member')),
    joined_at      timestamptz NOT NULL DEFAULT now(),
    muted_until    timestamptz,
    last_read_seq  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (room_id, user_id)
);
CREATE INDEX room_members_user ON room_members (user_id);

CREATE TABLE messages (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    room_id     uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    seq         bigint NOT NULL,
    author_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id   text NOT NULL,
    body        text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz,
    deleted_by  uuid,
    UNIQUE (room_id, seq),
    -- A retried send finds its original instead of creating a second message.
    UNIQUE (room_id, author_id, client_id)
);

-- Runtime settings: cached by every node, polled by version.
CREATE TABLE settings (
    key         text PRIMARY KEY,
    value       jsonb NOT NULL,
    version     bigint NOT NULL,
    updated_by  uuid,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE SEQUENCE settings_version;
INSERT INTO settings (key, value, version) VALUES ('chat.banned_words', '[]'::jsonb, nextval('settings_version'));
