# Registrar — make help lists the targets.

GO       ?= go
BIN      := bin
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X github.com/registrar-dcr/registrar/server/cli.Version=$(VERSION)
CONFIG   ?= config.hcl
TOKEN_FILE := data/initial_access_token

# The repository is six modules tied together by go.work: the server (.),
# the SDK plugin authors import (sdk), the test helpers the tests share
# (internal, the Ory Hydra harness among them), the mongodb store plugin and
# the FerretDB test server only its tests use, and the Hydra upstream plugin
# (plugins/hydra); MODULE_DIRS
# lists them from go.work. `./...` stops at a nested module, so the targets
# name every package of every module by import path instead. The Ory Hydra
# the tests run is pinned as a tool in a seventh module, kept out of go.work
# (HYDRA_TOOL).
PKGS        := github.com/registrar-dcr/registrar/...
MODULE_DIRS  = $(shell $(GO) list -m -f '{{.Dir}}')
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
HYDRA_TOOL  := internal/hydratest/hydra

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# A Go plugin is a directory of plugins/ or examples/plugins/ with a main.go:
# not node-validator (Node).
GO_PLUGINS := $(notdir $(patsubst %/main.go,%,$(wildcard plugins/*/main.go examples/plugins/*/main.go)))

.PHONY: build
build: ## Build bin/registrar, the load generator and every plugin into bin/plugins/
	@mkdir -p $(BIN)/plugins
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/registrar ./server/cmd/registrar
	$(GO) build -trimpath -o $(BIN)/registrar-load ./server/cmd/registrar-load
	@for p in $(GO_PLUGINS); do \
		dir=plugins/$$p; [ -d $$dir ] || dir=examples/plugins/$$p; \
		echo "$(GO) build -trimpath -o $(BIN)/plugins/$$p ./$$dir"; \
		$(GO) build -trimpath -o $(BIN)/plugins/$$p ./$$dir || exit 1; \
	done

.PHONY: checksums
checksums: build ## Print the sha256 to pin in each plugin block
	@cd $(BIN)/plugins && sha256sum *

# make run LISTEN=127.0.0.1:9090 serves on another address (and, unless
# PUBLIC_BASE_URL is given too, names it in registration_client_uri).
LISTEN          ?=
PUBLIC_BASE_URL ?=
SERVE_FLAGS     := $(if $(LISTEN),-listen '$(LISTEN)') $(if $(PUBLIC_BASE_URL),-public-base-url '$(PUBLIC_BASE_URL)')

.PHONY: run
run: ## Build bin/registrar alone and serve CONFIG (config.hcl; LISTEN=host:port, PUBLIC_BASE_URL=url)
	@mkdir -p $(BIN) data
	@echo "==> building $(BIN)/registrar (the server only; the first build compiles its dependencies: a minute or two)"
	@start=$$(date +%s); $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/registrar ./server/cmd/registrar && \
		echo "==> built in $$(( $$(date +%s) - start ))s"
	@[ -s $(TOKEN_FILE) ] || { echo "==> generating an initial access token into $(TOKEN_FILE) (mode 0600)"; umask 077; $(BIN)/registrar token generate > $(TOKEN_FILE); }
	@echo "Initial access token (also in $(TOKEN_FILE)): $$(cat $(TOKEN_FILE))"
	@echo "==> $(BIN)/registrar serve -config $(CONFIG) $(SERVE_FLAGS)   (Ctrl-C stops it)"
	@$(BIN)/registrar serve -config $(CONFIG) $(SERVE_FLAGS)

USES    ?= 1
EXPIRES ?= 24h

.PHONY: token
token: build ## Issue an initial access token for the default profile of config.hcl (USES=1 EXPIRES=24h)
	@[ -s $(TOKEN_FILE) ] || { echo "run make run first: it creates $(TOKEN_FILE), which config.hcl needs"; exit 1; }
	@$(BIN)/registrar token create -config $(CONFIG) -profile default -uses $(USES) -expires $(EXPIRES)

