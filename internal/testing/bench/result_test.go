package bench

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestIsWrite(t *testing.T) {
	for key, want := range map[string]bool{
		"iam:CreateUser":                      true,
		"iam:ListAccessKeys":                  false,
		"s3:GetBucketCors":                    false,
		"s3:PutBucketCors":                    true,
		"ica:GET /api/storageCredentials":     false,
		"ica:POST /api/tokens":                false,
		"ica:POST /api/storageCredentials":    true,
		"ica:POST /api/x/{id}:updateSecrets":  true,
		"sts:GetCallerIdentity":               false,
		"ica:GET /api/storageConfigurations/": false,
	} {
		if got := IsWrite(key); got != want {
			t.Errorf("IsWrite(%q) = %v, want %v", key, got, want)
		}
	}
}

func TestBudget(t *testing.T) {
	procs := []Process{{MaxRSSKB: 40 << 10}, {MaxRSSKB: 30 << 10}, {MaxRSSKB: 20 << 10}}
	within := OpResult{Calls: map[string]int{"iam:ListAccessKeys": 50, "iam:GetPolicyVersion": 50, "s3:GetBucketCors": 5,
		"ica:POST /api/tokens": 1}, Processes: procs}
	within.Summarize()
	within.CheckBudget(50, 5)
	if !within.Budget.OK || within.Budget.MaxCalls != 5*50+3*5+2*3 {
		t.Errorf("budget = %+v, want OK with max 271", within.Budget)
	}
	if within.PeakRSSMB != 40 || within.Reads != 106 || within.Writes != 0 || within.ByService["iam"] != 100 {
		t.Errorf("summary = peak %v reads %d writes %d by service %v", within.PeakRSSMB, within.Reads, within.Writes, within.ByService)
	}

	over := OpResult{Calls: map[string]int{"iam:GetUser": 300, "iam:TagUser": 2}, Processes: []Process{{MaxRSSKB: 61 << 10}}}
	over.Summarize()
	over.CheckBudget(50, 5)
	v := strings.Join(over.Budget.Violations, "\n")
	if over.Budget.OK || !strings.Contains(v, "302 calls > 267") || !strings.Contains(v, "iam:TagUser×2") ||
		!strings.Contains(v, "peak memory 61.0 MB") {
		t.Errorf("violations = %q, want calls, writes (naming TagUser) and memory", v)
	}

	none := OpResult{Calls: map[string]int{"ica:POST /api/tokens": 1}}
	none.Summarize()
	none.CheckNoCalls()
	if none.Budget.OK {
		t.Error("a regions-only plan that minted a token passed the no-calls budget")
	}
}

// TestChainBudget: the chain's ICA objects add one call each to the limit; the rest of the rule stands.
func TestChainBudget(t *testing.T) {
	procs := []Process{{MaxRSSKB: 40 << 10}, {MaxRSSKB: 30 << 10}, {MaxRSSKB: 20 << 10}}
	o := OpResult{Calls: map[string]int{"iam:GetUser": 250, "ica:GET /api/projects/{id}": 50, "ica:GET /api/storageConfigurations/{id}": 50}, Processes: procs}
	o.Summarize()
	o.CheckChainBudget(50, 5, 100)
	if !o.Budget.OK || o.Budget.MaxCalls != 5*50+100+3*5+2*3 {
		t.Errorf("budget = %+v, want OK with max 371", o.Budget)
	}
	o.Calls["ica:GET /api/storageConfigurations/{id}/details"] = 50
	o.Summarize()
	o.CheckChainBudget(50, 5, 100)
	if v := strings.Join(o.Budget.Violations, "\n"); o.Budget.OK || !strings.Contains(v, "400 calls > 371") || strings.Contains(v, "> 271") {
		t.Errorf("violations = %q, want only the chain's call limit", v)
	}
}

func TestSetCallTimes(t *testing.T) {
	var o OpResult
	o.SetCallTimes([]Step{
		{StartMS: 0, DurationMS: 10},  // 0..10
		{StartMS: 5, DurationMS: 10},  // 5..15: overlaps
		{StartMS: 15, DurationMS: 5},  // 15..20: back to back, not overlapping
		{StartMS: 30, DurationMS: 10}, // 30..40 after a gap
	})
	if o.CallMS != 35 || o.BusyMS != 30 || o.MaxInFlight != 2 {
		t.Errorf("call %v busy %v max in flight %d, want 35, 30, 2", o.CallMS, o.BusyMS, o.MaxInFlight)
	}
}

func TestCompare(t *testing.T) {
	before := &Report{Commit: "a", Runs: []Run{
		{Connections: 10, Buckets: 2, Ops: []OpResult{{Name: OpPlan, WallMS: 2000, Total: 60, Calls: map[string]int{"iam:GetUser": 10, "iam:ListAccessKeys": 50}}}},
		{Connections: 1, Buckets: 1},
	}}
	after := &Report{Commit: "b", Runs: []Run{
		{Connections: 10, Buckets: 2, Ops: []OpResult{{Name: OpPlan, WallMS: 1000, Total: 20, Calls: map[string]int{"iam:ListAccessKeys": 20}}}},
	}}
	var out bytes.Buffer
	Compare(&out, before, after)
	s := out.String()
	for _, want := range []string{"N=1 on 1 buckets: not in the second report", "2.00 → 1.00", "-50%", "6.00 → 2.00", "-67%",
		"plan: iam:GetUser 10 → 0, iam:ListAccessKeys 50 → 20"} {
		if !strings.Contains(s, want) {
			t.Errorf("Compare output lacks %q:\n%s", want, s)
		}
	}
}

func TestAttribute(t *testing.T) {
	t0 := time.Date(2026, 11, 28, 23, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	o := OpResult{Processes: []Process{
		{PID: 1, Start: at(0), LifetimeMS: 100},   // schema
		{PID: 2, Start: at(50), LifetimeMS: 1000}, // plan, overlapping the first
		{PID: 3, Start: at(1100), LifetimeMS: 500},
	}}
	o.Attribute([]TimedCall{
		{"iam:GetUser", at(10)},        // only 1 alive
		{"iam:ListAccessKeys", at(60)}, // 1 and 2 alive: the newer
		{"iam:ListAccessKeys", at(900)},
		{"iam:CreateAccessKey", at(1200)},
		{"iam:DeleteAccessKey", at(5000)}, // after every process: not attributed
	})
	got := []int{o.Processes[0].CallTotal(), o.Processes[1].CallTotal(), o.Processes[2].CallTotal()}
	if got[0] != 1 || got[1] != 2 || got[2] != 1 || o.Processes[1].Calls["iam:ListAccessKeys"] != 2 {
		t.Errorf("calls per process = %v (%v), want 1, 2 (both ListAccessKeys), 1", got, o.Processes[1].Calls)
	}
}
