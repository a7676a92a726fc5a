-- Reports and the moderation queue (issue 17).

-- A listing a moderator took down: off the market for good, seen only by its seller.
ALTER TABLE listings DROP CONSTRAINT listings_status_check;
ALTER TABLE listings ADD CONSTRAINT listings_status_check
    CHECK (status IN ('draft', 'active', 'reserved', 'sold', 'archived', 'removed'));

-- Tracks and playlists a moderator hid: their owner still sees them, nobody else does.
ALTER TABLE tracks ADD COLUMN hidden_at timestamptz;
ALTER TABLE playlists ADD COLUMN hidden_at timestamptz;

-- One case per reported thing while it is open; every report on it joins the case.
CREATE TABLE report_cases (
    id              uuid PRIMARY KEY,
    target_type     text NOT NULL CHECK (target_type IN ('message', 'listing', 'track', 'playlist', 'user')),
    -- A uuid, or a message's number.
    target_id       text NOT NULL,
    -- Whose content it is (the reported user); never shown the reporters.
    target_owner    uuid REFERENCES users (id),
    -- The content as it was when first reported: an edit or a deletion cannot erase it.
    evidence        jsonb NOT NULL,
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    report_count    integer NOT NULL DEFAULT 0,
    -- The automatic moderation rule that flagged it (it counts as one report).
    flagged_by      text,
    first_reported_at timestamptz NOT NULL DEFAULT now(),
    last_reported_at  timestamptz NOT NULL DEFAULT now(),
    claimed_by      uuid REFERENCES users (id),
    claimed_until   timestamptz,
    resolution      text CHECK (resolution IN ('dismiss', 'remove_content', 'warn', 'suspend_user', 'ban_user')),
    resolution_note text,
    resolved_by     uuid REFERENCES users (id),
    resolved_at     timestamptz,
    CHECK ((status = 'resolved') = (resolution IS NOT NULL))
);
-- What makes concurrent reports of one thing one case.
CREATE UNIQUE INDEX report_cases_one_open ON report_cases (target_type, target_id) WHERE status = 'open';
-- The queue: by priority (reports, then age) and by age.
CREATE INDEX report_cases_priority ON report_cases (status, report_count DESC, first_reported_at, id);
CREATE INDEX report_cases_age ON report_cases (status, first_reported_at, id);

CREATE TABLE reports (
    case_id     uuid NOT NULL REFERENCES report_cases (id),
    reporter_id uuid NOT NULL REFERENCES users (id),
    reason      text NOT NULL CHECK (reason IN ('spam', 'harassment', 'hate', 'sexual', 'violence', 'illegal', 'impersonation', 'other')),
    note        text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- A reporter counts once per case.
    PRIMARY KEY (case_id, reporter_id)
);
CREATE INDEX reports_reporter ON reports (reporter_id, created_at);

-- Warnings are kept on the user, not only pushed.
CREATE TABLE user_warnings (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id),
    case_id    uuid REFERENCES report_cases (id),
    warned_by  uuid NOT NULL REFERENCES users (id),
    note       text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX user_warnings_user ON user_warnings (user_id, created_at);

-- Who hears of new cases: the few accounts with a staff role.
CREATE INDEX users_staff ON users (id) WHERE roles && '{moderator,admin}'::text[];
