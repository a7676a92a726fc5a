-- Search: PostgreSQL stays the source of truth; each node keeps its own index, fed from this
-- change log. Triggers write a row in the same transaction as every write that changes what
-- search shows (listings, tracks, public profiles, rooms, room membership), so no write path can
-- forget it and a rolled-back write leaves nothing.

CREATE TABLE search_changes (
    id          bigserial PRIMARY KEY,
    -- The writing transaction. Ids are not commit order (a transaction that commits late can hold
    -- a lower id); transaction ids below the oldest running transaction's (a snapshot's xmin) are
    -- all finished, so a tail that reads up to that horizon never skips a late commit.
    xid         xid8 NOT NULL DEFAULT pg_current_xact_id(),
    kind        text NOT NULL CHECK (kind IN ('listing', 'track', 'user', 'room')),
    entity_id   uuid NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX search_changes_xid ON search_changes (xid, id);
CREATE INDEX search_changes_created ON search_changes (created_at);

-- One row: which database an index was built from (an index from another one is rebuilt), and
-- below which transaction id the log has been pruned (an index older than that is rebuilt).
CREATE TABLE search_meta (
    id            smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    database_id   uuid NOT NULL DEFAULT gen_random_uuid(),
    pruned_below  xid8 NOT NULL DEFAULT '0'::xid8
);
INSERT INTO search_meta DEFAULT VALUES;

-- The entity is the row itself (`id`) or, for a membership, its room.
CREATE FUNCTION search_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO search_changes (kind, entity_id) VALUES (TG_ARGV[0], OLD.id);
    ELSE
        INSERT INTO search_changes (kind, entity_id) VALUES (TG_ARGV[0], NEW.id);
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION search_room_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO search_changes (kind, entity_id) VALUES ('room', OLD.room_id);
    ELSE
        INSERT INTO search_changes (kind, entity_id) VALUES ('room', NEW.room_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER listings_search_change AFTER INSERT OR UPDATE OR DELETE ON listings
    FOR EACH ROW EXECUTE FUNCTION search_change('listing');
-- A play changes the popularity signal too (a play is counted at most once per listener per
-- 30 s of audio, so this stays slow).
CREATE TRIGGER tracks_search_change AFTER INSERT OR UPDATE OR DELETE ON tracks
    FOR EACH ROW EXECUTE FUNCTION search_change('track');
-- Only what a public profile shows, and the status that hides a suspended user; not logins,
-- preferences or password changes.
CREATE TRIGGER users_search_insert AFTER INSERT OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION search_change('user');
CREATE TRIGGER users_search_update AFTER UPDATE ON users
    FOR EACH ROW WHEN (OLD.username IS DISTINCT FROM NEW.username
        OR OLD.display_name IS DISTINCT FROM NEW.display_name
        OR OLD.bio IS DISTINCT FROM NEW.bio
        OR OLD.avatar_url IS DISTINCT FROM NEW.avatar_url
        OR OLD.location IS DISTINCT FROM NEW.location
        OR OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION search_change('user');
-- Not `last_seq`: it moves with every chat message.
CREATE TRIGGER rooms_search_insert AFTER INSERT OR DELETE ON rooms
    FOR EACH ROW EXECUTE FUNCTION search_change('room');
CREATE TRIGGER rooms_search_update AFTER UPDATE ON rooms
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name
        OR OLD.topic IS DISTINCT FROM NEW.topic
        OR OLD.visibility IS DISTINCT FROM NEW.visibility)
    EXECUTE FUNCTION search_change('room');
-- Who may see a private room, and a room's member count; not read markers or mutes.
CREATE TRIGGER room_members_search_change AFTER INSERT OR DELETE ON room_members
    FOR EACH ROW EXECUTE FUNCTION search_room_change();
