-- The alerts owed to targets (an outbox): written in the same transaction
-- as the alert state that decided them, leased to one replica at a time by
-- ClaimAlertDelivery, deleted once delivered or given up on. seq orders a
-- target's deliveries; they are not a plan's and outlive its deletion.
CREATE TABLE alert_deliveries (
    seq          bigserial PRIMARY KEY,
    id           text NOT NULL UNIQUE,
    plan_id      text NOT NULL,
    target       text NOT NULL,
    event        bytea NOT NULL,
    attempts     integer NOT NULL DEFAULT 0,
    not_before   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    lease        text,
    leased_until timestamptz
);
CREATE INDEX alert_deliveries_target_idx ON alert_deliveries (target, seq);
