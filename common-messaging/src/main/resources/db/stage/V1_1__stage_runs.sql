-- One row per workflow a stage service accepted: the command that started it, so a restart can resume it.
create table stage_run (
    workflow_id     varchar(64)  primary key,
    environment_id  varchar(64)  not null,
    command_id      varchar(64)  not null,
    command_type    varchar(255) not null,
    command         text         not null,
    status          varchar(20)  not null,
    reason          text,
    accepted_at     timestamptz  not null,
    finished_at     timestamptz
);
create index stage_run_unfinished on stage_run (status) where finished_at is null;
