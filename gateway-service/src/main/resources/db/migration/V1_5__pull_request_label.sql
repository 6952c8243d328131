alter table application add column pull_request_label varchar(100);
