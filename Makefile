# The README's two commands: `make dependencies` (bring the system up) and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
N ?= 100000
CONCURRENCY ?= 64
export N CONCURRENCY
# Node.js: the project runs on the version in .nvmrc. When the machine's node is older, scripts/node.sh fetches that
# version once into ~/.cache/rabbitmq-streams-demo and every target (npm ci, tsc, vitest, the services) runs with it
# first on PATH; with a recent enough node it prints nothing and nothing changes.
NODE_BIN := $(shell bash scripts/node.sh || echo '!failed')
ifneq ($(findstring !failed,$(NODE_BIN)),)
$(error scripts/node.sh could not provide Node.js $(shell cat .nvmrc); its message is above)
endif
export PATH := $(if $(NODE_BIN),$(NODE_BIN):)$(PATH)
# Settings of the infrastructure in use (scripts/infra.sh writes them; scripts/second-system.sh for a second system),
# the infrastructure's accounts (scripts/infra/credentials.sh) and the services' tokens (scripts/services.sh), in the
# run directory of the system (RUN_DIR, .run by default).
# system.env: the shape scripts/services.sh up was given (ORDER_INSTANCES, STREAM_PARTITIONS, ORDER_URLS), beneath what
# the command line says.
INFRA_ENV := set -a; for f in .run/credentials.env "$${RUN_DIR:-.run}/infra.env" "$${RUN_DIR:-.run}/tokens.env"; do [ ! -f "$$f" ] || . "$$f"; done; set +a; \
	if [ -f "$${RUN_DIR:-.run}/system.env" ]; then while IFS='=' read -r k v; do [ -n "$${!k:-}" ] || export "$$k=$$v"; done <"$${RUN_DIR:-.run}/system.env"; fi;
# make test-chaos-cluster: a second system (scripts/second-system.sh) on the tests' own three-node cluster
# (lib/test-support's testCluster: nodes cluster1..3@localhost, streams 127.0.0.1:5652-5654), with its own
# ports (8280-8282), databases (test_cluster_*) and stream (customer-cluster). Overridable, e.g. to run it
# on another broker set: make test-chaos-cluster CHAOS_CLUSTER="SYSTEM=chaos BASE_PORT=9180 BROKER_NAME=chaos ..."
# Its PostgreSQL is a cluster of its own (chaos, port 5532; scripts/infra.sh creates it): its crash, one of the
# faults, disturbs no other system (make test runs the others meanwhile).
CHAOS_CLUSTER ?= SYSTEM=cluster BASE_PORT=8280 BROKER_NAME=cluster BROKER_NODES=3 BROKER_PORT_OFFSET=100 PG_CLUSTER=chaos PGPORT=5532
# make test-chaos-partitions: a second system whose stream is a super stream of 3 partitions (customer-parts-0..2)
# on the one-node broker set `aux` (below), three order instances on 8381-8383, its own databases.
CHAOS_PARTITIONS ?= SYSTEM=parts BASE_PORT=8380 BROKER_NAME=aux BROKER_NODES=1 BROKER_PORT_OFFSET=800 STREAM_PARTITIONS=3 ORDER_INSTANCES=3
# The second systems of make test-chaos-retention, make test-security and make test-chaos-partitions share a one-node
# broker set of their own,
# `aux` (streams 127.0.0.1:6352, management :16472), left running like the cluster set (make down stops it).
# test-chaos-retention: a stream of 1 MB in 200 KB segments, declared before the services start, whose
# history retention removes within the run.
CHAOS_RETENTION ?= SYSTEM=retention BASE_PORT=8880 BROKER_NAME=aux BROKER_NODES=1 BROKER_PORT_OFFSET=800 \
	STREAM_MAX_LENGTH_BYTES=1000000 STREAM_MAX_SEGMENT_SIZE_BYTES=200000
# test-security: services that limit loopback too (RATE_LIMIT_ALLOW empty) with short timeouts, so that the rate
# limit and the slow-client cut-offs are proven from this machine in seconds.
SECURITY_SYSTEM ?= SYSTEM=security BASE_PORT=8780 BROKER_NAME=aux BROKER_NODES=1 BROKER_PORT_OFFSET=800 \
	RATE_LIMIT_ALLOW= RATE_LIMIT_PER_MINUTE=300 HTTP_HEADERS_TIMEOUT_MS=2000 HTTP_REQUEST_TIMEOUT_MS=4000

