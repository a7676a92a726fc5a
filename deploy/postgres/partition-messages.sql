-- Partition `messages` by month of `created_at` (SCALING.md, "the messages table").
--
-- Not a migration: it is run once by an operator who has decided the table is too big for one
-- heap, as the role that owns the tables (the nodes' role), in a maintenance window: it copies
-- the table under an exclusive lock, so with nodes up every chat write and history read waits
-- for the copy (a few seconds per million rows here; see SCALING.md), and the lock is given up
-- after 10 s of waiting rather than queueing everyone behind a long transaction. Then
-- `SELECT veza_messages_partitions(3)` monthly (cron, pg_cron) keeps three months ahead:
--
--   psql -v ON_ERROR_STOP=1 -f deploy/postgres/partition-messages.sql "$DATABASE_URL"
--
-- Months are UTC months whatever the session's time zone. Rows that land in the default
-- partition (the monthly call was missed) are moved into their month when it is created.
-- A table too big to copy in a window: attach it instead as the partition of everything before
-- a cut-off (a CHECK on created_at validated first, a unique index on (id, created_at) built
-- concurrently); not done by this script.
--
-- What a partitioned table cannot keep: every unique index must contain the partition key, so
-- UNIQUE (room_id, seq) and UNIQUE (room_id, author_id, client_id) cannot exist as such. They
-- become plain indexes; the guarantees stay with the one path that writes messages
-- (src/chat/batch.rs), which already provides them without the indexes' help:
--   * seq: every batch locks its rooms' rows FOR UPDATE and numbers after rooms.last_seq, so
--     no two transactions can hand out the same seq of a room, and seq order is commit order;
--   * idempotency: under the same lock it looks the (room, author, client_id) keys up (an index
--     probe per partition) and answers a retry with its original instead of inserting.
-- What is lost is the database's own refusal of a duplicate written by anything else (a
-- hand-made INSERT): `veza_messages_duplicates()` finds any, and the test suite runs the chat
-- against a partitioned table (tests/it/partitioned.rs).

SET client_min_messages = warning;
SET lock_timeout = '10s';
BEGIN;
LOCK TABLE messages IN ACCESS EXCLUSIVE MODE;

ALTER TABLE messages RENAME TO messages_unpartitioned;
ALTER TABLE messages_unpartitioned RENAME CONSTRAINT messages_pkey TO messages_unpartitioned_pkey;
ALTER TABLE messages_unpartitioned RENAME CONSTRAINT messages_room_id_seq_key TO messages_unpartitioned_room_seq;
ALTER TABLE messages_unpartitioned RENAME CONSTRAINT messages_room_id_author_id_client_id_key TO messages_unpartitioned_retry;

