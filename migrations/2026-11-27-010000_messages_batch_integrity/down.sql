DROP TRIGGER IF EXISTS users_delete_messages ON users;
DROP TRIGGER IF EXISTS rooms_delete_messages ON rooms;
DROP FUNCTION IF EXISTS messages_of_deleted();
ALTER TABLE messages
    ADD CONSTRAINT messages_room_id_fkey FOREIGN KEY (room_id) REFERENCES rooms (id) ON DELETE CASCADE,
    ADD CONSTRAINT messages_author_id_fkey FOREIGN KEY (author_id) REFERENCES users (id) ON DELETE CASCADE;
