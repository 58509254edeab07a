package icaemulator_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
)

func (s *server) fault(f map[string]any) {
	s.t.Helper()
	s.must(201, "POST", "/_emulator/faults", f)
}

func TestFaultCount(t *testing.T) {
	s := newServer(t, icaemulator.Options{})
	s.fault(map[string]any{"method": "POST", "path": "/api/storageCredentials", "status": 503, "count": 2})

	body := credentialBody("faulted", "AKIA", "s")
	for i := 0; i < 2; i++ {
		res := s.do("POST", "/api/storageCredentials", body, nil)
		if res.status != 503 {
			t.Fatalf("attempt %d returned %d, want the injected 503", i+1, res.status)
		}
		if p := res.problem(t); !strings.Contains(p.Detail, "Injected fault") {
			t.Errorf("injected problem detail %q", p.Detail)
		}
	}
	s.must(201, "POST", "/api/storageCredentials", body)
	// Other methods on the same path were never affected.
	s.must(200, "GET", "/api/storageCredentials", nil)

	var left []icaemulator.Fault
	s.must(200, "GET", "/_emulator/faults", nil).json(t, &left)
	if len(left) != 0 {
		t.Errorf("a used-up fault is still listed: %+v", left)
	}

	var statuses []int
	for _, r := range s.requests() {
		if r.Path == "/api/storageCredentials" && r.Method == "POST" {
			statuses = append(statuses, r.Status)
		}
	}
	if len(statuses) != 3 || statuses[0] != 503 || statuses[1] != 503 || statuses[2] != 201 {
		t.Errorf("request log statuses for POST /api/storageCredentials = %v, want [503 503 201]", statuses)
	}
}

func TestFaultPrefixAnyMethodAndClear(t *testing.T) {
	s := newServer(t, icaemulator.Options{})
	s.fault(map[string]any{"path": "/api/storage*", "status": 429, "probability": 1})
	for _, p := range []string{"/api/storageCredentials", "/api/storageConfigurations"} {
		res := s.do("GET", p, nil, nil)
		if res.status != 429 || res.header.Get("Retry-After") != "0" {
			t.Errorf("GET %s returned %d Retry-After=%q, want 429 with Retry-After 0", p, res.status, res.header.Get("Retry-After"))
		}
	}
	s.must(200, "GET", "/api/regions", nil) // outside the prefix
	// Test controls are never faulted.
	s.must(200, "GET", "/_emulator/requests", nil)

	s.must(204, "DELETE", "/_emulator/faults", nil)
	s.must(200, "GET", "/api/storageCredentials", nil)

	s.fault(map[string]any{"method": "GET", "path": "/api/regions", "status": 503, "retryAfter": "1"})
	for i := 0; i < 3; i++ {
		if res := s.do("GET", "/api/regions", nil, nil); res.status != 503 || res.header.Get("Retry-After") != "1" {
			t.Errorf("a fault without count or probability stopped applying, or lost Retry-After: %d %q", res.status, res.header.Get("Retry-After"))
		}
	}
}

func TestFaultProbabilityIsAShare(t *testing.T) {
	s := newServer(t, icaemulator.Options{})
	s.fault(map[string]any{"method": "GET", "path": "/api/regions", "status": 500, "probability": 0.5})
	failed := 0
	for i := 0; i < 60; i++ {
		if s.do("GET", "/api/regions", nil, nil).status == 500 {
			failed++
		}
	}
	if failed < 10 || failed > 50 {
		t.Errorf("probability 0.5 failed %d of 60 requests", failed)
	}
}

func TestFaultDelay(t *testing.T) {
	s := newServer(t, icaemulator.Options{})
	s.fault(map[string]any{"method": "GET", "path": "/api/regions", "delay": "1s", "count": 1})
	start := time.Now()
	s.must(200, "GET", "/api/regions", nil)
	if d := time.Since(start); d < time.Second {
		t.Errorf("delayed request took %v, want >= 1s", d)
	}
	start = time.Now()
	s.must(200, "GET", "/api/regions", nil)
	// Generous bound: a loaded CI machine can stall a loopback call, but not for most of a second.
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Errorf("the next request was delayed too (%v)", d)
	}

	// A delay with a status answers with it after the delay.
	s.fault(map[string]any{"method": "GET", "path": "/api/regions", "delay": "100ms", "status": 504, "count": 1})
	start = time.Now()
	if res := s.do("GET", "/api/regions", nil, nil); res.status != 504 || time.Since(start) < 100*time.Millisecond {
		t.Errorf("delay+status fault: %d after %v", res.status, time.Since(start))
	}
}

