package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ica-tf/terraform-provider-ica/internal/testing/awsproxy"
)

// Report is one benchmark run: what was measured, where, and the results per size.
type Report struct {
	Date      time.Time `json:"date"`
	Commit    string    `json:"commit,omitempty"`
	Command   string    `json:"command"`
	Machine   Machine   `json:"machine"`
	Terraform string    `json:"terraform"`
	Go        string    `json:"go"`
	Runs      []Run     `json:"runs"`
}

// Machine describes the computer the numbers come from.
type Machine struct {
	OS       string  `json:"os"`
	CPUs     int     `json:"cpus"`
	CPUModel string  `json:"cpu_model,omitempty"`
	MemoryGB float64 `json:"memory_gb,omitempty"`
	// LoadAverage is /proc/loadavg's 1-minute figure when the run started and ended: wall times taken while
	// other work competed for the CPUs are not comparable with quiet ones (call counts are).
	LoadAverage [2]float64 `json:"load_average,omitempty"`
}

// Run is the lifecycle of N connections on a number of buckets.
type Run struct {
	Connections int `json:"connections"`
	Buckets     int `json:"buckets"`
	// Chain: each connection also has a storage configuration and a project on a folder of it.
	Chain bool       `json:"chain,omitempty"`
	Ops   []OpResult `json:"ops"`
}

// The operations of a run, in order.
const (
	OpRegions = "regions" // terraform plan of a configuration that only reads ica_regions (N=1 run only)
	OpApply   = "apply"   // terraform apply: create everything
	OpRefresh = "refresh" // terraform plan -refresh-only, nothing changed
	OpPlan    = "plan"    // terraform plan, nothing changed: must exit 0
	OpRotate  = "rotate"  // terraform apply with a new rotation_trigger on every connection
	OpDestroy = "destroy" // terraform destroy
)

// OpResult is one Terraform command.
type OpResult struct {
	Name     string  `json:"name"`
	Command  string  `json:"command"`
	WallMS   float64 `json:"wall_ms"`
	ExitCode int     `json:"exit_code"`
	// Calls counts API calls by "service:Operation" (AWS, from the counting proxy in front of moto) and
	// "ica:METHOD /path" with ids as {id} (from the ICA emulator's request log).
	Calls     map[string]int `json:"calls"`
	ByService map[string]int `json:"by_service"`
	Total     int            `json:"total"`
	Reads     int            `json:"reads"`
	Writes    int            `json:"writes"`
	// Errors counts calls answered with a status >= 400 (e.g. the 404 of a bucket without CORS).
	Errors int `json:"errors"`
	// CallMS adds up the durations of the AWS and ICA calls; BusyMS is the time at least one was in flight;
	// MaxInFlight the most at once. BusyMS close to WallMS means the servers, not the provider, set the pace.
	CallMS      float64   `json:"call_ms"`
	BusyMS      float64   `json:"busy_ms"`
	MaxInFlight int       `json:"max_in_flight"`
	Processes   []Process `json:"processes"`
	// Timeline lists every API call in start order, relative to the first: which steps ran in parallel and
	// which waited for each other.
	Timeline     []Step  `json:"timeline,omitempty"`
	PeakRSSMB    float64 `json:"peak_rss_mb"`
	MaxStartupMS float64 `json:"max_startup_ms"`
	Budget       *Budget `json:"budget,omitempty"`
}

// Process is one provider process as the launcher measured it.
type Process struct {
	PID        int       `json:"pid"`
	Start      time.Time `json:"start"`
	StartupMS  float64   `json:"startup_ms"` // start to go-plugin handshake line
	LifetimeMS float64   `json:"lifetime_ms"`
	MaxRSSKB   int64     `json:"max_rss_kb"` // peak resident memory (wait4 rusage)
	ExitCode   int       `json:"exit_code"`
	Args       []string  `json:"args,omitempty"`
	// Calls are the API calls made while this was the newest provider process alive (Terraform runs them
	// one after another: schema, plan, apply), so a command's calls split by phase.
	Calls map[string]int `json:"calls,omitempty"`
}

// CallTotal is the number of calls attributed to the process.
func (p *Process) CallTotal() int {
	n := 0
	for _, v := range p.Calls {
		n += v
	}
	return n
}

