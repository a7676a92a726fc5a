-- Deleted accounts become banned ones: still refused everywhere, and the old rule holds.
UPDATE users SET status = 'banned' WHERE status = 'deleted';
ALTER TABLE users DROP CONSTRAINT users_status_check;
ALTER TABLE users ADD CONSTRAINT users_status_check CHECK (status IN ('active', 'suspended', 'banned'));
