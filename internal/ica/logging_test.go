package ica

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"
)

func TestNoSecretInLogsAtTrace(t *testing.T) {
	const (
		secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
		keyID  = "AKIAIOSFODNN7EXAMPLE"
	)
	var logs bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &logs)

	f := newFakeICA(t)
	var echo bool
	f.setHandler(func(w http.ResponseWriter, r *http.Request, body []byte) {
		if echo { // a server that echoes the request, secret included, in its error
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"title":"Bad","detail":%q,"parameters":{"secretAccessKey":%q}}`, string(body), secret)
			return
		}
		answerFor(w, r)
	})
	c := f.client(t)
	creds := AWSCredentials{AccessKeyID: keyID, SecretAccessKey: secret}
	if _, err := c.CreateStorageCredential(ctx, CreateStorageCredential{Name: "n", Type: CredentialTypeAWSUser, AWSCredentials: &creds}); err != nil {
		t.Fatal(err)
	}
	f.expireTokens() // the next call re-mints: a second JWT passes through the logs
	if err := c.UpdateStorageCredentialSecrets(ctx, credID, creds); err != nil {
		t.Fatal(err)
	}
	echo = true
	if err := c.UpdateStorageCredentialSecrets(ctx, credID, creds); err == nil {
		t.Fatal("want the echoed 400")
	}

	out := logs.String()
	jwts := []string{"jwt-1.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl", "jwt-2.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl"}
	for _, s := range append([]string{f.apiKey, secret, "eyJzdWIiOiJ0ZXN0In0"}, jwts...) {
		if strings.Contains(out, s) {
			t.Errorf("logs contain the secret %q", s)
		}
	}
	entries, err := tflogtest.MultilineJSONDecode(&logs)
	if err != nil {
		t.Fatal(err)
	}
	var calls, traceBodies int
	var sawMaskedSecret, sawMaskedToken, sawKeyID bool
	for _, e := range entries {
		if e["@module"] != "provider.ica" {
			t.Errorf("entry outside the ica subsystem: %v", e)
		}
		switch e["@message"] {
		case "ICA call":
			if e["@level"] != "debug" || e["method"] == nil || e["path"] == nil || e["status"] == nil || e["duration_ms"] == nil {
				t.Errorf("call entry lacks level/method/path/status/duration: %v", e)
			}
			calls++
		case "ICA request", "ICA response":
			if e["@level"] != "trace" {
				t.Errorf("body entry at %v, want trace", e["@level"])
			}
			body, _ := e["body"].(string)
			if body != "" {
				traceBodies++
			}
			sawMaskedSecret = sawMaskedSecret || strings.Contains(body, `"secretAccessKey":"***"`)
			sawMaskedToken = sawMaskedToken || strings.Contains(body, `"token":"***"`)
			sawKeyID = sawKeyID || strings.Contains(body, keyID)
			if h, ok := e["headers"].(map[string]any); ok && e["@message"] == "ICA request" {
				auth := "Authorization"
				if e["path"] == "/api/tokens" {
					auth = "X-Api-Key"
				}
				if h[auth] != "***" {
					t.Errorf("%s header of %v logged as %v, want ***", auth, e["path"], h[auth])
				}
			}
		}
	}
	// mint, create, 401, re-mint, update, update(400)
	if calls != 6 {
		t.Errorf("debug call entries = %d, want 6", calls)
	}
	if traceBodies == 0 || !sawMaskedSecret || !sawMaskedToken || !sawKeyID {
		t.Errorf("trace bodies %d, masked secret %v, masked token %v, key id kept %v: bodies must be logged, with only secrets masked",
			traceBodies, sawMaskedSecret, sawMaskedToken, sawKeyID)
	}
}

func TestRedactBody(t *testing.T) {
	tests := map[string]string{
		`{"token":"abc"}`: `{"token":"***"}`,
		`{"awsCredentials":{"accessKeyId":"AKIA","secretAccessKey":"s"}}`: `{"awsCredentials":{"accessKeyId":"AKIA","secretAccessKey":"***"}}`,
		`{"items":[{"SecretAccessKey":"s","Password":"p","apiKey":"k"}]}`: `{"items":[{"Password":"***","SecretAccessKey":"***","apiKey":"***"}]}`,
		`<html>x</html>`: `<html>x</html>`,
		``:               ``,
	}
	for in, want := range tests {
		if got := redactBody([]byte(in)); got != want {
			t.Errorf("redactBody(%s) = %s, want %s", in, got, want)
		}
	}
	long := redactBody(bytes.Repeat([]byte("x"), 5000))
	if len(long) > 2100 || !strings.Contains(long, "5000 bytes, not JSON") {
		t.Errorf("long non-JSON body logged as %d bytes: %.80s", len(long), long)
	}
}

func TestRetriesAreLoggedAtDebug(t *testing.T) {
	var logs bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &logs)
	f := newFakeICA(t)
	h, _ := failThen(1, http.StatusServiceUnavailable, "")
	f.setHandler(h)
	if _, err := f.client(t).ListRegions(ctx); err != nil {
		t.Fatal(err)
	}
	entries, err := tflogtest.MultilineJSONDecode(&logs)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e["@message"] == "ICA retrying request" {
			if e["@level"] != "debug" || !strings.Contains(fmt.Sprint(e["request"]), "status: 503") || fmt.Sprint(e["timeout"]) != "1ms" {
				t.Fatalf("retry entry %v", e)
			}
			return
		}
	}
	t.Fatalf("no retry entry in %v", entries)
}
