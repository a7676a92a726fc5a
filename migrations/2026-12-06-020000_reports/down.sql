DROP INDEX users_staff;
DROP TABLE user_warnings;
DROP TABLE reports;
DROP TABLE report_cases;
ALTER TABLE playlists DROP COLUMN hidden_at;
ALTER TABLE tracks DROP COLUMN hidden_at;
UPDATE listings SET status = 'archived' WHERE status = 'removed';
ALTER TABLE listings DROP CONSTRAINT listings_status_check;
ALTER TABLE listings ADD CONSTRAINT listings_status_check
    CHECK (status IN ('draft', 'active', 'reserved', 'sold', 'archived'));
