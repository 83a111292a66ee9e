# cdnwatch — every target works on a fresh machine with Go 1.26 (no other set-up).
GO      ?= go
GOFLAGS ?=
BIN     := bin
LDFLAGS := -s -w

.PHONY: all help install build cli build-lambda build-fc build-CdnwatchFunction test test-short vet lint lint-template fuzz demo bench clean deploy-aws deploy-fc

all: build

## help: this list
help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST) | awk -F': ' '{printf "  make %-12s %s\n", $$1, $$2}'

## install: build cdnwatch and put it in $(go env GOBIN), else $(go env GOPATH)/bin
install:
	$(GO) install -buildvcs=auto -trimpath -ldflags '$(LDFLAGS)' ./cmd/cdnwatch
	@dir=$$($(GO) env GOBIN); [ -n "$$dir" ] || dir=$$($(GO) env GOPATH)/bin; \
	echo "installed $$dir/cdnwatch ($$($$dir/cdnwatch --version))"; \
	case ":$$PATH:" in *":$$dir:"*) ;; *) echo "$$dir is not on your PATH; add it with: export PATH=\"$$dir:\$$PATH\"";; esac

## build: the command for this machine and both deployable artifacts
build: cli build-lambda build-fc

# PROVIDERS: the provider ids the function binaries are built with, e.g.
#   make build-fc PROVIDERS="aliyun-cdn aliyun-dcdn"
# Empty (the default) builds in all six. Each id becomes the build tag cdnwatch_<id>
# (shared/provider/all); a deployment that leaves out the SDKs it does not use gets a
# smaller binary that starts faster (docs/deploy.md has the sizes).
ALL_PROVIDERS := aliyun-cdn aliyun-dcdn aws-cloudfront tencent-cdn volc-cdn volc-mcdn
PROVIDERS ?=
$(foreach p,$(PROVIDERS),$(if $(filter $(p),$(ALL_PROVIDERS)),,$(error PROVIDERS: unknown provider "$(p)"; known: $(ALL_PROVIDERS))))
comma := ,
space := $(subst ,, )
PROVIDER_TAGS := $(subst $(space),$(comma),$(strip $(foreach p,$(PROVIDERS),cdnwatch_$(subst -,_,$(p)))))

# Lambda: provided.al2023 on arm64 wants a binary named bootstrap; lambda.norpc drops the
# net/rpc server only the old go1.x runtime needed.
LAMBDA_BUILD := GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -tags 'lambda.norpc$(if $(PROVIDER_TAGS),$(comma)$(PROVIDER_TAGS))' -trimpath -ldflags '$(LDFLAGS)'

build-lambda:
	mkdir -p dist/lambda
	$(LAMBDA_BUILD) -o dist/lambda/bootstrap ./functions/lambda
	cd dist/lambda && rm -f ../lambda.zip && zip -q -X ../lambda.zip bootstrap

# FC: the built-in go1 runtime runs x86_64 only; s.yaml expects ./dist/fc/main.
build-fc:
	mkdir -p dist/fc
	GOOS=linux GOARCH=amd64 CGO_ENABLED=0 $(GO) build -tags '$(PROVIDER_TAGS)' -trimpath -ldflags '$(LDFLAGS)' -o dist/fc/main ./functions/fc
	cd dist/fc && rm -f ../fc.zip && zip -q -X ../fc.zip main

# SAM (template.yaml, Metadata BuildMethod: makefile) calls this with ARTIFACTS_DIR set.
build-CdnwatchFunction:
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/lambda

lint-template:
	cfn-lint template.yaml

deploy-aws:
	sam build && sam deploy --guided

deploy-fc: build-fc
	s deploy

## cli: build the command into bin/cdnwatch (nothing installed)
cli:
	$(GO) build -buildvcs=auto -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/cdnwatch ./cmd/cdnwatch

## demo: the whole watch on the built-in simulator, Slack messages printed here
demo:
	$(GO) run ./cmd/cdnwatch demo

# Tests talk only to loopback: the SDKs' credential chains must never fall back to a cloud
# metadata service (Aliyun 100.100.100.200, AWS 169.254.169.254) on a machine without keys.
TEST_ENV := ALIBABA_CLOUD_ECS_METADATA_DISABLED=true AWS_EC2_METADATA_DISABLED=true

## test: vet, then every test with the race detector
test: vet
	$(TEST_ENV) $(GO) test -race -count=1 -timeout 20m ./...

test-short:
	$(TEST_ENV) $(GO) test -count=1 ./...

vet:
	$(GO) vet ./...

## lint: formatting and vet
lint: vet
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

## bench: measure against the simulator and write BENCHMARKS.md (about 6 minutes), then Go benchmarks
bench:
	$(GO) run ./cmd/cdnwatch-bench -out BENCHMARKS.md
	$(GO) test -run '^$$' -bench . -benchmem ./shared/watch ./shared/notify | tee -a /dev/stderr | \
	  awk 'BEGIN{print "\n## Go benchmarks\n\n```"} /^(Benchmark|goos|goarch|cpu|pkg)/{print} END{print "```"}' >> BENCHMARKS.md

## fuzz: fuzz the Watch document decoder for longer (FUZZTIME=5m)
FUZZTIME ?= 60s
fuzz:
	$(GO) test ./shared/watch -run '^$$' -fuzz FuzzDecode -fuzztime $(FUZZTIME)
	$(GO) test ./shared/trigger -run '^$$' -fuzz FuzzDecodeEnvelope -fuzztime $(FUZZTIME)

clean:
	rm -rf $(BIN) dist .aws-sam
