package icaemulator_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
)

func TestGzipWhenAsked(t *testing.T) {
	s := newServer(t, icaemulator.Options{})
	// A transport that does not decompress by itself shows what the server sent.
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	get := func(acceptEncoding string) response {
		req, _ := http.NewRequest("GET", s.url+"/api/regions", nil)
		req.Header.Set("X-API-Key", testKey)
		if acceptEncoding != "" {
			req.Header.Set("Accept-Encoding", acceptEncoding)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = res.Body.Close() }()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return response{status: res.StatusCode, header: res.Header, body: body}
	}

	res := get("gzip, deflate")
	if res.status != 200 || res.header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Accept-Encoding gzip: %d Content-Encoding=%q", res.status, res.header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(res.body))
	if err != nil {
		t.Fatalf("body is not gzip: %v", err)
	}
	var list struct{ Items []json.RawMessage }
	if err := json.NewDecoder(zr).Decode(&list); err != nil || len(list.Items) == 0 {
		t.Fatalf("decompressed body: %v, %d items", err, len(list.Items))
	}

	for _, ae := range []string{"", "identity", "gzip;q=0"} {
		res := get(ae)
		if res.header.Get("Content-Encoding") != "" || !json.Valid(res.body) {
			t.Errorf("Accept-Encoding %q: Content-Encoding=%q, body %.40s", ae, res.header.Get("Content-Encoding"), res.body)
		}
	}
}
