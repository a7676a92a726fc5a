-- Runtime settings with a history (issue 17): every change is a version, one row per key it
-- changed, with the value before and after and who made it; a rollback is a new version that
-- names the one it restores. The newest version is the history's highest (a key a rollback
-- unsets leaves `settings`, not the history).
CREATE TABLE settings_history (
    version     bigint NOT NULL,
    key         text NOT NULL,
    -- NULL: the key was not set before / is unset by this change.
    old_value   jsonb,
    new_value   jsonb,
    changed_by  uuid,
    changed_at  timestamptz NOT NULL DEFAULT now(),
    rollback_of bigint,
    PRIMARY KEY (version, key)
);

-- What is set today is where the history starts.
INSERT INTO settings_history (version, key, old_value, new_value, changed_by, changed_at)
SELECT version, key, NULL, value, updated_by, updated_at FROM settings;
