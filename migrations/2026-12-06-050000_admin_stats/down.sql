DROP TABLE stats_rollup;
DROP TABLE event_count_state;
DROP TABLE event_count_marks;
DROP TABLE event_counts_hourly;
DROP TABLE user_activity;
DROP TABLE node_heartbeats;
