-- A deleted account keeps its row (messages, offers and the audit trail point at it) with
-- status 'deleted' and nothing personal left.
ALTER TABLE users DROP CONSTRAINT users_status_check;
ALTER TABLE users ADD CONSTRAINT users_status_check
    CHECK (status IN ('active', 'suspended', 'banned', 'deleted'));
