-- Runs once, when the compose volume is empty (docker-entrypoint-initdb.d), as the superuser.
-- The developers' and the test suites' role app/app (CREATEDB, so the test suites can create their own test_*
-- databases), as scripts/infra.sh creates it on the local path, on a server published on 127.0.0.1 only, and the
-- two databases; 02-service-roles.sh then hands each database to its service's own role.
CREATE ROLE app LOGIN CREATEDB PASSWORD 'app';
CREATE DATABASE customer_db OWNER app;
CREATE DATABASE order_db OWNER app;
