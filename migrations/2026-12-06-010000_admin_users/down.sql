DROP INDEX users_suspension_ends;
DROP INDEX users_email_prefix;
DROP INDEX users_username_prefix;
ALTER TABLE users DROP CONSTRAINT users_suspended_until_when_suspended;
ALTER TABLE users DROP COLUMN suspended_until;
