//go:build benchprofile

package main

// Only in a build with -tags benchprofile, which the benchmark makes when ICA_BENCH_PROFILE is set
// (internal/testing/bench); a release build has none of this. ICA_BENCH_HEAP_PROFILE is a path prefix; the
// process writes, as <prefix>-<pid>.*:
//   - live.pprof: the heap profile at the highest live heap it reached (inuse_space is that live heap,
//     alloc_space everything allocated until then), and live.goroutines.txt, the goroutines at that moment;
//   - last.pprof, rewritten every second: alloc_space up to about the end;
//   - series.tsv, every 100 ms: the runtime/metrics samples below; json: their peaks.
//
// With ICA_BENCH_HEAP_FORCE_GC set it also collects every second and records the live heap right after
// ("forced" lines), which separates what stays live from what was only allocated while a collection ran.

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"time"
)

func init() {
	prefix := os.Getenv("ICA_BENCH_HEAP_PROFILE")
	if prefix == "" {
		return
	}
	// Finer than the default 512 KiB so that small per-connection allocations show.
	runtime.MemProfileRate = 64 << 10
	prefix = fmt.Sprintf("%s-%d", prefix, os.Getpid())
	forceGC = os.Getenv("ICA_BENCH_HEAP_FORCE_GC") != ""
	go sampleHeap(prefix)
}

// forceGC is ICA_BENCH_HEAP_FORCE_GC.
var forceGC bool

// heapPeaks are the highest values seen of each runtime/metrics sample, in bytes (GCs: a count).
type heapPeaks map[string]uint64

var heapMetrics = []string{
	"/gc/heap/live:bytes",
	"/memory/classes/heap/objects:bytes",
	"/memory/classes/heap/unused:bytes",
	"/memory/classes/heap/free:bytes",
	"/memory/classes/heap/stacks:bytes",
	"/memory/classes/total:bytes",
	"/memory/classes/heap/released:bytes",
	"/gc/heap/allocs:bytes",
	"/gc/cycles/total:gc-cycles",
	"/sched/goroutines:goroutines",
}

func sampleHeap(prefix string) {
	samples := make([]metrics.Sample, len(heapMetrics))
	for i, name := range heapMetrics {
		samples[i].Name = name
	}
	peaks := heapPeaks{}
	series, _ := os.Create(prefix + ".series.tsv") //nolint:gosec // G304: the benchmark chose the path
	start := time.Now()
	tick := time.NewTicker(10 * time.Millisecond)
	lastWrite := time.Now()
	for n := 0; ; n++ {
		<-tick.C
		metrics.Read(samples)
		if series != nil && n%10 == 0 {
			fmt.Fprintf(series, "%.1f", time.Since(start).Seconds())
			for _, s := range samples {
				if s.Value.Kind() == metrics.KindUint64 {
					fmt.Fprintf(series, "\t%d", s.Value.Uint64())
				}
			}
			fmt.Fprintln(series)
		}
		newLive := false
		for i, s := range samples {
			if s.Value.Kind() != metrics.KindUint64 {
				continue
			}
			v := s.Value.Uint64()
			if v > peaks[heapMetrics[i]] {
				peaks[heapMetrics[i]] = v
				newLive = newLive || i == 0
			}
		}
		// Resident Go memory: what the runtime mapped less what it returned to the OS.
		if mapped := samples[5].Value.Uint64() - samples[6].Value.Uint64(); mapped > peaks["mapped-released"] {
			peaks["mapped-released"] = mapped
		}
		if newLive {
			writeProfile("heap", prefix+".live.pprof", 0)
			writeProfile("goroutine", prefix+".live.goroutines.txt", 1)
		}
		if time.Since(lastWrite) >= time.Second {
			if forceGC {
				runtime.GC()
				metrics.Read(samples[:1])
				fmt.Fprintf(series, "forced\t%.1f\t%d\n", time.Since(start).Seconds(), samples[0].Value.Uint64())
			}
			writeProfile("heap", prefix+".last.pprof", 0)
			if data, err := json.Marshal(peaks); err == nil {
				_ = os.WriteFile(prefix+".json", data, 0o600) //nolint:gosec // G703: the benchmark chose the path
			}
			lastWrite = time.Now()
		}
	}
}

func writeProfile(name, path string, debug int) {
	f, err := os.Create(path) //nolint:gosec // G304: the benchmark chose the path
	if err != nil {
		return
	}
	_ = pprof.Lookup(name).WriteTo(f, debug)
	_ = f.Close()
}
