-- API tokens: only a SHA-256 of each token is kept; the token itself is shown once, when it is created.
create table api_token (
    id            varchar(64)  primary key,
    name          varchar(255) not null,
    role          varchar(20)  not null,
    token_hash    varchar(64)  not null unique,
    created_at    timestamptz  not null,
    last_used_at  timestamptz
);
