-- The e2e tests' dataset "shop": a small dump in pg_dump's plain format, restored once into the snapshot.
CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL, email text NOT NULL);
COPY customers (id, name, email) FROM stdin;
1	Ada	ada@real-mail.test
2	Grace	grace@real-mail.test
3	Linus	linus@real-mail.test
\.
