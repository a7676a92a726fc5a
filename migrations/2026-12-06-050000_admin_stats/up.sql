-- What GET /admin/stats reads (issue 17), kept up to date in the background so a request never
-- scans a big table. No trigger or index is added to messages or plays: their hourly counts are
-- taken by primary-key range.

-- Every node writes its row every stats.heartbeat_ms. A row not written for
-- stats.unreachable_after_ms is a node that stopped answering: listed as unreachable, not
-- dropped; a drained node says so (stopped_at). Rows are forgotten a day after their last beat.
CREATE TABLE node_heartbeats (
    node_id            text PRIMARY KEY CHECK (char_length(node_id) BETWEEN 1 AND 200),
    version            text NOT NULL,
    started_at         timestamptz NOT NULL,
    beat_at            timestamptz NOT NULL,
    stopped_at         timestamptz,
    connections        bigint NOT NULL CHECK (connections >= 0),
    online_users       bigint NOT NULL CHECK (online_users >= 0),
    rooms              bigint NOT NULL CHECK (rooms >= 0),
    deliveries_per_sec double precision NOT NULL CHECK (deliveries_per_sec >= 0)
);

-- Who was active on which UTC day (an authenticated request, or a WebSocket open): last_at
-- moves at most every stats.activity_granularity_secs per user and node. Kept 31 days.
CREATE TABLE user_activity (
    day     date        NOT NULL,
    user_id uuid        NOT NULL,
    last_at timestamptz NOT NULL,
    PRIMARY KEY (day, user_id)
);

-- Hourly counts of append-only tables (`kind` = messages | plays). Ids are not commit order, so
-- a range of ids is counted once it is final: event_count_marks remembers the highest id seen
-- at a time; a mark older than stats.count_lag_ms bounds ids whose transactions have all ended.
-- Ids up to event_count_state.counted_to are in event_counts_hourly; newer ones are counted
-- afresh at each rollup.
CREATE TABLE event_counts_hourly (
    kind  text        NOT NULL,
    hour  timestamptz NOT NULL,
    count bigint      NOT NULL CHECK (count >= 0),
    PRIMARY KEY (kind, hour)
);

CREATE TABLE event_count_marks (
    kind   text        NOT NULL,
    at     timestamptz NOT NULL,
    max_id bigint      NOT NULL,
    PRIMARY KEY (kind, at)
);

CREATE TABLE event_count_state (
    kind       text PRIMARY KEY,
    counted_to bigint NOT NULL
);

-- The last rollup: one node recomputes it every stats.rollup_ms (an advisory lock picks it).
CREATE TABLE stats_rollup (
    only_row    boolean     PRIMARY KEY DEFAULT true CHECK (only_row),
    computed_at timestamptz NOT NULL,
    computed_by text        NOT NULL,
    took_ms     integer     NOT NULL,
    body        jsonb       NOT NULL
);
