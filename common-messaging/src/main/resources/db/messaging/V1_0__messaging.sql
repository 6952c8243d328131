-- Transactional outbox: rows written in the same transaction as the state change that caused them,
-- relayed to Kafka in id order by OutboxRelay and deleted once the broker acknowledged them.
create table outbox_message (
    id            bigserial primary key,
    topic         varchar(255) not null,
    record_key    varchar(255) not null,
    ce_id         varchar(64)  not null unique,
    ce_type       varchar(255) not null,
    ce_source     varchar(255) not null,
    ce_time       timestamptz  not null,
    workflow_id   varchar(64),
    causation_id  varchar(64),
    payload       text         not null
);

-- Idempotent consumers: an event id recorded here in the same transaction as its effect is never applied twice.
create table processed_message (
    consumer      varchar(100) not null,
    ce_id         varchar(64)  not null,
    processed_at  timestamptz  not null default now(),
    primary key (consumer, ce_id)
);
