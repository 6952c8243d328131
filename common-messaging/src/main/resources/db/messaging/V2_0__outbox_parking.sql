-- Version 2.0 and up: after every service's own migrations so far (the gateway's reach 1.7); a service's next
-- migration takes a version above this one.

-- Attempts that failed while other rows went through; past stagecraft.outbox.max-attempts the row is parked.
alter table outbox_message add column attempts integer not null default 0;
alter table outbox_message add column last_error text;

-- Messages the relay set aside: refused for good by the broker (too large, invalid topic) or failing alone too
-- often. Kept with the reason for operators (GET /api/admin/outbox) and counted in stagecraft_outbox_parked_messages.
create table outbox_parked (
    id            bigint       primary key,
    topic         varchar(255) not null,
    record_key    varchar(255) not null,
    ce_id         varchar(64)  not null,
    ce_type       varchar(255) not null,
    ce_source     varchar(255) not null,
    ce_time       timestamptz  not null,
    workflow_id   varchar(64),
    causation_id  varchar(64),
    payload       text         not null,
    attempts      integer      not null,
    reason        text         not null,
    parked_at     timestamptz  not null
);
