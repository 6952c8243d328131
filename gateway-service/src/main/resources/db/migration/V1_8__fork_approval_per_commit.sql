-- A pull request from a fork is approved one commit at a time: from_fork marks it for its whole life, and
-- approved_commit is the commit a deployer last approved; any other commit waits for approval again.
alter table environment add column from_fork boolean not null default false;
alter table environment add column approved_commit varchar(64);
update environment set from_fork = true where awaiting_approval;
