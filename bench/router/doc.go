// Package router benchmarks Kiln's router against net/http's ServeMux,
// julienschmidt/httprouter, Gin, Echo (v5) and Chi (v5) on the route tables of
// github.com/julienschmidt/go-http-routing-benchmark.
//
// The package holds the route tables and one loader per router; the
// benchmarks and the test that every router really matches every route are
// in its test files. See bench_test.go for how the benchmark is kept fair.
package router
