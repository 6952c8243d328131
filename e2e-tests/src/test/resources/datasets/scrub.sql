-- Run on every copy of "shop" before it enters the pool: no real address reaches an environment.
UPDATE customers SET email = lower(name) || '@example.invalid';
