DROP TABLE IF EXISTS offer_events;
DROP TABLE IF EXISTS offers;
DROP TABLE IF EXISTS listings;
DROP FUNCTION IF EXISTS listing_tags_text(text[]);
DROP TABLE IF EXISTS categories;
