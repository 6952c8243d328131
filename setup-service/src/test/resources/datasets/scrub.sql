UPDATE customers SET email = 'customer' || id || '@example.invalid';