.PHONY: help install build infra dependencies up down clean logs status typecheck lint test test-unit test-int test-tls \
	run-e2e run-load test-load run-chaos test-chaos test-chaos-faults test-chaos-cluster test-chaos-partitions test-chaos-retention chaos-retention run-security test-security bench-cluster compose-secrets monitoring monitoring-down rebuild-replica

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.package-lock.json ## npm ci when the lock file changed

build: install ## compile every package (tsc -b)
	npx tsc -b

infra: install ## PostgreSQL 15 and RabbitMQ 4 (docker compose, or local packages + a debootstrap root)
	bash scripts/infra.sh up

dependencies: build infra ## the whole system: infrastructure + customer (8080) + two order replicas (8081, 8082)
	bash scripts/services.sh up

up: dependencies ## alias of dependencies

down: ## stop the services and the infrastructure; data stays
	bash scripts/monitoring.sh down
	bash scripts/services.sh down
	bash scripts/infra.sh down

clean: ## stop everything and remove the data
	bash scripts/services.sh down
	# Second systems beside the first (scripts/second-system.sh, the fault suite's retention-gap run): their
	# services too, then their run directories.
	for dir in .run-*/; do [ ! -d "$$dir" ] || RUN_DIR="$${dir%/}" bash scripts/services.sh down; done
	bash scripts/infra.sh clean
	rm -rf .run .run-* results

logs: ## follow the services' logs
	bash scripts/services.sh logs

status: ## what runs
	bash scripts/services.sh status
	bash scripts/infra.sh status

typecheck: build ## tsc over every package, tests included

lint: install ## typescript-eslint
	npx eslint .

test-unit: build ## unit tests (no infrastructure)
	npx vitest run --project unit

test-int: build infra ## integration tests against real PostgreSQL and RabbitMQ (two files at a time, then the fault injectors alone)
	$(INFRA_ENV) npx vitest run --project integration --project integration-faults

test-tls: build infra ## stream connections over TLS, on a RabbitMQ node of the test's own with a certificate it makes (~25 s)
	$(INFRA_ENV) npx vitest run --project tls

# After the integration tests, three lanes at once, each on its own broker set (scripts/run-parallel.sh prefixes
# their lines): the system of make dependencies (e2e, load, chaos), the second systems on the `aux` set (retention-gap,
# security, the super stream's chaos) and the cluster chaos, whose PostgreSQL crash hits a PostgreSQL cluster of
# its own.
test: typecheck lint test-unit test-int test-tls dependencies ## everything CI runs: typecheck, lint, unit, integration, TLS, e2e, a small load and chaos run, security
	bash scripts/run-parallel.sh \
	  system '$(MAKE) --no-print-directory run-e2e && $(MAKE) --no-print-directory test-load && $(MAKE) --no-print-directory test-chaos-faults' \
	  aux '$(MAKE) --no-print-directory test-chaos-retention && $(MAKE) --no-print-directory test-security && $(MAKE) --no-print-directory test-chaos-partitions' \
	  cluster '$(MAKE) --no-print-directory test-chaos-cluster'

run-e2e: ## the e2e suite against the running system (make dependencies)
	$(INFRA_ENV) npm test -w e2e

run-load: build ## the load test against the running system (N=100000 CONCURRENCY=64)
	$(INFRA_ENV) npm start -w load-test

test-load: build ## the load test's verification on a small run (N=5000), part of make test
	$(INFRA_ENV) N=5000 npm start -w load-test

run-chaos: build ## fault injection and bad input against the running system (all faults, 20,000 operations each), then retention-gap
	$(INFRA_ENV) npm run chaos -w reliability
	$(MAKE) chaos-retention CHAOS_RETENTION_ARGS="--faults retention-gap --bad-input none"

test-chaos: build ## the short variant of run-chaos, part of make test
	$(MAKE) test-chaos-faults
	$(MAKE) test-chaos-retention

test-chaos-faults: build ## test-chaos's faults on the running system (kill of the active order instance, broker outage, connections closed)
	$(INFRA_ENV) npm run chaos -w reliability -- --quick

