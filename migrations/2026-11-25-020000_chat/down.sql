DROP TABLE settings;
DROP SEQUENCE settings_version;
DROP TABLE messages;
DROP TABLE room_members;
DROP TABLE rooms;