NODE_CHECK := examples/clients/oauth4webapi
MCP_CHECK  := examples/clients/mcp-sdk

.PHONY: hydra
hydra: ## Build the Ory Hydra the tests run into its cache, or reuse it; link it as bin/hydra
	@mkdir -p $(BIN)
	@echo "==> Ory Hydra (pinned in $(HYDRA_TOOL)/go.mod; the first build compiles it with cgo: minutes)"
	@hydra=$$($(GO) run ./internal/hydratest/buildhydra) && ln -sfn "$$hydra" $(BIN)/hydra && echo "$(BIN)/hydra -> $$hydra"

.PHONY: test
test: node-deps hydra ## Run every test (race detector on; builds Hydra first, outside any test timeout)
	$(GO) test -race -count=1 $(PKGS)

.PHONY: node-deps
node-deps: ## Install the npm packages the tests use (stock client library and MCP SDK checks)
	@[ -d $(NODE_CHECK)/node_modules/oauth4webapi ] || npm ci --prefix $(NODE_CHECK) --no-audit --no-fund
	@[ -d $(MCP_CHECK)/node_modules/@modelcontextprotocol/sdk ] || npm ci --prefix $(MCP_CHECK) --no-audit --no-fund
	@[ -d examples/plugins/node-validator/node_modules/@grpc/grpc-js ] || npm ci --prefix examples/plugins/node-validator --no-audit --no-fund

FUZZTIME  ?= 30s
FUZZFLAGS ?=
# Every fuzz target, as package:Name; `go test -fuzz` runs one at a time.
FUZZ_TARGETS := ./sdk:FuzzMetadataRoundTrip ./sdk:FuzzCheckJWKS ./sdk:FuzzScanBody ./server/app:FuzzLifecycle \
	./server/auth:FuzzBearerVerify ./server/config:FuzzParse

.PHONY: fuzz
fuzz: ## Run each fuzz target for FUZZTIME (30s; FUZZFLAGS="-parallel 1" on a shared machine)
	@for f in $$(grep -rhoE '^func Fuzz[A-Za-z0-9_]+' --include='*_test.go' sdk server plugins internal | cut -c6-); do \
		case " $(FUZZ_TARGETS) " in *":$$f "*) ;; *) echo "fuzz target $$f is not in FUZZ_TARGETS"; exit 1;; esac; \
	done
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "$(GO) test -run '^\$$' -fuzz '^$$name\$$' -fuzztime $(FUZZTIME) $(FUZZFLAGS) $$pkg"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $(FUZZFLAGS) $$pkg || exit 1; \
	done

.PHONY: bench
bench: build hydra ## Run Go benchmarks and a bounded load run, and print the figures
	$(GO) test -run '^$$' -bench . -benchtime 2000x ./sdk/... ./server/... ./plugins/mongodb/...
	$(BIN)/registrar-load -scenario sqlite -c 1,16 -d 5s
	$(BIN)/registrar-load -scenario plugin-validator -plugin $(BIN)/plugins/company-policy -c 1,16 -d 5s
	$(GO) build -trimpath -o $(BIN)/ferretdbd ./plugins/mongodb/internal/ferrettest/ferretdbd
	BIN=$(BIN) plugins/mongodb/bench.sh -c 1,16 -d 5s
	BIN=$(BIN) plugins/hydra/bench.sh -c 1,16 -d 5s

# make run-hydra: Registrar provisioning into an Ory Hydra in memory, the
# walkthrough of README "Provisioning into your authorization server". Hydra
# listens on loopback only, advertises Registrar as its registration_endpoint,
# and stops with Registrar; its clients live in memory and go with it.
HYDRA_PUBLIC := 127.0.0.1:4444
HYDRA_ADMIN  := 127.0.0.1:4445

