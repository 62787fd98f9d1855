-- Runs once, when the compose volume is empty (docker-entrypoint-initdb.d), as the superuser.
-- The same role and databases scripts/infra.sh creates on the local path: role app/app (CREATEDB,
-- so the test suites can create their own test_* databases), customer_db and order_db owned by it.
CREATE ROLE app LOGIN CREATEDB PASSWORD 'app';
CREATE DATABASE customer_db OWNER app;
CREATE DATABASE order_db OWNER app;
