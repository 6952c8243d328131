-- build and task output of every workflow, as the stage services published it on stagecraft.logs
create table log_line (
    id              bigserial    primary key,
    ce_id           varchar(64)  not null unique,
    environment_id  varchar(63)  not null,
    workflow_id     varchar(64)  not null,
    source          varchar(255),
    line            text         not null,
    received_at     timestamptz  not null
);
create index log_line_workflow on log_line (workflow_id, id);
