-- Incidents (storage.IncidentStore): automatic ones of the alert policy
-- and those people write. They name plans by ID and outlive them.
CREATE TABLE incidents (
    id            text COLLATE "C" PRIMARY KEY,
    title         text NOT NULL DEFAULT '',
    automatic     boolean NOT NULL DEFAULT false,
    status        text NOT NULL,
    plans         text[] NOT NULL DEFAULT '{}',
    started_at    timestamptz NOT NULL,
    resolved_at   timestamptz,
    first_failure text NOT NULL DEFAULT '',
    updates       jsonb NOT NULL DEFAULT '[]',
    created_at    timestamptz NOT NULL
);

-- The newest first, and those of some plans.
CREATE INDEX incidents_latest_idx ON incidents (started_at DESC, id DESC);
CREATE INDEX incidents_plans_idx ON incidents USING gin (plans);
