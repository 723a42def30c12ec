-- An execution's status is what a monitor filters on; why it stopped
-- early is its stop reason. halted is no longer a status: a halted
-- execution had a failed step (failed, halted_on_error), and one that a
-- restarted engine finished was interrupted (canceled, or failed when one
-- of its stored steps had failed).

ALTER TABLE executions ADD COLUMN stop_reason text NOT NULL DEFAULT '';

UPDATE executions e
SET stop_reason = 'interrupted',
    status = CASE WHEN EXISTS (
            SELECT 1 FROM step_results s
            WHERE s.execution_id = e.id
              AND NOT coalesce((s.data->>'ok')::boolean, false)
              AND NOT coalesce((s.data->>'skipped')::boolean, false))
        THEN 'failed' ELSE 'canceled' END
WHERE e.status = 'halted' AND e.error->>'kind' = 'interrupted';

UPDATE executions
SET status = 'failed', stop_reason = 'halted_on_error'
WHERE status = 'halted';

UPDATE executions
SET stop_reason = 'canceled'
WHERE status = 'canceled' AND stop_reason = '';
