-- Partition `messages` by month of `created_at` (SCALING.md, "the messages table").
--
-- Not a migration: it is run once by an operator who has decided the table is too big for one
-- heap, in a maintenance window (it copies the table under an exclusive lock; nodes may stay up
-- and their writers retry), then `SELECT veza_messages_partitions(3)` monthly (cron, pg_cron),
-- which keeps three months of partitions ahead:
--
--   psql -v ON_ERROR_STOP=1 -f deploy/postgres/partition-messages.sql "$DATABASE_URL"
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

-- One partition per month; creating one that exists is a no-op.
CREATE FUNCTION veza_messages_partition(month date) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    first date := date_trunc('month', month)::date;
    name text := format('messages_y%sm%s', to_char(first, 'YYYY'), to_char(first, 'MM'));
BEGIN
    EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF messages FOR VALUES FROM (%L) TO (%L)',
                   name, first, (first + interval '1 month')::date);
    RETURN name;
END $$;

-- This month and `ahead` months after it (run monthly).
CREATE FUNCTION veza_messages_partitions(ahead int) RETURNS SETOF text LANGUAGE sql AS $$
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
DROP TABLE messages_unpartitioned;
ANALYZE messages;
COMMIT;
