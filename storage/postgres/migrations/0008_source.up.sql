-- The revision a synced plan came from (a git commit and the plan file's
-- path in it), empty for plans from elsewhere.
ALTER TABLE executions ADD COLUMN source_commit text NOT NULL DEFAULT '';
ALTER TABLE executions ADD COLUMN source_path text NOT NULL DEFAULT '';