// Attribute gives each call to the newest process alive when it started; calls outside every process's
// lifetime are not attributed.
func (o *OpResult) Attribute(calls []TimedCall) {
	for _, c := range calls {
		var owner *Process
		for i := range o.Processes {
			p := &o.Processes[i]
			end := p.Start.Add(time.Duration(p.LifetimeMS * float64(time.Millisecond)))
			if !c.Start.Before(p.Start) && !c.Start.After(end) && (owner == nil || p.Start.After(owner.Start)) {
				owner = p
			}
		}
		if owner == nil {
			continue
		}
		if owner.Calls == nil {
			owner.Calls = map[string]int{}
		}
		owner.Calls[c.Call]++
	}
}

// TimedCall is a call and when it started, for Attribute.
type TimedCall struct {
	Call  string
	Start time.Time
}

// Budget is one of the limits. A no-change plan or refresh: no writes, at most 5 calls per connection
// + 3 per bucket + 2 per provider process, and under 60 MB peak memory per provider process. A plan that only
// reads ica_regions: no calls at all (lazy start-up).
type Budget struct {
	Rule       string   `json:"rule"`
	MaxCalls   int      `json:"max_calls"`
	MaxWrites  int      `json:"max_writes"`
	MaxRSSMB   float64  `json:"max_rss_mb"`
	OK         bool     `json:"ok"`
	Violations []string `json:"violations,omitempty"`
}

// Step is one API call in a timeline, relative to the first call of the operation.
type Step struct {
	StartMS    float64 `json:"start_ms"`
	DurationMS float64 `json:"duration_ms"`
	Call       string  `json:"call"`
	Status     int     `json:"status"`
}

// Budget constants from the issue.
const (
	budgetPerConnection = 5
	budgetPerBucket     = 3
	budgetPerProcess    = 2
	budgetRSSMB         = 60
	budgetPerICAObject  = 1
)

// IsWrite classifies a Calls key. ICA calls are writes unless they are GETs or the token mint (which changes
// nothing in the tenant); AWS calls follow awsproxy.IsWrite.
func IsWrite(key string) bool {
	service, op, _ := strings.Cut(key, ":")
	if service == "ica" {
		method, path, _ := strings.Cut(op, " ")
		return method != "GET" && path != "/api/tokens"
	}
	return awsproxy.IsWrite(op)
}

// Summarize fills the totals, per-service sums and memory figures from Calls and Processes.
func (o *OpResult) Summarize() {
	o.ByService = map[string]int{}
	o.Total, o.Reads, o.Writes = 0, 0, 0
	for k, v := range o.Calls {
		service, _, _ := strings.Cut(k, ":")
		o.ByService[service] += v
		o.Total += v
		if IsWrite(k) {
			o.Writes += v
		} else {
			o.Reads += v
		}
	}
	o.PeakRSSMB, o.MaxStartupMS = 0, 0
	for _, p := range o.Processes {
		o.PeakRSSMB = max(o.PeakRSSMB, float64(p.MaxRSSKB)/1024)
		o.MaxStartupMS = max(o.MaxStartupMS, p.StartupMS)
	}
}

// CheckBudget sets o.Budget for a no-change operation (refresh, plan) of a run.
func (o *OpResult) CheckBudget(connections, buckets int) {
	b := &Budget{
		Rule:     "no writes; calls <= 5/connection + 3/bucket + 2/provider process; peak memory < 60 MB",
		MaxCalls: budgetPerConnection*connections + budgetPerBucket*buckets + budgetPerProcess*len(o.Processes),
		MaxRSSMB: budgetRSSMB,
	}
	if o.Total > b.MaxCalls {
		b.Violations = append(b.Violations, fmt.Sprintf("%d calls > %d (5×%d connections + 3×%d buckets + 2×%d processes)",
			o.Total, b.MaxCalls, connections, buckets, len(o.Processes)))
	}
	if o.Writes > b.MaxWrites {
		b.Violations = append(b.Violations, fmt.Sprintf("%d write calls, want none: %s", o.Writes, strings.Join(o.writeKeys(), ", ")))
	}
	if o.PeakRSSMB >= b.MaxRSSMB {
		b.Violations = append(b.Violations, fmt.Sprintf("peak memory %.1f MB >= %.0f MB", o.PeakRSSMB, b.MaxRSSMB))
	}
	b.OK = len(b.Violations) == 0
	o.Budget = b
}

