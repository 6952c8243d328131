-- A token may be limited to some applications (their names, comma-separated); null: every application.
alter table api_token add column applications text;
