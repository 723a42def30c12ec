-- A plan's revision is taken again by every update that changes the
-- plan, whoever makes it: a trigger, not the statement of SavePlan, so
-- that a release older than 0018 running beside a newer one (its SavePlan
-- knows nothing of revisions) still gives a plan it changes a new
-- revision, which the newer one's guarded creates then see. The sequence
-- is the one in the table's schema, whatever the search path.
CREATE FUNCTION plan_new_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.revision := nextval(format('%I.plan_revisions', TG_TABLE_SCHEMA)::regclass);
    RETURN NEW;
END
$$;
CREATE TRIGGER plan_revision BEFORE UPDATE ON plans FOR EACH ROW
WHEN ((OLD.name, OLD.description, OLD.schedule, OLD.labels, OLD.source, OLD.files)
    IS DISTINCT FROM (NEW.name, NEW.description, NEW.schedule, NEW.labels, NEW.source, NEW.files))
EXECUTE FUNCTION plan_new_revision();
