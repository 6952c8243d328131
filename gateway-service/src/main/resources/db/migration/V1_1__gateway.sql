create table application (
    id                     varchar(64)  primary key,
    name                   varchar(63)  not null unique,
    repository_url         varchar(1024) not null,
    repository_key         varchar(1024) not null,
    provider               varchar(20)  not null,
    webhook_secret         varchar(512) not null,
    template               text         not null,
    environment_variables  text,
    runtime                varchar(20)  not null,
    created_at             timestamptz  not null
);
create index application_repository on application (repository_key);

create table environment (
    id                   varchar(63)  primary key,
    application_id       varchar(64)  not null references application (id),
    kind                 varchar(20)  not null,
    branch               varchar(255) not null,
    pull_request         integer,
    state                varchar(20)  not null,
    desired_commit       varchar(64),
    deployed_commit      varchar(64),
    spec                 text         not null,
    spec_hash            varchar(64)  not null,
    deployed_spec_hash   varchar(64),
    images               text,
    endpoints            text,
    active_workflow_id   varchar(64),
    active_deadline      timestamptz,
    failure_reason       text,
    created_at           timestamptz  not null,
    updated_at           timestamptz  not null,
    expires_at           timestamptz,
    version              bigint       not null default 0
);
-- one live environment per pull request of an application
create unique index environment_live_pr on environment (application_id, pull_request)
    where pull_request is not null and state <> 'DELETED';
create index environment_branch on environment (application_id, branch);

create table workflow (
    id              varchar(64)  primary key,
    environment_id  varchar(63)  not null references environment (id),
    stage           varchar(20)  not null,
    commit_sha      varchar(64),
    status          varchar(20)  not null,
    images          text,
    reason          text,
    started_at      timestamptz  not null,
    finished_at     timestamptz
);
create index workflow_environment on workflow (environment_id, started_at);

create table timeline_entry (
    id              bigserial    primary key,
    environment_id  varchar(63)  not null references environment (id),
    workflow_id     varchar(64),
    ce_id           varchar(64),
    type            varchar(255) not null,
    applied         boolean      not null,
    detail          text,
    occurred_at     timestamptz  not null
);
create index timeline_environment on timeline_entry (environment_id, id);

create table delivery (
    id              varchar(128) primary key,
    provider        varchar(20)  not null,
    event           varchar(64),
    action          varchar(64),
    repository      varchar(1024),
    application_id  varchar(64),
    environment_id  varchar(63),
    outcome         varchar(20)  not null,
    reason          text,
    received_at     timestamptz  not null
);
create index delivery_received on delivery (received_at desc);
