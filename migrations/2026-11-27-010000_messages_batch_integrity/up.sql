-- Messages are written by one path only, the chat writer, in batches of up to a thousand rows.
-- Their two foreign keys were checked row by row (one trigger query per row and key: more than
-- half of an insert's cost here, BENCHMARKS.md). The writer now takes the same locks once per
-- batch: its rooms FOR UPDATE (it already did, for seq) and its authors FOR KEY SHARE (what
-- each foreign-key check took), and refuses the messages whose room or author is gone.
-- Deleting a room or a user still deletes their messages, now by trigger.
ALTER TABLE messages DROP CONSTRAINT messages_room_id_fkey, DROP CONSTRAINT messages_author_id_fkey;

-- The trigger's argument names the column that points at the deleted row.
CREATE FUNCTION messages_of_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('DELETE FROM messages WHERE %I = $1', TG_ARGV[0]) USING OLD.id;
    RETURN OLD;
END $$;
CREATE TRIGGER rooms_delete_messages AFTER DELETE ON rooms
    FOR EACH ROW EXECUTE FUNCTION messages_of_deleted('room_id');
CREATE TRIGGER users_delete_messages AFTER DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION messages_of_deleted('author_id');
