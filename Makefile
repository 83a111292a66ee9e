# cdnwatch — every target works on a fresh machine with Go 1.26 (no other set-up).
GO      ?= go
GOFLAGS ?=
BIN     := bin
LDFLAGS := -s -w

.PHONY: all build cli test test-short vet lint fuzz demo bench clean

all: build

## build: the command for this machine
build: cli

cli:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/cdnwatch ./cmd/cdnwatch

## demo: the whole watch on the built-in simulator, Slack messages printed here
demo:
	$(GO) run ./cmd/cdnwatch demo

## test: vet, then every test with the race detector
test: vet
	$(GO) test -race -count=1 -timeout 20m ./...

test-short:
	$(GO) test -count=1 ./...

vet:
	$(GO) vet ./...

## lint: formatting and vet
lint: vet
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

## fuzz: fuzz the Watch document decoder for longer (FUZZTIME=5m)
FUZZTIME ?= 60s
fuzz:
	$(GO) test ./shared/watch -run '^$$' -fuzz FuzzDecode -fuzztime $(FUZZTIME)

clean:
	rm -rf $(BIN) .aws-sam