# retention-gap needs a stream that loses its history within a run: a second system whose stream is small.
CHAOS_RETENTION_ARGS ?= --quick --bad-input none
test-chaos-retention: chaos-retention ## retention-gap (the order side down past retention, then make rebuild-replica) on a second system with a 1 MB stream
chaos-retention: build
	$(CHAOS_RETENTION) bash scripts/second-system.sh fresh && \
	  $(CHAOS_RETENTION) bash scripts/second-system.sh run npm run chaos -w reliability -- $(CHAOS_RETENTION_ARGS); \
	  status=$$?; $(CHAOS_RETENTION) bash scripts/second-system.sh down; exit $$status

# The cluster set's nodes keep running afterwards: the integration tests share them (testCluster), and
# starting and clustering three nodes costs about 30 s; make down stops them with everything else.
# Each run starts from empty databases and a new stream (second-system.sh fresh: down, reset, up): a replica left
# by an earlier run on a stream that was declared again since would rightly refuse to consume it (stream_reset).
# Its load is paced (40 operations started per second, at least 1,000): its faults last about three minutes, and an
# unpaced load would take both cores for all of them while make test runs its other lanes.
test-chaos-cluster: build ## the short cluster faults against a second system on the tests' 3-node cluster, part of make test
	$(CHAOS_CLUSTER) bash scripts/second-system.sh fresh && \
	  $(CHAOS_CLUSTER) bash scripts/second-system.sh run npm run chaos -w reliability -- --quick --ops 1000 --rate 40 --bad-input none; \
	  status=$$?; $(CHAOS_CLUSTER) bash scripts/second-system.sh down; exit $$status

test-chaos-partitions: build ## the order faults on a super stream of 3 partitions shared by 3 order instances (a second system), part of make test
	$(CHAOS_PARTITIONS) bash scripts/second-system.sh fresh && \
	  $(CHAOS_PARTITIONS) bash scripts/second-system.sh run npm run chaos -w reliability -- --quick --bad-input stream; \
	  status=$$?; $(CHAOS_PARTITIONS) bash scripts/second-system.sh down; exit $$status

run-security: build ## the security suite against the running system (the rate limit only when loopback is not exempt)
	$(INFRA_ENV) npm run -s security -w reliability

# Its services start anew each time: their rate-limit counters live in memory.
test-security: build ## the security suite against a second system without rate-limit exemptions and with short timeouts, part of make test
	$(SECURITY_SYSTEM) bash scripts/second-system.sh down; \
	  $(SECURITY_SYSTEM) bash scripts/second-system.sh up && \
	  $(SECURITY_SYSTEM) bash scripts/second-system.sh run npm run -s security -w reliability; \
	  status=$$?; $(SECURITY_SYSTEM) bash scripts/second-system.sh down; exit $$status

# N is the load test's (100,000 by default): the benchmark runs it twice, with 20,000 unless N is given.
BENCH_N := $(if $(filter file,$(origin N)),20000,$(N))
bench-cluster: build ## the cost of replication: the load test on a 1-node broker, then on a 3-node cluster (N=20000), as ratios
	N=$(BENCH_N) node load-test/dist/src/cluster-bench.js

compose-secrets: ## the compose path's accounts, tokens and passwords as env files in .run/compose/ (before docker compose up)
	bash infra/compose/secrets.sh

monitoring: ## Prometheus (Debian's package) scraping the local system on http://127.0.0.1:9090
	bash scripts/monitoring.sh up

monitoring-down: ## stop that Prometheus
	bash scripts/monitoring.sh down

# The replica of the system the tools' settings name (ORDER_DATABASE_URL: a second system's, scripts/second-system.sh
# run), else order-service's own account's (.run/credentials.env), else order-service's default.
rebuild-replica: build ## empty order-service's replica and fill it again (from the stream, or a snapshot when its start is gone; FROM=snapshot|stream)
	$(INFRA_ENV) url="$${ORDER_DATABASE_URL:-$${ORDER_SERVICE_DATABASE_URL:-}}"; [ -z "$$url" ] || export DATABASE_URL="$$url"; \
	  npm run rebuild -w order-service $(if $(FROM),-- --from-$(FROM))

.PHONY: stream-status
stream-status: build ## the stream's extent, each consumer's stored offset and lag, gaps and resets (ARGS=--json)
	@$(INFRA_ENV) node order-service/dist/src/cli/stream-status.js $(ARGS)
