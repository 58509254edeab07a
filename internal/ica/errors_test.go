package ica

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestAPIErrorDecoding(t *testing.T) {
	problem := http.Header{"Content-Type": {"application/problem+json"}}
	html := http.Header{"Content-Type": {"text/html; charset=utf-8"}}
	text := http.Header{"Content-Type": {"text/plain"}}
	tests := []struct {
		name    string
		status  int
		header  http.Header
		body    string
		want    APIError
		wantMsg string
	}{
		{
			name:   "full problem",
			status: 400, header: problem,
			body: `{"type":"https://ica/problems/validation","title":"Invalid request","status":400,"detail":"Validation failed",` +
				`"instance":"/ica/rest/api/storageCredentials","parameters":{"name":"must match ^[a-zA-Z0-9_-]*$"},"timestamp":"2026-11-28T22:00:00Z","id":"abc-1"}`,
			want: APIError{StatusCode: 400, Type: "https://ica/problems/validation", Title: "Invalid request", Detail: "Validation failed",
				Instance: "/ica/rest/api/storageCredentials", ID: "abc-1", Parameters: map[string]string{"name": "must match ^[a-zA-Z0-9_-]*$"}},
			wantMsg: "ICA POST /api/storageCredentials failed: 400 Bad Request: Invalid request: Validation failed (name: must match ^[a-zA-Z0-9_-]*$) [ICA error id abc-1]",
		},
		{
			name:   "title equal to status text is not repeated",
			status: 404, header: problem,
			body:    `{"type":"about:blank","title":"Not Found","status":404,"detail":"Storage credential 'x' not found","parameters":{},"timestamp":"t"}`,
			want:    APIError{StatusCode: 404, Type: "about:blank", Title: "Not Found", Detail: "Storage credential 'x' not found"},
			wantMsg: "ICA POST /api/storageCredentials failed: 404 Not Found: Storage credential 'x' not found",
		},
		{
			name:   "unexpected member types are rendered as text",
			status: 409, header: problem,
			body:    `{"title":"Conflict","status":"409","detail":null,"id":12345,"parameters":{"count":3,"names":["a","b"],"ok":true,"none":null}}`,
			want:    APIError{StatusCode: 409, Title: "Conflict", ID: "12345", Parameters: map[string]string{"count": "3", "names": `["a","b"]`, "ok": "true", "none": ""}},
			wantMsg: `ICA POST /api/storageCredentials failed: 409 Conflict (count: 3; names: ["a","b"]; none: ; ok: true) [ICA error id 12345]`,
		},
		{
			name:   "parameters not an object",
			status: 400, header: problem,
			body:    `{"title":"Bad","parameters":"oops"}`,
			want:    APIError{StatusCode: 400, Title: "Bad"},
			wantMsg: "ICA POST /api/storageCredentials failed: 400 Bad Request: Bad",
		},
		{
			name:   "JSON problem with the vendor content type",
			status: 422, header: http.Header{"Content-Type": {MediaType}},
			body:    `{"title":"Unprocessable","detail":"bucket not reachable"}`,
			want:    APIError{StatusCode: 422, Title: "Unprocessable", Detail: "bucket not reachable"},
			wantMsg: "ICA POST /api/storageCredentials failed: 422 Unprocessable Entity: Unprocessable: bucket not reachable",
		},
		{
			name:   "HTML error page from a proxy",
			status: 502, header: html,
			body:    "<html><body><h1>502 Bad Gateway</h1></body></html>",
			want:    APIError{StatusCode: 502},
			wantMsg: "ICA POST /api/storageCredentials failed: 502 Bad Gateway",
		},
		{
			name:   "empty body",
			status: 500, header: http.Header{},
			want:    APIError{StatusCode: 500},
			wantMsg: "ICA POST /api/storageCredentials failed: 500 Internal Server Error",
		},
		{
			name:   "truncated JSON",
			status: 500, header: problem,
			body:    `{"title":"Intern`,
			want:    APIError{StatusCode: 500},
			wantMsg: "ICA POST /api/storageCredentials failed: 500 Internal Server Error",
		},
		{
			name:   "JSON array",
			status: 400, header: problem,
			body:    `["not","a","problem"]`,
			want:    APIError{StatusCode: 400},
			wantMsg: "ICA POST /api/storageCredentials failed: 400 Bad Request",
		},
		{
			name:   "short plain text",
			status: 503, header: text,
			body:    "  upstream\n connect error  ",
			want:    APIError{StatusCode: 503, Detail: "upstream connect error"},
			wantMsg: "ICA POST /api/storageCredentials failed: 503 Service Unavailable: upstream connect error",
		},
		{
			name:   "binary garbage",
			status: 500, header: text,
			body:    "\xff\xfe\x00garbage",
			want:    APIError{StatusCode: 500},
			wantMsg: "ICA POST /api/storageCredentials failed: 500 Internal Server Error",
		},
		{
			name:   "unknown status code",
			status: 599, header: problem,
			body:    `{"title":"Weird"}`,
			want:    APIError{StatusCode: 599, Title: "Weird"},
			wantMsg: "ICA POST /api/storageCredentials failed: 599: Weird",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := newAPIError(http.MethodPost, "/api/storageCredentials", tt.status, tt.header, []byte(tt.body))
			tt.want.Method, tt.want.Path = http.MethodPost, "/api/storageCredentials"
			if !reflect.DeepEqual(*got, tt.want) {
				t.Fatalf("decoded\n%+v\nwant\n%+v", *got, tt.want)
			}
			if got.Error() != tt.wantMsg {
				t.Fatalf("Error()\n%s\nwant\n%s", got.Error(), tt.wantMsg)
			}
		})
	}
}

