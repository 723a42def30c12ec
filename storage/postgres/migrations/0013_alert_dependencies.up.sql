-- The alert policy's memory of dependencies and flakiness: the plans a plan
-- depends on (so that a dependency's state finds its dependents'), whether
-- its failing alert is held back by a failing dependency, which of its last
-- executions were flaky, and whether it was announced flaky.
ALTER TABLE alert_state
    ADD COLUMN depends_on    text[] COLLATE "C" NOT NULL DEFAULT '{}',
    ADD COLUMN held          boolean NOT NULL DEFAULT false,
    ADD COLUMN recent_flaky  boolean[] NOT NULL DEFAULT '{}',
    ADD COLUMN flaky_alerted boolean NOT NULL DEFAULT false;
CREATE INDEX alert_state_depends_on_idx ON alert_state USING gin (depends_on);
