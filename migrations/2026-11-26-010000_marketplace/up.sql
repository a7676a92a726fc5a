-- Marketplace: a category tree (seeded), listings with a lifecycle and a weighted full-text
-- document, offers negotiated through a state machine whose every transition is an event.

CREATE TABLE categories (
    id          uuid PRIMARY KEY,
    parent_id   uuid REFERENCES categories (id) ON DELETE RESTRICT,
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name        text NOT NULL,
    position    integer NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (parent_id IS NULL OR parent_id <> id)
);
CREATE INDEX categories_parent ON categories (parent_id);

-- Sensible defaults for a music market; admins edit the tree under /api/v1/admin/categories.
-- (slug, parent slug, name, position); ids are random (v4): only slugs are stable.
WITH seed (slug, parent, name, position) AS (VALUES
    ('instruments', NULL, 'Instruments', 1),
    ('guitars', 'instruments', 'Guitars', 1),
    ('electric-guitars', 'guitars', 'Electric guitars', 1),
    ('acoustic-guitars', 'guitars', 'Acoustic guitars', 2),
    ('classical-guitars', 'guitars', 'Classical guitars', 3),
    ('basses', 'instruments', 'Basses', 2),
    ('electric-basses', 'basses', 'Electric basses', 1),
    ('acoustic-basses', 'basses', 'Acoustic and upright basses', 2),
    ('keys', 'instruments', 'Keyboards and pianos', 3),
    ('synthesizers', 'keys', 'Synthesizers', 1),
    ('digital-pianos', 'keys', 'Digital pianos', 2),
    ('organs', 'keys', 'Organs', 3),
    ('midi-controllers', 'keys', 'MIDI controllers', 4),
    ('drums-percussion', 'instruments', 'Drums and percussion', 4),
    ('acoustic-drums', 'drums-percussion', 'Acoustic drums', 1),
    ('electronic-drums', 'drums-percussion', 'Electronic drums', 2),
    ('cymbals', 'drums-percussion', 'Cymbals', 3),
    ('percussion', 'drums-percussion', 'Hand percussion', 4),
    ('orchestral-strings', 'instruments', 'Orchestral strings', 5),
    ('wind-instruments', 'instruments', 'Wind instruments', 6),
    ('brass', 'wind-instruments', 'Brass', 1),
    ('woodwind', 'wind-instruments', 'Woodwind', 2),
    ('folk-instruments', 'instruments', 'Folk and world instruments', 7),
    ('amps-effects', NULL, 'Amps and effects', 2),
    ('guitar-amps', 'amps-effects', 'Guitar amplifiers', 1),
    ('bass-amps', 'amps-effects', 'Bass amplifiers', 2),
    ('effects-pedals', 'amps-effects', 'Effects pedals', 3),
    ('multi-effects', 'amps-effects', 'Multi-effects and modelers', 4),
    ('studio-gear', NULL, 'Studio gear', 3),
    ('microphones', 'studio-gear', 'Microphones', 1),
    ('audio-interfaces', 'studio-gear', 'Audio interfaces', 2),
    ('studio-monitors', 'studio-gear', 'Studio monitors', 3),
    ('headphones', 'studio-gear', 'Headphones', 4),
    ('mixers', 'studio-gear', 'Mixers', 5),
    ('outboard', 'studio-gear', 'Outboard: preamps, compressors, EQ', 6),
    ('recorders', 'studio-gear', 'Recorders', 7),
    ('dj-live', NULL, 'DJ and live sound', 4),
    ('dj-equipment', 'dj-live', 'DJ equipment', 1),
    ('pa-systems', 'dj-live', 'PA systems', 2),
    ('lighting', 'dj-live', 'Stage lighting', 3),
    ('audio', NULL, 'Audio and samples', 5),
    ('sample-packs', 'audio', 'Sample packs', 1),
    ('presets', 'audio', 'Presets and patches', 2),
    ('loops-stems', 'audio', 'Loops and stems', 3),
    ('beats', 'audio', 'Beats and instrumentals', 4),
    ('plugins-software', 'audio', 'Plugins and software', 5),
    ('services', NULL, 'Services', 6),
    ('mixing-mastering', 'services', 'Mixing and mastering', 1),
    ('production', 'services', 'Production and arrangement', 2),
    ('session-musicians', 'services', 'Session musicians', 3),
    ('lessons', 'services', 'Lessons', 4),
    ('repairs-setup', 'services', 'Repairs and setup', 5),
    ('accessories', NULL, 'Accessories', 7),
    ('cases-bags', 'accessories', 'Cases and bags', 1),
    ('cables', 'accessories', 'Cables', 2),
    ('stands', 'accessories', 'Stands', 3),
    ('strings-picks', 'accessories', 'Strings, picks and spare parts', 4)
), ids AS (
    SELECT seed.*, gen_random_uuid() AS id FROM seed
)
INSERT INTO categories (id, parent_id, slug, name, position)
SELECT c.id, p.id, c.slug, c.name, c.position
-- One statement: the self-reference is checked at its end, so row order does not matter.
FROM ids c LEFT JOIN ids p ON p.slug = c.parent;