// CheckChainBudget is CheckBudget for the whole chain: each connection also has ICA objects (a storage
// configuration and a project), each allowed one more call.
func (o *OpResult) CheckChainBudget(connections, buckets, icaObjects int) {
	o.CheckBudget(connections, buckets)
	b := o.Budget
	b.Rule = "no writes; calls <= 5/connection + 1/ICA object + 3/bucket + 2/provider process; peak memory < 60 MB"
	b.MaxCalls += budgetPerICAObject * icaObjects
	b.Violations = slices.DeleteFunc(b.Violations, func(v string) bool { return strings.Contains(v, " calls > ") })
	if o.Total > b.MaxCalls {
		b.Violations = append(b.Violations, fmt.Sprintf("%d calls > %d (5×%d connections + 1×%d ICA objects + 3×%d buckets + 2×%d processes)",
			o.Total, b.MaxCalls, connections, icaObjects, buckets, len(o.Processes)))
	}
	b.OK = len(b.Violations) == 0
}

// CheckNoCalls sets o.Budget for the regions-only plan: the provider configures AWS and ICA lazily, so
// nothing may reach the network.
func (o *OpResult) CheckNoCalls() {
	b := &Budget{Rule: "no calls (AWS clients and ICA auth are configured on first use)", MaxRSSMB: budgetRSSMB}
	if o.Total > 0 {
		b.Violations = append(b.Violations, fmt.Sprintf("%d calls, want none: %s", o.Total, breakdown(o.Calls, 1)))
	}
	if o.PeakRSSMB >= b.MaxRSSMB {
		b.Violations = append(b.Violations, fmt.Sprintf("peak memory %.1f MB >= %.0f MB", o.PeakRSSMB, b.MaxRSSMB))
	}
	b.OK = len(b.Violations) == 0
	o.Budget = b
}

func (o *OpResult) writeKeys() []string {
	var out []string
	for _, k := range sortedKeys(o.Calls) {
		if IsWrite(k) {
			out = append(out, fmt.Sprintf("%s×%d", k, o.Calls[k]))
		}
	}
	return out
}

// PerConnection is Total divided by the number of connections.
func (o *OpResult) PerConnection(connections int) float64 {
	if connections == 0 {
		return 0
	}
	return float64(o.Total) / float64(connections)
}

// Op returns the named operation of a run, or nil.
func (r *Run) Op(name string) *OpResult {
	for i := range r.Ops {
		if r.Ops[i].Name == name {
			return &r.Ops[i]
		}
	}
	return nil
}

// Save writes the report as indented JSON, creating the directory.
func (r *Report) Save(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return fmt.Errorf("creating the directory for benchmark results %s: %w", path, err)
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding benchmark results: %w", err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("writing benchmark results to %s: %w", path, err)
	}
	return nil
}

// Load reads a report written by Save.
func Load(path string) (*Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading benchmark results: %w", err)
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s is not a benchmark result (JSON written by internal/testing/bench): %w", path, err)
	}
	return &r, nil
}

// sortedKeys orders call keys by count (highest first), then name.
func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(a, b)
	})
	return keys
}

// SetCallTimes fills CallMS, BusyMS and MaxInFlight from the calls' intervals.
func (o *OpResult) SetCallTimes(steps []Step) {
	type edge struct {
		at    float64
		delta int
	}
	edges := make([]edge, 0, 2*len(steps))
	o.CallMS = 0
	for _, s := range steps {
		o.CallMS += s.DurationMS
		edges = append(edges, edge{s.StartMS, 1}, edge{s.StartMS + s.DurationMS, -1})
	}
	// Ends sort before starts at the same instant, so back-to-back calls do not count as overlapping.
	slices.SortFunc(edges, func(a, b edge) int {
		if a.at != b.at {
			if a.at < b.at {
				return -1
			}
			return 1
		}
		return a.delta - b.delta
	})
	o.BusyMS, o.MaxInFlight = 0, 0
	inFlight, since := 0, 0.0
	for _, e := range edges {
		if inFlight > 0 {
			o.BusyMS += e.at - since
		}
		inFlight += e.delta
		since = e.at
		o.MaxInFlight = max(o.MaxInFlight, inFlight)
	}
}
