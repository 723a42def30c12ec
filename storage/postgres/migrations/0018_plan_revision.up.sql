-- Each plan's revision (storage.Plan.Revision): taken from one sequence
-- for every plan, so that no plan ID is given a revision twice, not even
-- a plan deleted and saved again. SavePlan takes a new one when a save
-- changes the plan; existing plans get one each here.
CREATE SEQUENCE plan_revisions;
ALTER TABLE plans ADD COLUMN revision bigint NOT NULL DEFAULT nextval('plan_revisions');
