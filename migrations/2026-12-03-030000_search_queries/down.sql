DROP TABLE IF EXISTS search_queries;
