package ica

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzProblemDecode feeds arbitrary bodies and content types to the error decoder: it must never panic,
// must keep the HTTP status whatever the body says, and must never let a redacted secret through.
func FuzzProblemDecode(f *testing.F) {
	seeds := []struct {
		ct, body string
	}{
		{"application/problem+json", `{"type":"about:blank","title":"Bad Request","status":400,"detail":"name is invalid","parameters":{"name":"must match ^[a-zA-Z0-9_-]*$"},"timestamp":"2025-10-29T10:00:00Z","id":"3f1c2a9e-5b7d-4c1e-9a2b-0d4e6f8a1b2c"}`},
		{"application/problem+json", `{"title":123,"detail":{"nested":true},"parameters":["not","a","map"]}`},
		{"application/problem+json", `{"title":"x"`},
		{"text/html", `<html><body>502 Bad Gateway</body></html>`},
		{"text/plain", "upstream timed out"},
		{"text/plain", "\xff\xfe"},
		{"", ""},
		{"application/json", `[]`},
		{"application/problem+json", `{"detail":"secret SECRETVALUE echoed","parameters":{"awsCredentials.secretAccessKey":"SECRETVALUE"}}`},
	}
	for _, s := range seeds {
		f.Add(s.ct, s.body)
	}
	f.Fuzz(func(t *testing.T, contentType, body string) {
		h := http.Header{}
		h.Set("Content-Type", contentType)
		e := newAPIError(http.MethodPost, "/api/storageCredentials", http.StatusBadRequest, h, []byte(body))
		if e.StatusCode != http.StatusBadRequest || e.Method != http.MethodPost {
			t.Fatalf("status or method lost: %+v", e)
		}
		const secret = "SECRETVALUE"
		e.redact([]string{secret})
		if msg := e.Error(); strings.Contains(msg, secret) {
			t.Fatalf("the secret survived redaction: %s", msg)
		}
		if IsNotFound(e) || IsConflict(e) {
			t.Fatalf("a 400 must not look like another status: %+v", e)
		}
	})
}
