-- A pull request from a fork builds nothing until a deployer approves it.
alter table environment add column awaiting_approval boolean not null default false;