CREATE TABLE messages (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    room_id     uuid NOT NULL,
    seq         bigint NOT NULL,
    author_id   uuid NOT NULL,
    client_id   text NOT NULL,
    body        text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz,
    deleted_by  uuid,
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
-- Pages and gap fill by (room, seq); a retry's lookup by (room, author, client_id).
CREATE INDEX messages_room_seq ON messages (room_id, seq);
CREATE INDEX messages_retry ON messages (room_id, author_id, client_id);

-- One partition per UTC month; creating one that exists is a no-op. Rows of that month that
-- went to the default partition meanwhile are moved into it.
CREATE FUNCTION veza_messages_partition(month date) RETURNS text LANGUAGE plpgsql
SET timezone = 'UTC' AS $$
DECLARE
    first timestamptz := date_trunc('month', month::timestamptz);
    next timestamptz := date_trunc('month', month::timestamptz) + interval '1 month';
    name text := format('messages_y%sm%s', to_char(first, 'YYYY'), to_char(first, 'MM'));
    stray boolean := false;
BEGIN
    IF to_regclass(name) IS NOT NULL THEN
        RETURN name;
    END IF;
    IF to_regclass('messages_default') IS NOT NULL THEN
        EXECUTE 'SELECT EXISTS (SELECT 1 FROM messages_default WHERE created_at >= $1 AND created_at < $2)'
            INTO stray USING first, next;
    END IF;
    IF stray THEN
        ALTER TABLE messages DETACH PARTITION messages_default;
        EXECUTE format('CREATE TABLE %I PARTITION OF messages FOR VALUES FROM (%L) TO (%L)', name, first, next);
        EXECUTE format('INSERT INTO %I OVERRIDING SYSTEM VALUE SELECT * FROM messages_default
                        WHERE created_at >= %L AND created_at < %L', name, first, next);
        EXECUTE 'DELETE FROM messages_default WHERE created_at >= $1 AND created_at < $2' USING first, next;
        ALTER TABLE messages ATTACH PARTITION messages_default DEFAULT;
    ELSE
        EXECUTE format('CREATE TABLE %I PARTITION OF messages FOR VALUES FROM (%L) TO (%L)', name, first, next);
    END IF;
    RETURN name;
END $$;

-- This month and `ahead` months after it (run monthly).
CREATE FUNCTION veza_messages_partitions(ahead int) RETURNS SETOF text LANGUAGE sql
SET timezone = 'UTC' AS $$
    SELECT veza_messages_partition(m::date)
    FROM generate_series(date_trunc('month', now()), date_trunc('month', now()) + make_interval(months => ahead),
                         interval '1 month') AS m
$$;

-- Any (room, seq) or (room, author, client_id) held twice: should never answer a row.
CREATE FUNCTION veza_messages_duplicates() RETURNS TABLE (room_id uuid, what text, n bigint) LANGUAGE sql AS $$
    SELECT room_id, 'seq ' || seq, count(*) FROM messages GROUP BY room_id, seq HAVING count(*) > 1
    UNION ALL
    SELECT room_id, 'client_id ' || client_id, count(*) FROM messages
    GROUP BY room_id, author_id, client_id HAVING count(*) > 1
$$;

-- Every month that has rows, and three ahead; a default partition catches anything outside
-- (a clock far off), so an insert never fails for want of a partition.
SELECT count(veza_messages_partition(m::date)) AS past_months
FROM generate_series(date_trunc('month', coalesce((SELECT min(created_at) FROM messages_unpartitioned), now())),
                     date_trunc('month', now()), interval '1 month') AS m;
SELECT count(*) AS months_ahead FROM veza_messages_partitions(3);
CREATE TABLE messages_default PARTITION OF messages DEFAULT;

INSERT INTO messages (id, room_id, seq, author_id, client_id, body, created_at, deleted_at, deleted_by)
OVERRIDING SYSTEM VALUE
SELECT id, room_id, seq, author_id, client_id, body, created_at, deleted_at, deleted_by FROM messages_unpartitioned;
-- New ids continue after the copied ones (ids are the stats rollup's marks: never reuse one).
DO $$
DECLARE
    handed_out bigint;
BEGIN
    EXECUTE format('SELECT last_value FROM %s', pg_get_serial_sequence('messages_unpartitioned', 'id')) INTO handed_out;
    PERFORM setval(pg_get_serial_sequence('messages', 'id'),
                   greatest(handed_out, coalesce((SELECT max(id) FROM messages_unpartitioned), 1)));
END $$;
-- The new table belongs to whoever owned the old one, with its grants.
DO $$
DECLARE
    owner name := (SELECT tableowner FROM pg_tables WHERE tablename = 'messages_unpartitioned' AND schemaname = current_schema());
    g record;
BEGIN
    EXECUTE format('ALTER TABLE messages OWNER TO %I', owner);
    FOR g IN SELECT grantee, privilege_type FROM information_schema.role_table_grants
             WHERE table_name = 'messages_unpartitioned' AND table_schema = current_schema() AND grantee <> owner
    LOOP
        EXECUTE format('GRANT %s ON messages TO %I', g.privilege_type, g.grantee);
    END LOOP;
END $$;
DROP TABLE messages_unpartitioned;
ANALYZE messages;
COMMIT;
