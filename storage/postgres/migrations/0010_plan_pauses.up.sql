-- When a plan's pause ends (storage.PauseStore): while it holds, the
-- plan's executions are marked as in maintenance and alert nothing. One
-- row per paused plan, deleted with the plan.
CREATE TABLE plan_pauses (
    plan_id text COLLATE "C" PRIMARY KEY REFERENCES plans (id) ON DELETE CASCADE,
    until   timestamptz NOT NULL
);