-- array_to_string is only STABLE; a generated column needs IMMUTABLE (tags are plain text).
CREATE FUNCTION listing_tags_text(tags text[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN array_to_string(tags, ' ');

CREATE TABLE listings (
    id            uuid PRIMARY KEY,
    seller_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title         text NOT NULL,
    description   text NOT NULL DEFAULT '',
    price_amount  bigint NOT NULL CHECK (price_amount >= 0),
    currency      text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    category_id   uuid NOT NULL REFERENCES categories (id) ON DELETE RESTRICT,
    tags          text[] NOT NULL DEFAULT '{}',
    condition     text NOT NULL CHECK (condition IN ('new', 'like_new', 'used', 'for_parts')),
    -- Tracks do not exist yet: stored as given, validated once the tracks table exists.
    track_id      uuid,
    status        text NOT NULL DEFAULT 'draft'
                  CHECK (status IN ('draft', 'active', 'reserved', 'sold', 'archived')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz,
    -- Weighted document for `q`: title A, tags B, description C.
    search        tsvector GENERATED ALWAYS AS (
                      setweight(to_tsvector('english', title), 'A')
                      || setweight(to_tsvector('english', listing_tags_text(tags)), 'B')
                      || setweight(to_tsvector('english', description), 'C')
                  ) STORED
);
CREATE INDEX listings_search ON listings USING gin (search);
CREATE INDEX listings_tags ON listings USING gin (tags);
CREATE INDEX listings_status_id ON listings (status, id DESC);
CREATE INDEX listings_status_price ON listings (status, price_amount, id);
CREATE INDEX listings_seller ON listings (seller_id, id DESC);
CREATE INDEX listings_category ON listings (category_id);

CREATE TABLE offers (
    id                   uuid PRIMARY KEY,
    listing_id           uuid NOT NULL REFERENCES listings (id) ON DELETE CASCADE,
    buyer_id             uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    seller_id            uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    amount               bigint NOT NULL CHECK (amount > 0),
    currency             text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    message              text,
    status               text NOT NULL DEFAULT 'pending' CHECK (status IN
                         ('pending', 'countered', 'accepted', 'completed', 'declined', 'withdrawn', 'expired', 'cancelled')),
    -- Open offers only: when the party whose turn it is runs out of time.
    expires_at           timestamptz,
    buyer_confirmed_at   timestamptz,
    seller_confirmed_at  timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CHECK (buyer_id <> seller_id),
    CHECK ((status IN ('pending', 'countered')) = (expires_at IS NOT NULL))
);
-- One live negotiation per buyer and listing.
CREATE UNIQUE INDEX offers_one_live ON offers (listing_id, buyer_id)
    WHERE status IN ('pending', 'countered', 'accepted');
CREATE INDEX offers_due ON offers (expires_at) WHERE status IN ('pending', 'countered');
CREATE INDEX offers_buyer ON offers (buyer_id, id DESC);
CREATE INDEX offers_seller ON offers (seller_id, id DESC);
CREATE INDEX offers_listing_open ON offers (listing_id) WHERE status IN ('pending', 'countered');

-- The offer's history: every transition, who did it (NULL: the system), the amount it carries.
CREATE TABLE offer_events (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    offer_id  uuid NOT NULL REFERENCES offers (id) ON DELETE CASCADE,
    actor_id  uuid REFERENCES users (id) ON DELETE SET NULL,
    action    text NOT NULL,
    status    text NOT NULL,
    amount    bigint,
    currency  text,
    at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX offer_events_offer ON offer_events (offer_id, id);
