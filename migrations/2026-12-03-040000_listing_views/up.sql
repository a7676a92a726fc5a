-- How often a listing's page was opened (not by its seller): search's mild popularity signal.
-- Counted in memory per node and added in batches (`listings/views.rs`), so a page view is not a
-- write; the batch's UPDATE logs a search change like any other listing write.
ALTER TABLE listings ADD COLUMN views bigint NOT NULL DEFAULT 0 CHECK (views >= 0);
