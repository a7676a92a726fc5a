ALTER TABLE listings DROP COLUMN views;
