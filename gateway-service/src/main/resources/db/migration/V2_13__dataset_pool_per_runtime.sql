-- Datasets: a pool is one runtime's (the Docker engine's and the cluster's pools of one dataset are apart), so the
-- newest report is kept per runtime and dataset; before, a report of one runtime overwrote the other's.
alter table dataset_pool drop constraint dataset_pool_pkey;
alter table dataset_pool add primary key (runtime, dataset);
