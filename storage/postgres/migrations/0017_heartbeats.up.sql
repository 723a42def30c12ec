-- Each process's heartbeat (storage.HeartbeatStore), and whether each
-- location was last reported available.
CREATE TABLE heartbeats (
    process     text COLLATE "C" PRIMARY KEY,
    location    text COLLATE "C" NOT NULL,
    started_at  timestamptz NOT NULL,
    seen_at     timestamptz NOT NULL,
    lateness_us bigint NOT NULL DEFAULT 0
);
CREATE TABLE location_state (
    location   text COLLATE "C" PRIMARY KEY,
    available  boolean NOT NULL,
    changed_at timestamptz NOT NULL
);
