-- the one comment Stagecraft keeps on a GitHub pull request per environment, edited in place
create table pull_request_comment (
    environment_id  varchar(63)  primary key,
    comment_id      bigint       not null,
    body_hash       varchar(64)  not null,
    updated_at      timestamptz  not null
);
