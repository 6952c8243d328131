-- "live" is one thing: an environment that can still be deployed. One being torn down no longer holds its pull
-- request, so a pull request reopened during a teardown gets an environment of its own.
drop index environment_live_pr;
create unique index environment_live_pr on environment (application_id, pull_request)
    where pull_request is not null and state <> 'DELETED' and state <> 'TEARING_DOWN';
