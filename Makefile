# xprov — `make run` starts the demo, `make test` runs every test (it installs what is missing).
GO ?= go

.PHONY: build run test test-go deps lint bench fmt

build:
	$(GO) build -o bin/xprov ./cmd/xprov

run: build
	./bin/xprov serve --demo

# test installs the Debian packages the interop and browser tests need (when missing), then runs
# the whole suite with those tests required rather than skipped.
test: deps lint
	XPROV_REQUIRE_INTEROP=1 $(GO) test -count=1 -timeout 20m ./...

deps:
	@bash .ci/deps

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v /testdata/)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

fmt:
	gofmt -w $$(git ls-files '*.go' | grep -v /testdata/)