func TestFaultDrop(t *testing.T) {
	s := newServer(t, icaemulator.Options{})
	s.fault(map[string]any{"method": "POST", "path": "/api/tokens", "drop": true, "count": 1})
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	req, _ := http.NewRequest("POST", s.url+"/api/tokens", nil)
	req.Header.Set("X-API-Key", testKey)
	res, err := client.Do(req)
	if err == nil {
		_ = res.Body.Close()
		t.Fatalf("a dropped request got a response: %d", res.StatusCode)
	}
	s.must(200, "POST", "/api/tokens", nil)
	reqs := s.requests()
	if len(reqs) != 2 || reqs[0].Status != 0 || reqs[1].Status != 200 {
		t.Errorf("request log = %+v, want the dropped request with status 0, then 200", reqs)
	}
}

func TestFaultRulesAreChecked(t *testing.T) {
	s := newServer(t, icaemulator.Options{})
	for name, f := range map[string]map[string]any{
		"no path":            {"status": 500},
		"relative path":      {"path": "api/regions", "status": 500},
		"no effect":          {"path": "/api/regions"},
		"bad status":         {"path": "/api/regions", "status": 200},
		"bad delay":          {"path": "/api/regions", "delay": "soon"},
		"count and share":    {"path": "/api/regions", "status": 500, "count": 1, "probability": 0.5},
		"drop with status":   {"path": "/api/regions", "status": 500, "drop": true},
		"probability over 1": {"path": "/api/regions", "status": 500, "probability": 2},
	} {
		res := s.do("POST", "/_emulator/faults", f, nil)
		if res.status != 400 {
			t.Errorf("%s: fault accepted (%d)", name, res.status)
		}
	}
	var active []icaemulator.Fault
	s.must(200, "GET", "/_emulator/faults", nil).json(t, &active)
	if len(active) != 0 {
		t.Errorf("rejected faults are active: %+v", active)
	}
}

func TestRequestLog(t *testing.T) {
	s := newServer(t, icaemulator.Options{})
	s.must(200, "POST", "/api/tokens?tenant="+icaemulator.TenantName, nil)
	s.do("GET", "/api/regions", nil, http.Header{})
	s.must(200, "GET", "/_emulator/credentials", nil)
	got := s.requests()
	want := []icaemulator.ControlRequest{
		{Method: "POST", Path: "/api/tokens", Status: 200},
		{Method: "GET", Path: "/api/regions", Status: 401},
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("request log = %+v, want %+v (no query, no control requests)", got, want)
	}
	s.must(204, "DELETE", "/_emulator/requests", nil)
	if got := s.requests(); len(got) != 0 {
		t.Errorf("log not emptied: %+v", got)
	}
	if res := s.do("GET", "/_emulator/nothing", nil, nil); res.status != 404 {
		t.Errorf("unknown control returned %d", res.status)
	}
}

func TestFaultListShowsWhatIsLeft(t *testing.T) {
	s := newServer(t, icaemulator.Options{})
	s.fault(map[string]any{"method": "GET", "path": "/api/regions", "status": 502, "count": 3})
	s.fault(map[string]any{"path": "/api/tokens", "delay": "1ms", "probability": 0.5})
	s.do("GET", "/api/regions", nil, nil)
	var active []icaemulator.Fault
	s.must(200, "GET", "/_emulator/faults", nil).json(t, &active)
	if len(active) != 2 || active[0].Count != 2 || active[0].Status != 502 || active[1].Probability != 0.5 || active[1].Delay != "1ms" {
		t.Errorf("active faults = %+v, want the 502 rule with 2 left and the delay rule", active)
	}
}

