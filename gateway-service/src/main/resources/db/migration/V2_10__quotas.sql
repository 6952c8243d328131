-- Quotas: an application's limits of running environments and concurrent builds, and what happens past the first
-- ('queue' or 'evict'); null: no limit of its own (the installation's still applies).
alter table application add column max_running_environments integer;
alter table application add column max_concurrent_builds integer;
alter table application add column overflow varchar(10);
-- a QUEUED environment's place in line: the order it was queued in
alter table environment add column queued_at timestamptz;
-- its desired commit waits for a build slot since then (null: not waiting)
alter table environment add column build_waiting_since timestamptz;
-- when it was last used (created, deployed or resumed): eviction takes the least recently used first
alter table environment add column used_at timestamptz;
update environment set used_at = updated_at;
-- what the quota did to it (queued behind, paused or torn down for another environment), for its pull request comment
alter table environment add column quota_note text;
create index environment_queued on environment (queued_at) where state = 'QUEUED';
create index environment_build_waiting on environment (build_waiting_since) where build_waiting_since is not null;
