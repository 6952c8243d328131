UPDATE customers SET email = CONCAT('customer', id, '@example.invalid');
