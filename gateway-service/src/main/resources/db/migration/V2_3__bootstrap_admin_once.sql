-- The bootstrap admin token is made once per installation: this row says when. A revoked bootstrap token is never
-- made again, even when no admin token is left (an operator who lost every admin deletes this row to start over).
create table bootstrap_admin (
    id          smallint    primary key check (id = 1),
    created_at  timestamptz not null
);
-- an installation that already has an admin token got past its bootstrap
insert into bootstrap_admin select 1, now() where exists (select 1 from api_token where role = 'ADMIN');
