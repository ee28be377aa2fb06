// Package techempower implements the six TechEmpower Framework Benchmarks
// tests (JSON, single query, multiple queries, fortunes, updates,
// plaintext) once per contestant: Kiln, Gin, Echo (v5), Chi and Fiber (v3),
// each written the way its own users write it, plus two baselines, raw
// net/http with a path switch and raw fasthttp, both on raw pgx.
//
// Every contestant is built by a Contestant's New function from the same
// Config (database URL, pool size, and an optional query counter the
// verifier uses) and serves on a listener it is handed, so the verifier in
// this package's tests runs each one in-process on a random port, and
// cmd/techempower runs each one as its own process under wrk.
//
// The rules followed are TechEmpower's (shared/reference/techempower.md):
// a JSON encoder per request; one query per row (no IN); queries clamped
// to 1..500; fortunes sorted in Go and rendered through html/template;
// updates read row by row and written in a batch sorted by id; Server,
// Date, Content-Type and Content-Length (or chunked) on every response.
package techempower
