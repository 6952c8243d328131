-- Sleep when idle: an application's idle timeout (ISO-8601 duration; null: its environments never sleep), and when
-- the router last saw a request for each environment.
alter table application add column sleep_after varchar(40);
alter table environment add column last_request_at timestamptz;
