DROP TABLE user_timeouts;
