-- Alert state is saved compare-and-swap on version, so that replicas that
-- finish executions of one plan at once do not both alert; it counts passes
-- for recovery thresholds and remembers the last execution counted.
ALTER TABLE alert_state
    ADD COLUMN version            bigint NOT NULL DEFAULT 0,
    ADD COLUMN consecutive_passes integer NOT NULL DEFAULT 0,
    ADD COLUMN failing            boolean NOT NULL DEFAULT false,
    ADD COLUMN failing_since      timestamptz,
    ADD COLUMN last_execution_id  text NOT NULL DEFAULT '',
    DROP COLUMN last_alerted_status;
