-- Plans, executions with their step results, and alert state.
-- Runs with search_path set to the store's schema.

CREATE TABLE plans (
    id          text COLLATE "C" PRIMARY KEY,
    name        text NOT NULL DEFAULT '',
    description text NOT NULL DEFAULT '',
    schedule    text NOT NULL DEFAULT '',
    labels      jsonb NOT NULL DEFAULT '{}',
    source      bytea,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

-- ListPlans by labels (labels @> ...).
CREATE INDEX plans_labels_idx ON plans USING gin (labels jsonb_path_ops);

CREATE TABLE executions (
    id          text COLLATE "C" PRIMARY KEY,
    plan_id     text COLLATE "C" NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    plan_name   text NOT NULL DEFAULT '',
    trigger     text NOT NULL DEFAULT '',
    status      text NOT NULL,
    created_at  timestamptz NOT NULL,
    started_at  timestamptz,
    finished_at timestamptz,
    error       jsonb
);

-- The latest executions of a plan (list, summaries, keep-last pruning).
-- It covers what summaries read, so that they scan the index only.
CREATE INDEX executions_plan_latest_idx ON executions (plan_id, created_at DESC, id DESC)
    INCLUDE (status, started_at, finished_at);
-- The latest executions of all plans.
CREATE INDEX executions_latest_idx ON executions (created_at DESC, id DESC);
-- The latest executions in some statuses.
CREATE INDEX executions_status_latest_idx ON executions (status, created_at DESC, id DESC);
-- Pruning by finish time.
CREATE INDEX executions_finished_idx ON executions (finished_at) WHERE finished_at IS NOT NULL;

CREATE TABLE step_results (
    execution_id text COLLATE "C" NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    index        integer NOT NULL,
    data         jsonb NOT NULL,
    PRIMARY KEY (execution_id, index)
);

CREATE TABLE alert_state (
    plan_id              text COLLATE "C" PRIMARY KEY REFERENCES plans (id) ON DELETE CASCADE,
    consecutive_failures integer NOT NULL DEFAULT 0,
    last_status          text NOT NULL DEFAULT '',
    last_alerted_status  text NOT NULL DEFAULT '',
    last_alerted_at      timestamptz,
    updated_at           timestamptz
);
