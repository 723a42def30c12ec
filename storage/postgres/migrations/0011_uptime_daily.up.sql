-- A rollup of each plan's finished executions per UTC day
-- (storage.UptimeStore), written by UpdateExecution with the execution
-- that becomes final; pruning executions leaves it.
CREATE TABLE uptime_daily (
    plan_id     text COLLATE "C" NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    day         date NOT NULL,
    passed      integer NOT NULL DEFAULT 0,
    degraded    integer NOT NULL DEFAULT 0,
    failed      integer NOT NULL DEFAULT 0,
    duration_us bigint NOT NULL DEFAULT 0,
    timed       integer NOT NULL DEFAULT 0,
    PRIMARY KEY (plan_id, day)
);
