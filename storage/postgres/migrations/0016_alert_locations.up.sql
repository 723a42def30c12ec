-- The alert policy's memory of a plan with locations: the locations whose
-- latest counted execution failed, and those whose latest passed.
ALTER TABLE alert_state
    ADD COLUMN failing_locations text[] NOT NULL DEFAULT '{}',
    ADD COLUMN passing_locations text[] NOT NULL DEFAULT '{}';
