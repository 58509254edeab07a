package acctest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/icaopenapi"
)

// Emulator is an ICA emulator served in-process on 127.0.0.1.
type Emulator struct {
	URL    string // base_url for the provider
	APIKey string
	emu    *icaemulator.Emulator // nil for an Emulator that only names a server
}

// EmulatorRequest is one API request the emulator received (GET /_emulator/requests).
type EmulatorRequest struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Status int    `json:"status"`
}

// EmulatorCredential is a stored credential as the emulator's control API shows it (GET /_emulator/credentials):
// the secret only as a SHA-256, so tests can check which secret ICA holds without it being anywhere else.
type EmulatorCredential struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	AccessKeyID  string `json:"accessKeyId"`
	SecretSha256 string `json:"secretSha256"`
}

// Fault makes matching requests fail (POST /_emulator/faults). Path may end in "*" to match a prefix.
// Set Count for the next N matches, or Probability for a random share until ClearFaults.
type Fault struct {
	Method      string
	Path        string
	Status      int
	Count       int
	Probability float64
	Delay       time.Duration
	Drop        bool // close the connection instead of answering
	Hang        bool // accept the request and never answer it
	// HangResponse serves the request, then never answers (the call took effect).
	HangResponse bool
	// DropResponse serves the request, then closes the connection: the write happened, the answer is lost.
	DropResponse bool
}

// MarshalJSON writes the control API's shape: delay as a Go duration string, zero fields left out.
func (f Fault) MarshalJSON() ([]byte, error) {
	type wire struct {
		Method       string  `json:"method"`
		Path         string  `json:"path"`
		Status       int     `json:"status,omitempty"`
		Count        int     `json:"count,omitempty"`
		Probability  float64 `json:"probability,omitempty"`
		Delay        string  `json:"delay,omitempty"`
		Drop         bool    `json:"drop,omitempty"`
		Hang         bool    `json:"hang,omitempty"`
		HangResponse bool    `json:"hangResponse,omitempty"`
		DropResponse bool    `json:"dropResponse,omitempty"`
	}
	w := wire{Method: f.Method, Path: f.Path, Status: f.Status, Count: f.Count, Probability: f.Probability, Drop: f.Drop,
		Hang: f.Hang, HangResponse: f.HangResponse, DropResponse: f.DropResponse}
	if f.Delay > 0 {
		w.Delay = f.Delay.String()
	}
	return json.Marshal(w)
}

// NewEmulator serves icaemulator.New(opts) on a loopback httptest server, closed when the test ends.
// An empty opts.APIKey gets a random one. Every API request the provider sends and every response the
// emulator gives is validated against ICA's OpenAPI document (../shared/ica-openapi); a mismatch fails the
// test. Without the document the check is skipped with a logged notice (and fails under CI=true).
func NewEmulator(t testing.TB, opts icaemulator.Options) *Emulator {
	t.Helper()
	if opts.APIKey == "" {
		opts.APIKey = "acctest-" + RandomName("key")
	}
	emu := icaemulator.New(opts)
	srv := httptest.NewServer(icaopenapi.Optional(t).Middleware(t, emu))
	t.Cleanup(func() {
		srv.Close()
		emu.Close()
	})
	return &Emulator{URL: srv.URL, APIKey: opts.APIKey, emu: emu}
}

// SeedSameName adds a copy of the credential, storage configuration or project with that id under the
// same name, as the ICA UI could make it (icaemulator.Emulator.SeedSameName), and returns the copy's id.
func (e *Emulator) SeedSameName(t testing.TB, id string) string {
	t.Helper()
	if e.emu == nil {
		t.Fatal("SeedSameName needs an emulator from NewEmulator")
	}
	dup, err := e.emu.SeedSameName(id)
	if err != nil {
		t.Fatal(err)
	}
	return dup
}

// Requests lists the API requests received so far, in arrival order.
func (e *Emulator) Requests(t testing.TB) []EmulatorRequest {
	t.Helper()
	var out []EmulatorRequest
	e.control(t, http.MethodGet, "/_emulator/requests", nil, &out)
	return out
}

// Credentials lists the stored credentials.
func (e *Emulator) Credentials(t testing.TB) []EmulatorCredential {
	t.Helper()
	var out []EmulatorCredential
	e.control(t, http.MethodGet, "/_emulator/credentials", nil, &out)
	return out
}

// InjectFault adds a fault rule.
func (e *Emulator) InjectFault(t testing.TB, f Fault) {
	t.Helper()
	e.control(t, http.MethodPost, "/_emulator/faults", f, nil)
}

// ClearFaults removes every fault rule.
func (e *Emulator) ClearFaults(t testing.TB) {
	t.Helper()
	e.control(t, http.MethodDelete, "/_emulator/faults", nil, nil)
}

// DeleteCredential makes a credential vanish, as if removed in the ICA UI.
func (e *Emulator) DeleteCredential(t testing.TB, id string) {
	t.Helper()
	e.control(t, http.MethodDelete, "/_emulator/credentials/"+id, nil, nil)
}

// DeleteStorageConfiguration makes a storage configuration vanish, as if removed in the ICA UI.
func (e *Emulator) DeleteStorageConfiguration(t testing.TB, id string) {
	t.Helper()
	e.control(t, http.MethodDelete, "/_emulator/storageConfigurations/"+id, nil, nil)
}

func (e *Emulator) control(t testing.TB, method, path string, in, out any) {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatalf("encoding the body of %s %s: %v", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.URL+path, body)
	if err != nil {
		t.Fatalf("building %s %s: %v", method, path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("X-API-Key", e.APIKey)
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("emulator control %s %s: %v", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the answer to emulator control %s %s: %v", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		t.Fatalf("emulator control %s %s returned %s: %s", method, path, resp.Status, truncate(data, 500))
	}
	if out == nil {
		return
	}
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatalf("decoding the answer to emulator control %s %s: %v (body: %s)", method, path, err, truncate(data, 500))
	}
}

func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return fmt.Sprintf("%s... (%d bytes)", b[:n], len(b))
}
