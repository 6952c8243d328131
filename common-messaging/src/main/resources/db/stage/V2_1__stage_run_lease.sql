-- A run is owned by one instance through a lease it renews while it works; another instance takes it over only
-- once the lease has expired. attempts counts how often a run was started; cancel_reason carries a cancellation to
-- whichever instance runs it.
alter table stage_run add column owner varchar(200);
alter table stage_run add column lease_until timestamptz;
alter table stage_run add column attempts integer not null default 0;
alter table stage_run add column cancel_reason text;
create index stage_run_lease on stage_run (lease_until) where finished_at is null;