func TestFaultDropResponse(t *testing.T) {
	s := newServer(t, icaemulator.Options{})
	s.fault(map[string]any{"method": "POST", "path": "/api/storageCredentials", "dropResponse": true, "count": 1})
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	req, _ := http.NewRequest("POST", s.url+"/api/storageCredentials",
		strings.NewReader(`{"name":"ambiguous","type":"AWS_USER","awsCredentials":{"accessKeyId":"AKIA","secretAccessKey":"s"}}`))
	req.Header.Set("X-API-Key", testKey)
	req.Header.Set("Content-Type", "application/vnd.illumina.v3+json")
	if res, err := client.Do(req); err == nil {
		_ = res.Body.Close()
		t.Fatalf("a dropResponse request got a response: %d", res.StatusCode)
	}
	// The call took effect although the client never heard: a retry conflicts.
	if creds := s.credentials(); len(creds) != 1 || creds[0].Name != "ambiguous" {
		t.Fatalf("credentials after the lost response: %+v", creds)
	}
	s.must(409, "POST", "/api/storageCredentials", credentialBody("ambiguous", "AKIA", "s"))
	if reqs := s.requests(); len(reqs) != 2 || reqs[0].Status != 0 {
		t.Errorf("request log = %+v, want the lost response logged with status 0", reqs)
	}
	if res := s.do("POST", "/_emulator/faults", map[string]any{"path": "/api/x", "drop": true, "dropResponse": true}, nil); res.status != 400 {
		t.Errorf("drop and dropResponse together accepted: %d", res.status)
	}
}

func TestFaultHang(t *testing.T) {
	for _, tc := range []struct {
		name      string
		fault     string
		wantStore int // credentials stored: hangResponse serves the request first
	}{
		{"hang", "hang", 0},
		{"hangResponse", "hangResponse", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, icaemulator.Options{})
			s.fault(map[string]any{"method": "POST", "path": "/api/storageCredentials", tc.fault: true, "count": 1})
			client := &http.Client{Timeout: 300 * time.Millisecond}
			req, _ := http.NewRequest("POST", s.url+"/api/storageCredentials",
				strings.NewReader(`{"name":"stalled","type":"AWS_USER","awsCredentials":{"accessKeyId":"AKIA","secretAccessKey":"s"}}`))
			req.Header.Set("X-API-Key", testKey)
			req.Header.Set("Content-Type", "application/vnd.illumina.v3+json")
			start := time.Now()
			res, err := client.Do(req)
			if err == nil {
				_ = res.Body.Close()
				t.Fatalf("a hung request got a response: %d", res.StatusCode)
			}
			if d := time.Since(start); d < 300*time.Millisecond {
				t.Fatalf("the request ended after %v, before the client's time limit", d)
			}
			if creds := s.credentials(); len(creds) != tc.wantStore {
				t.Fatalf("credentials after the hung request: %+v, want %d", creds, tc.wantStore)
			}
			// The rule is used up: the next request is answered (a 409 when the hung one took effect).
			want := 201
			if tc.wantStore == 1 {
				want = 409
			}
			s.must(want, "POST", "/api/storageCredentials", credentialBody("stalled", "AKIA", "s"))
			deadline := time.Now().Add(5 * time.Second)
			for reqs := s.requests(); (len(reqs) != 2 || reqs[0].Status != 0) && time.Now().Before(deadline); reqs = s.requests() {
				time.Sleep(10 * time.Millisecond)
			}
			if reqs := s.requests(); len(reqs) != 2 || reqs[0].Status != 0 {
				t.Errorf("request log = %+v, want the hung request logged with status 0", reqs)
			}
		})
	}
	s := newServer(t, icaemulator.Options{})
	for name, f := range map[string]map[string]any{
		"hang with status":        {"path": "/api/regions", "status": 503, "hang": true},
		"hang and drop":           {"path": "/api/regions", "hang": true, "drop": true},
		"hang and hangResponse":   {"path": "/api/regions", "hang": true, "hangResponse": true},
		"hangResponse and status": {"path": "/api/regions", "hangResponse": true, "status": 500},
	} {
		if res := s.do("POST", "/_emulator/faults", f, nil); res.status != 400 {
			t.Errorf("%s: fault accepted (%d)", name, res.status)
		}
	}
}
