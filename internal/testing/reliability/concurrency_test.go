package reliability

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/awsproxy"
)

// TestConcurrentConfigurationsShareBucket applies two separate Terraform configurations (two teams, two
// states, two provider processes) that each connect a different prefix of the same bucket, at the same time,
// several rounds. The provider serialises a bucket's CORS read-modify-write only inside one process; S3 has no
// conditional PutBucketCors, so across processes the last writer can drop the other's rule. What must hold:
// an apply that notices (reading its rule back) fails saying so, never with another error; a lost rule shows
// in that configuration's next plan; one more apply of each converges both, with empty plans after.
var lostUpdate = regexp.MustCompile(`(?s)rule\s+is\s+missing\s+when\s+the\s+configuration\s+is\s+read\s+back.*apply\s+again`)

func TestConcurrentConfigurationsShareBucket(t *testing.T) {
	requireAcc(t)
	if testing.Short() {
		t.Skip("-short: races two terraform processes for several rounds")
	}
	t.Parallel()
	const rounds = 3
	m := acctest.SharedMoto(t)
	emu := acctest.NewEmulator(t, icaemulator.Options{})
	bucket := acctest.RandomName("race-")
	createBucket(t, m, bucket, "")

	// Reads of the bucket's CORS configuration are held until the other process reads too (or a second has
	// passed), so the two read-modify-writes really overlap.
	front := newAWSFront(t, m)
	awsURL := pairUp(t, front.URL, func(r *http.Request, body []byte) bool {
		return awsproxy.Classify(r, body).String() == "s3:GetBucketCors"
	})

	teams := []string{"team-a", "team-b"}
	dirs := make([]*tfDir, len(teams))
	for i, team := range teams {
		dirs[i] = newTFDir(t, false)
		dirs[i].write(strings.ReplaceAll(acctest.ProviderConfig(emu, m), m.Endpoint, awsURL) + fmt.Sprintf(`
variable "origin" {
  type = string
}

resource "ica_s3_connection" "c" {
  bucket               = %q
  prefix               = %q
  cors_allowed_origins = [var.origin]
}
`, bucket, team))
	}

	var detected, silent int
	for round := 1; round <= rounds; round++ {
		// Each round changes both rules at once (a new origin), so both processes rewrite the CORS configuration.
		var wg sync.WaitGroup
		failed := make([]bool, len(dirs))
		for i, d := range dirs {
			d.setVars(map[string]string{"origin": fmt.Sprintf("https://round%d.%s.example.org", round, teams[i])})
			wg.Add(1)
			go func(i int, d *tfDir) {
				defer wg.Done()
				out, err := d.run("apply", "-auto-approve", "-no-color")
				if err == nil {
					return
				}
				// A lost update seen on read-back may fail the apply, but only with a message that says so.
				if !lostUpdate.MatchString(out) {
					t.Errorf("round %d: %s's concurrent apply failed for another reason: %v\n%s", round, teams[i], err, out)
				}
				failed[i] = true
			}(i, d)
		}
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
		// Whatever the race did, one more apply of each configuration converges both.
		for i, d := range dirs {
			if empty, _ := d.planIsEmpty(); !empty {
				if failed[i] {
					detected++
				} else {
					silent++
				}
				d.must("apply", "-auto-approve", "-no-color")
			}
		}
		if n := corsRuleCount(t, m, bucket); n != len(teams) {
			t.Fatalf("round %d: bucket %s has %d CORS rules after the repairing applies, want %d", round, bucket, n, len(teams))
		}
		for i, d := range dirs {
			if empty, out := d.planIsEmpty(); !empty {
				t.Fatalf("round %d: %s's plan is not empty after the repairing apply:\n%s", round, teams[i], out)
			}
		}
	}
	for _, d := range dirs {
		d.must("destroy", "-auto-approve", "-no-color")
	}
	if n := corsRuleCount(t, m, bucket); n != 0 {
		t.Errorf("after both destroys bucket %s has %d CORS rules, want 0", bucket, n)
	}
	t.Logf("%d rounds of two concurrent applies on one bucket: %d lost updates reported by a failed apply, %d found only by the next plan; all repaired by one more apply",
		rounds, detected, silent)
}

// pairUp serves a reverse proxy to upstream that holds each request matching hold until another one arrives
// (then both go on) or a second passes.
func pairUp(t *testing.T, upstream string, hold func(*http.Request, []byte) bool) string {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(u)
		pr.Out.Host = pr.In.Host // SigV4 signs the Host header
	}}
	var mu sync.Mutex
	var waiting chan struct{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if hold(r, body) {
			mu.Lock()
			if waiting == nil {
				ch := make(chan struct{})
				waiting = ch
				mu.Unlock()
				select {
				case <-ch:
				case <-time.After(time.Second):
					mu.Lock()
					if waiting == ch {
						waiting = nil
					}
					mu.Unlock()
				}
			} else {
				close(waiting)
				waiting = nil
				mu.Unlock()
			}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