.PHONY: run-hydra
run-hydra: hydra ## Serve examples/config/hydra.hcl with a Hydra in memory (public 127.0.0.1:4444, admin :4445)
	@mkdir -p $(BIN)/plugins data/hydra
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/registrar ./server/cmd/registrar
	$(GO) build -trimpath -o $(BIN)/plugins/hydra ./plugins/hydra
	@sha256sum $(BIN)/plugins/hydra | cut -d' ' -f1 > data/hydra-plugin.sha256
	@[ -s $(TOKEN_FILE) ] || { echo "==> generating an initial access token into $(TOKEN_FILE) (mode 0600)"; umask 077; $(BIN)/registrar token generate > $(TOKEN_FILE); }
	@echo "Initial access token (also in $(TOKEN_FILE)): $$(cat $(TOKEN_FILE))"
	@echo "==> Ory Hydra in memory: public http://$(HYDRA_PUBLIC), admin http://$(HYDRA_ADMIN) (log: data/hydra.log)"
	@env -i HOME="$(CURDIR)/data/hydra" DSN=memory SQA_OPT_OUT=true \
		SECRETS_SYSTEM=$$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n') \
		SERVE_PUBLIC_HOST=$(word 1,$(subst :, ,$(HYDRA_PUBLIC))) SERVE_PUBLIC_PORT=$(word 2,$(subst :, ,$(HYDRA_PUBLIC))) \
		SERVE_ADMIN_HOST=$(word 1,$(subst :, ,$(HYDRA_ADMIN))) SERVE_ADMIN_PORT=$(word 2,$(subst :, ,$(HYDRA_ADMIN))) \
		URLS_SELF_ISSUER=http://$(HYDRA_PUBLIC)/ URLS_SELF_PUBLIC=http://$(HYDRA_PUBLIC)/ URLS_SELF_ADMIN=http://$(HYDRA_ADMIN)/ \
		URLS_LOGIN=http://127.0.0.1:3000/login URLS_CONSENT=http://127.0.0.1:3000/consent \
		WEBFINGER_OIDC_DISCOVERY_CLIENT_REGISTRATION_URL=http://127.0.0.1:8080/connect/dcr \
		$(BIN)/hydra serve all --dev --sqa-opt-out > data/hydra.log 2>&1 & hydra=$$!; \
	trap 'kill $$hydra 2>/dev/null' EXIT INT TERM; \
	for i in $$(seq 300); do curl -sf http://$(HYDRA_ADMIN)/health/ready >/dev/null && break; \
		kill -0 $$hydra 2>/dev/null || { cat data/hydra.log; exit 1; }; sleep 0.2; done; \
	echo "==> $(BIN)/registrar serve -config examples/config/hydra.hcl   (Ctrl-C stops both)"; \
	$(BIN)/registrar serve -config examples/config/hydra.hcl

GENERATED := proto/ sdk/internal/pluginv1/

.PHONY: proto
proto: ## Regenerate the plugin protocol's Go code (sdk/internal/pluginv1) with pinned generators
	./proto/generate.sh

.PHONY: verify
verify: proto lint ## Regenerate, then fail if generated code differs from what is committed
	git diff --exit-code -- $(GENERATED)
	@test -z "$$(git status --porcelain -- $(GENERATED))" || { git status --porcelain -- $(GENERATED); echo "generated files not committed"; exit 1; }

.PHONY: lint
lint: ## gofmt, go vet, go mod tidy -diff of every module (and the Hydra tool module), staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	@for d in $(MODULE_DIRS) $(CURDIR)/$(HYDRA_TOOL); do \
		echo "go mod tidy -diff ($$d)"; \
		(cd $$d && GOWORK=off $(GO) mod tidy -diff) || exit 1; \
	done
	$(GO) run $(STATICCHECK) $(PKGS)

.PHONY: clean
clean: ## Remove build output and local data
	rm -rf $(BIN) data
