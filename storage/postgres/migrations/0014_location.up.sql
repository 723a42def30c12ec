-- The location an execution ran from (record.Execution.Location), "" when
-- none. A tick runs once per location: the due time is unique per plan
-- and location.
ALTER TABLE executions ADD COLUMN location text NOT NULL DEFAULT '';
CREATE UNIQUE INDEX executions_plan_scheduled_location_idx ON executions (plan_id, scheduled_at, location)
    WHERE scheduled_at IS NOT NULL;
DROP INDEX executions_plan_scheduled_idx;
