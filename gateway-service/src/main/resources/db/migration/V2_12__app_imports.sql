-- App imports: where each imported application was last built from (JSON list of application, branch, commit), and
-- whether a push to one of those branches is still to be built (the environment was busy when it came).
alter table environment add column imports text;
alter table environment add column imports_stale boolean not null default false;
