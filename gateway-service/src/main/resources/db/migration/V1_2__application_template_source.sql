-- An application registered with a docker-compose file keeps it beside the Application Template made from it.
alter table application add column template_format varchar(20) not null default 'release';
alter table application add column template_source text;
