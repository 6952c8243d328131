-- a stream resumed with Last-Event-ID finds the entry of that event
create index timeline_ce_id on timeline_entry (ce_id);
