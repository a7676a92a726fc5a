DROP TABLE settings_history;
