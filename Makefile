# The commands people type. `make run` and `make test` are all a fresh machine needs.
SHELL := /bin/bash
CARGO ?= cargo

.PHONY: ts-client schemathesis run run-approval run-assessment test test-sqlite test-postgres lint fmt openapi openapi-check migrate bench build clean k8s-check

## The whole system on the embedded defaults: the approval service (SQLite under ./var,
## in-process cache, demo data, mail to files) and the assessment service following its feed,
## with one shared generated secret; prints every URL and the demo accounts; Ctrl-C stops both.
run:
	CARGO=$(CARGO) bash scripts/run.sh

## Only the approval service (port 8080), as before.
run-approval:
	DEMO_DATA=$${DEMO_DATA:-true} $(CARGO) run -p approval -- serve

## Every test: the whole workspace on SQLite, then the HTTP suite again on PostgreSQL when
## TEST_DATABASE_URL is set (.ci/run sets it). Both runs use --workspace so features resolve
## identically and nothing is rebuilt between them.
test: test-sqlite test-postgres

test-sqlite: ts-client
	eval "$$(bash scripts/python-client.sh)" && env -u TEST_DATABASE_URL $(CARGO) test --workspace

test-postgres:
	@if [ -n "$${TEST_DATABASE_URL:-}" ]; then \
		echo "== HTTP suite again on PostgreSQL ($${TEST_DATABASE_URL})"; \
		eval "$$(bash scripts/python-client.sh)" && $(CARGO) test --workspace; \
	else \
		echo "== TEST_DATABASE_URL not set: PostgreSQL run skipped (.ci/run always sets it)"; \
	fi

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

## TypeScript types generated from openapi/*.json (openapi-typescript, pinned, from npm into
## target/ts-client) and `tsc --noEmit --strict` over tests/ts/ (scripts/ts-client.sh).
ts-client:
	bash scripts/ts-client.sh

## Regenerate the committed OpenAPI documents from the code.
openapi:
	$(CARGO) run -q -p approval -- openapi > openapi/approval.json
	$(CARGO) run -q -p assessment -- openapi > openapi/assessment.json

## Fail when the committed OpenAPI documents differ from what the code generates.
openapi-check:
	@for svc in approval assessment; do \
		tmp=$$(mktemp); $(CARGO) run -q -p $$svc -- openapi > $$tmp; \
		if ! diff -u openapi/$$svc.json $$tmp > /dev/null; then \
			diff -u openapi/$$svc.json $$tmp | head -40; rm -f $$tmp; \
			echo "openapi/$$svc.json is stale: run 'make openapi' and commit it"; exit 1; \
		fi; rm -f $$tmp; echo "openapi/$$svc.json is up to date"; \
	done

## The assessment service beside it (port 8081), following the approval feed at APPROVAL_URL.
run-assessment:
	$(CARGO) run -p assessment -- serve

## Apply pending migrations to DATABASE_URL (default: the SQLite file of `make run`) and exit.
migrate:
	$(CARGO) run -p approval -- migrate
	$(CARGO) run -p assessment -- migrate

## Black-box scan of both services' OpenAPI with Schemathesis on PostgreSQL (a token per role,
## every check, fixed seed); fails on server errors and undocumented status codes. CI runs it.
schemathesis:
	$(CARGO) build --workspace --bins
	bash scripts/schemathesis.sh

## Benchmarks: figures and ratios, never pass/fail on time. Needs PostgreSQL (BENCH_DATABASE_URL,
## default postgres://postgres@127.0.0.1:5432/test). Writes bench/results.md.
bench:
	@mkdir -p bench
	$(CARGO) bench --no-run -p calendar -p approval -p assessment
	@{ echo "# Benchmark results"; echo; echo "Machine: $$(nproc) cores, $$(uname -sr); run $$(date -u +%Y-%m-%dT%H:%MZ)."; echo; \
	  echo "## Working-day calendar (libs/calendar)"; echo; echo '```'; \
	  $(CARGO) bench -q -p calendar --bench deadline; echo '```'; \
	  RUST_LOG=warn $(CARGO) bench -q -p approval --bench lifecycle; \
	  RUST_LOG=warn $(CARGO) bench -q -p approval --bench sweep; \
	  RUST_LOG=warn $(CARGO) bench -q -p approval --bench replan; \
	  RUST_LOG=warn $(CARGO) bench -q -p assessment --bench scoring; \
	  RUST_LOG=warn $(CARGO) bench -q -p assessment --bench cadre_pull; } | tee bench/results.md

build:
	$(CARGO) build --workspace

clean:
	rm -rf var

## Render k8s/ (base, dev, prod) with kubectl kustomize and check it offline: Kubernetes JSON
## schemas (strict), the project's rules, hadolint on the Dockerfiles (scripts/k8s-check.sh).
k8s-check:
	bash scripts/k8s-check.sh
