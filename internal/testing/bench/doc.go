// Package bench measures the provider the way users run it: the real Terraform CLI driving the built
// provider binary against moto and the ICA emulator, for N = 1, 10, 20 and 50 ica_s3_connection resources
// (several prefixes on each of several buckets; 20 on 4 buckets is the size issue 6 measured the composed
// alternative at).
//
// Run it with `make bench`, or
//
//	go test ./internal/testing/bench/ -run '^$' -bench . -benchtime 1x -timeout 60m
//	go test ./internal/testing/bench/ -run '^$' -bench 'Connections/N=10$' -benchtime 1x   # one size
//
// For each size it applies, refreshes (plan -refresh-only), plans with no changes (plan -detailed-exitcode
// must exit 0), rotates every key (a new rotation_trigger) and destroys, and records for each Terraform
// command: wall time; API calls split by AWS service (counted by internal/testing/awsproxy in front of moto) and ICA
// (the emulator's request log), reads versus writes, and calls answered with errors; and for every provider
// process Terraform started: peak resident memory and start-up time (measured by cmd/benchlauncher, which
// Terraform runs in place of the provider through a dev_overrides CLI configuration). No-change operations are
// checked against the budget. Results go to bench-results/<UTC timestamp>.json (directory overridable
// with ICA_BENCH_RESULTS) and a table on stdout; cmd/benchcompare prints the differences between two results.
//
// ICA_BENCH_PROFILE=DIR builds the provider with -tags benchprofile (heapprofile_bench.go at the repository
// root): every provider process then writes heap profiles, its goroutines and a memory time series into DIR,
// named <chain|connections>-N<size>-<op>-<pid>.*; ICA_BENCH_HEAP_FORCE_GC=1 adds a collection every second.
// Read them with go tool pprof -sample_index=inuse_space (or alloc_space) -top. Such a build measures itself:
// compare peak memory only between runs without ICA_BENCH_PROFILE.
//
// Without -bench, `go test` runs only the unit tests of the result arithmetic (budget, timeline, compare).
package bench
