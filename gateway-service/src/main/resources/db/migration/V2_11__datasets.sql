-- Datasets: the newest pool report of each dataset from the setup-service that keeps the pools
-- (DatasetPoolsReported), for GET /api/datasets.
create table dataset_pool (
    dataset varchar(40) primary key,
    runtime varchar(40) not null,
    pool_size integer not null,
    snapshot boolean not null,
    ready integer not null,
    filling integer not null,
    checked_out integer not null,
    error varchar(2000),
    observed_at timestamptz not null
);
