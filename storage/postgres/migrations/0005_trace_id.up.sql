-- The ID of an execution's trace, when a tracer traced it, so that a page
-- can link to the trace; empty otherwise.
ALTER TABLE executions ADD COLUMN trace_id text NOT NULL DEFAULT '';
