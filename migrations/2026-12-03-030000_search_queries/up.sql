-- Searches counted for popular queries and zero-result reports: one row per normalised query,
-- searcher and minute, so a query counts once per searcher in any window of whole minutes.
-- `searcher` is a user id, or a hash of an anonymous client's address (never the address).
CREATE TABLE search_queries (
    query        text        NOT NULL CHECK (char_length(query) BETWEEN 1 AND 256),
    searcher     text        NOT NULL,
    minute       timestamptz NOT NULL,
    searches     integer     NOT NULL DEFAULT 1,
    zero_results boolean     NOT NULL,
    last_at      timestamptz NOT NULL,
    PRIMARY KEY (query, searcher, minute)
);

CREATE INDEX search_queries_minute ON search_queries (minute);
CREATE INDEX search_queries_zero ON search_queries (minute) WHERE zero_results;

-- `veza search reindex` raises this; every node rebuilds its index once for each raise.
ALTER TABLE search_meta ADD COLUMN rebuild_requested bigint NOT NULL DEFAULT 0;
