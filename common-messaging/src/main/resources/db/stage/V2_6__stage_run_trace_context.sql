-- The W3C trace context the command arrived in: the run's span continues it whenever and wherever the run starts,
-- on the instance that accepted the command or on one that takes the run over after its lease expired.
alter table stage_run add column traceparent text;
alter table stage_run add column tracestate text;
