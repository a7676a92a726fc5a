-- Admin users (issue 17): suspensions that end by themselves, and the admin list's prefix search.

-- NULL: not suspended, or suspended until an admin lifts it.
ALTER TABLE users ADD COLUMN suspended_until timestamptz;
ALTER TABLE users ADD CONSTRAINT users_suspended_until_when_suspended
    CHECK (suspended_until IS NULL OR status = 'suspended');

-- `?q=` is a prefix of the username (stored lowercase) or of the email (lowercased), so LIKE
-- 'q%' walks these whatever the database's collation.
CREATE INDEX users_username_prefix ON users (username text_pattern_ops);
CREATE INDEX users_email_prefix ON users (lower(email) text_pattern_ops);
-- What the suspension lifter looks for: few rows.
CREATE INDEX users_suspension_ends ON users (suspended_until) WHERE suspended_until IS NOT NULL;
