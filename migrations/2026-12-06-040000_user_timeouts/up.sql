-- Automatic moderation's timeouts, so a node that starts while one runs knows it (every node
-- also holds them in memory, told at once by a node event).
CREATE TABLE user_timeouts (
    user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    until   timestamptz NOT NULL
);
