-- Pause schedules: an application's default, and an environment's own (which may also say "none"), as JSON.
alter table application add column pause_schedule text;
alter table environment add column pause_schedule text;
-- true: the environment's own schedule (or none, when pause_schedule is null) wins over the application's
alter table environment add column pause_schedule_set boolean not null default false;
-- who paused it: 'schedule' (the schedule resumes it) or 'manual' (only a person does)
alter table environment add column paused_by varchar(20);
-- a person resumed it inside a pause window: the schedule leaves it running until then
alter table environment add column schedule_skip_until timestamptz;
