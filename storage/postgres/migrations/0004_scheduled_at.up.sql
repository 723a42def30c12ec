-- The due time of the tick that started a scheduled execution, unique per
-- plan: the store refuses a tick run twice, by one replica or by several.
ALTER TABLE executions ADD COLUMN scheduled_at timestamptz;
CREATE UNIQUE INDEX executions_plan_scheduled_idx ON executions (plan_id, scheduled_at)
    WHERE scheduled_at IS NOT NULL;
