ALTER TABLE search_meta DROP COLUMN IF EXISTS rebuild_requested;
DROP TABLE IF EXISTS search_queries;
