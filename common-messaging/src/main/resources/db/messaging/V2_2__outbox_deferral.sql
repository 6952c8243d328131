-- A record key whose head row failed to send waits until not_before; the relay reads past that key meanwhile, so
-- keys that cannot be sent never hold up the others (however many there are).
alter table outbox_message add column not_before timestamptz;
create index outbox_message_deferred on outbox_message (record_key) where not_before is not null;
