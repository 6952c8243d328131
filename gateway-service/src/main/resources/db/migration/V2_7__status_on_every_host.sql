-- the pull request comment is kept on GitHub, GitLab (a merge request note) and Bitbucket alike; it also records the
-- expiry it last warned about, so a warning is given once per expiry
comment on table pull_request_comment is
    'the one comment Stagecraft keeps on a pull request per environment, on any host';
alter table pull_request_comment add column expiry_warned_for timestamptz;

-- one GitHub deployment per environment and commit: a redelivered event finds it instead of making another
create table github_deployment (
    deployment_id   bigint       primary key,
    environment_id  varchar(63)  not null,
    commit_sha      varchar(64)  not null,
    created_at      timestamptz  not null,
    unique (environment_id, commit_sha)
);
