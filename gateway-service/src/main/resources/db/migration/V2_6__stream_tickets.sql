-- Stream tickets: short-lived stand-ins for an API token that a browser's EventSource names in the URL of an event
-- stream, since it cannot send the Authorization header. Only a SHA-256 of each ticket is kept; a ticket goes with
-- its token when the token is revoked.
create table stream_ticket (
    ticket_hash  varchar(64)  primary key,
    token_id     varchar(64)  not null references api_token (id) on delete cascade,
    expires_at   timestamptz  not null
);
create index stream_ticket_expires_at on stream_ticket (expires_at);
