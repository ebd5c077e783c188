-- 0007_retention: the indexes Prune walks to find what retention drops, oldest first, without
-- reading what it keeps. Runs are found through runs_created (a run finishes after it is
-- created), the journal of succeeded runs through journal_at.

CREATE INDEX events_at ON events (at);
CREATE INDEX journal_at ON journal (at);
CREATE INDEX plans_created ON plans (created);
