-- The files a plan's json_schema assertions refer to (a JSON object of
-- path to base64 bytes), so that any replica parses the plan again from
-- the store; NULL when it refers to none.
ALTER TABLE plans ADD COLUMN files bytea;
-- The state of the plans' sync from a git repository (record.SyncState as
-- JSON): one row, written by the replica that applied the last sync.
CREATE TABLE sync_state (
    id         boolean PRIMARY KEY DEFAULT true CHECK (id),
    state      bytea NOT NULL,
    updated_at timestamptz NOT NULL
);
