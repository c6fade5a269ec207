# Registrar — make help lists the targets.

GO       ?= go
BIN      := bin
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X github.com/registrar-dcr/registrar/server/cli.Version=$(VERSION)
CONFIG   ?= config.hcl
TOKEN_FILE := data/initial_access_token

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

PLUGINS    := $(notdir $(patsubst %/,%,$(wildcard plugins/*/) $(wildcard examples/plugins/*/)))
GO_PLUGINS := $(filter-out node-validator,$(PLUGINS))

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

.PHONY: test
test: node-deps ## Run every test (race detector on)
	$(GO) test -race -count=1 ./...

.PHONY: node-deps
node-deps: ## Install the npm packages the tests use (stock client library and MCP SDK checks)
	@[ -d $(NODE_CHECK)/node_modules/oauth4webapi ] || npm ci --prefix $(NODE_CHECK) --no-audit --no-fund
	@[ -d $(MCP_CHECK)/node_modules/@modelcontextprotocol/sdk ] || npm ci --prefix $(MCP_CHECK) --no-audit --no-fund
	@[ -d examples/plugins/node-validator/node_modules/@grpc/grpc-js ] || npm ci --prefix examples/plugins/node-validator --no-audit --no-fund

.PHONY: bench
bench: build ## Run Go benchmarks and a bounded load run, and print the figures
	$(GO) test -run '^$$' -bench . -benchtime 2000x ./sdk/... ./server/... ./plugins/...
	$(BIN)/registrar-load -scenario sqlite -c 1,16 -d 5s
	$(BIN)/registrar-load -scenario plugin-validator -plugin $(BIN)/plugins/company-policy -c 1,16 -d 5s
	$(GO) build -trimpath -o $(BIN)/ferretdbd ./plugins/mongodb/internal/ferrettest/ferretdbd
	BIN=$(BIN) plugins/mongodb/bench.sh -c 1,16 -d 5s

.PHONY: proto
proto: ## Regenerate the plugin protocol's Go code with pinned generators
	./proto/generate.sh

.PHONY: verify
verify: proto lint ## Regenerate, then fail if generated code differs from what is committed
	git diff --exit-code -- proto/
	@test -z "$$(git status --porcelain -- proto/)" || { git status --porcelain -- proto/; echo "proto/: generated files not committed"; exit 1; }

.PHONY: lint
lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

.PHONY: clean
clean: ## Remove build output and local data
	rm -rf $(BIN) data
