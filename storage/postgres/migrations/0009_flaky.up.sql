-- Whether an execution was up only because a request succeeded on a
-- retry (record.Execution.Flaky).
ALTER TABLE executions ADD COLUMN flaky boolean NOT NULL DEFAULT false;
