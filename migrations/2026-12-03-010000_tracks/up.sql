-- Tracks: audio blobs (content-addressed, reference-counted), tracks, resumable uploads,
-- playlists, favourites and plays.

-- One row per stored blob (audio or cover art), keyed by its SHA-256. `refs` counts the rows
-- that name it, changed only under the blob row's lock; a blob whose count reaches 0 is
-- stamped `orphaned_at` and removed from storage by the sweeper after commit, which locks the
-- row and checks the count again (an upload may have taken it back meanwhile).
CREATE TABLE blobs (
    sha256       text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size_bytes   bigint NOT NULL CHECK (size_bytes >= 0),
    content_type text NOT NULL,
    refs         integer NOT NULL DEFAULT 0 CHECK (refs >= 0),
    created_at   timestamptz NOT NULL DEFAULT now(),
    orphaned_at  timestamptz
);
CREATE INDEX blobs_orphaned ON blobs (orphaned_at) WHERE orphaned_at IS NOT NULL;

CREATE FUNCTION track_tags_text(tags text[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT array_to_string(tags, ' ') $$;

CREATE TABLE tracks (
    id             uuid PRIMARY KEY,
    owner_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blob_sha256    text NOT NULL REFERENCES blobs (sha256),
    cover_sha256   text REFERENCES blobs (sha256),
    title          text NOT NULL,
    artist         text,
    album          text,
    year           integer,
    genre          text,
    track_number   integer,
    duration_ms    bigint NOT NULL CHECK (duration_ms >= 0),
    bitrate        integer NOT NULL CHECK (bitrate >= 0),
    sample_rate    integer NOT NULL CHECK (sample_rate > 0),
    channels       smallint NOT NULL CHECK (channels > 0),
    codec          text NOT NULL,
    format         text NOT NULL,
    size_bytes     bigint NOT NULL CHECK (size_bytes >= 0),
    loudness_lufs  real,
    visibility     text NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'private')),
    tags           text[] NOT NULL DEFAULT '{}',
    plays          bigint NOT NULL DEFAULT 0,
    peaks          real[] NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    search         tsvector GENERATED ALWAYS AS (
                       setweight(to_tsvector('simple', title), 'A')
                       || setweight(to_tsvector('simple', coalesce(artist, '') || ' ' || coalesce(album, '')), 'B')
                       || setweight(to_tsvector('simple', track_tags_text(tags)), 'C')
                   ) STORED,
    -- The same bytes uploaded twice by one user are one track.
    UNIQUE (owner_id, blob_sha256)
);
CREATE INDEX tracks_owner ON tracks (owner_id, id DESC);
CREATE INDEX tracks_public ON tracks (id DESC) WHERE visibility = 'public';
CREATE INDEX tracks_search ON tracks USING gin (search);
CREATE INDEX tracks_tags ON tracks USING gin (tags);
CREATE INDEX tracks_blob ON tracks (blob_sha256);

-- tus uploads in progress: any node takes the next chunk (the bytes live in storage parts or,
-- on file:// storage, in the shared upload directory).
CREATE TABLE uploads (
    id           uuid PRIMARY KEY,
    owner_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    size_bytes   bigint NOT NULL CHECK (size_bytes > 0),
    offset_bytes bigint NOT NULL DEFAULT 0 CHECK (offset_bytes >= 0 AND offset_bytes <= size_bytes),
    filename     text NOT NULL,
    sha256       text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX uploads_owner ON uploads (owner_id);
CREATE INDEX uploads_expiry ON uploads (expires_at);

CREATE TABLE playlists (
    id          uuid PRIMARY KEY,
    owner_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        text NOT NULL,
    public      boolean NOT NULL DEFAULT false,
    -- Bumped by every change: the ETag that If-Match checks.
    version     bigint NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX playlists_owner ON playlists (owner_id, id DESC);

-- Positions are fractional keys (text compared byte-wise): an insert between two tracks makes a
-- key between theirs, so nothing is renumbered.
CREATE TABLE playlist_tracks (
    playlist_id uuid NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
    track_id    uuid NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    position    text COLLATE "C" NOT NULL,
    added_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (playlist_id, track_id),
    UNIQUE (playlist_id, position)
);
CREATE INDEX playlist_tracks_track ON playlist_tracks (track_id);

CREATE TABLE favorites (
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    track_id   uuid NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, track_id)
);
CREATE INDEX favorites_user ON favorites (user_id, created_at DESC);
CREATE INDEX favorites_track ON favorites (track_id);

CREATE TABLE plays (
    id        bigserial PRIMARY KEY,
    user_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    track_id  uuid NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    played_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX plays_user ON plays (user_id, id DESC);
CREATE INDEX plays_track ON plays (track_id);

-- Audio fetched per listener and track (a user, or an anonymous client's address): a play is
-- counted once a listen has fetched 30 s of audio (or the whole of a shorter track); a listen
-- idle for 30 minutes starts afresh.
CREATE TABLE listens (
    listener   text NOT NULL,
    track_id   uuid NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    bytes      bigint NOT NULL DEFAULT 0 CHECK (bytes >= 0),
    counted    boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (listener, track_id)
);
CREATE INDEX listens_idle ON listens (updated_at);

-- A listing's track must be its seller's: ids naming no track are cleared first.
UPDATE listings SET track_id = NULL WHERE track_id IS NOT NULL AND track_id NOT IN (SELECT id FROM tracks);
ALTER TABLE listings ADD CONSTRAINT listings_track_fk FOREIGN KEY (track_id) REFERENCES tracks (id) ON DELETE SET NULL;