func TestLongPlainTextErrorIsTruncated(t *testing.T) {
	got := newAPIError("GET", "/api/regions", 500, http.Header{"Content-Type": {"text/plain"}}, []byte(strings.Repeat("é", 300)))
	if n := len([]rune(got.Detail)); n > maxErrorText {
		t.Fatalf("detail has %d runes, want at most %d", n, maxErrorText)
	}
	if !strings.HasSuffix(got.Detail, "…") || !strings.HasPrefix(got.Detail, "éé") {
		t.Fatalf("detail = %q", got.Detail)
	}
}

func TestIsNotFoundAndIsConflict(t *testing.T) {
	notFound := &APIError{StatusCode: 404}
	conflict := &APIError{StatusCode: 409}
	wrapped := fmt.Errorf("reading credential: %w", notFound)
	cases := []struct {
		err                 error
		notFound, conflicts bool
	}{
		{notFound, true, false},
		{wrapped, true, false},
		{conflict, false, true},
		{fmt.Errorf("x: %w", conflict), false, true},
		{&APIError{StatusCode: 400}, false, false},
		{errors.New("404"), false, false},
		{nil, false, false},
	}
	for _, c := range cases {
		if IsNotFound(c.err) != c.notFound || IsConflict(c.err) != c.conflicts {
			t.Errorf("%v: IsNotFound=%v IsConflict=%v", c.err, IsNotFound(c.err), IsConflict(c.err))
		}
	}
}

func TestErrorsFromServerCarryNoSecrets(t *testing.T) {
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	f := newFakeICA(t)
	// A server that echoes what it received must not get the secret into the error.
	f.setHandler(func(w http.ResponseWriter, _ *http.Request, body []byte) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"title":"Bad secret","detail":%q,"parameters":{"awsCredentials.secretAccessKey":%q}}`, string(body), secret)
	})
	c := f.client(t)
	err := c.UpdateStorageCredentialSecrets(context.Background(), "6b4a3f0e", AWSCredentials{AccessKeyID: "AKIAEXAMPLE", SecretAccessKey: secret})
	if !errors.As(err, new(*APIError)) {
		t.Fatalf("err = %v, want an APIError", err)
	}
	if strings.Contains(err.Error(), secret) {
		t.Fatalf("error contains the secret: %s", err)
	}
	if !strings.Contains(err.Error(), "Bad secret") || !strings.Contains(err.Error(), redacted) {
		t.Fatalf("error %q lost the server's message or the redaction marker", err)
	}
}
