-- The maintenance window an execution finished in, empty when none: such
-- executions sent no alert and stay out of the summaries' window. The
-- index the summaries scan covers it, so that they still read the index
-- only.
ALTER TABLE executions ADD COLUMN maintenance text NOT NULL DEFAULT '';
DROP INDEX executions_plan_latest_idx;
CREATE INDEX executions_plan_latest_idx ON executions (plan_id, created_at DESC, id DESC)
    INCLUDE (status, started_at, finished_at, maintenance);
