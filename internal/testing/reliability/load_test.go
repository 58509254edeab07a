package reliability

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/awsproxy"
)

const (
	loadBuckets  = 10
	loadPrefixes = 10 // per bucket: 100 connections, ten sharing each bucket's CORS configuration
	loadRetries  = 10 // at 10% 429s, ten retries fail one call in 10^11
)

// loadAWSThrottle is the share of IAM calls throttled during the load apply.
var loadAWSThrottle = envFloat("RELIABILITY_LOAD_IAM_THROTTLE", 0.1)

func envFloat(name string, def float64) float64 {
	if v, err := strconv.ParseFloat(os.Getenv(name), 64); err == nil {
		return v
	}
	return def
}

// TestLoad100Connections applies 100 connections (10 buckets × 10 prefixes) in one apply with
// -parallelism=20 while the emulator answers 429 to a random 10% of ICA API requests. Every connection must
// be created, each bucket must end with ten CORS rules (one per connection: concurrent read-modify-write of
// one bucket's CORS must not lose a rule), ICA must hold 100 distinct credentials, the follow-up plan must be
// empty, and destroy must leave nothing.
func TestLoad100Connections(t *testing.T) {
	requireAcc(t)
	if testing.Short() {
		t.Skip("-short: the load test applies 100 connections")
	}
	t.Parallel()
	m := acctest.SharedMoto(t)
	emu := acctest.NewEmulator(t, icaemulator.Options{})
	token := acctest.RandomName("load-")
	buckets := make([]string, loadBuckets)
	for i := range buckets {
		buckets[i] = fmt.Sprintf("%s-%d", token, i)
		createBucket(t, m, buckets[i], "")
	}

	// AWS throttles too: IAM, whose real rate limits are low, answers Throttling to a share of calls.
	front := newAWSFront(t, m)
	throttle, err := front.Proxy.AddFault(awsproxy.Fault{Service: "iam", Kind: awsproxy.KindThrottle, Probability: loadAWSThrottle})
	if err != nil {
		t.Fatal(err)
	}
	provider := strings.Replace(front.providerConfig(emu),
		fmt.Sprintf("max_retries = %d", acctest.ProviderMaxRetries), fmt.Sprintf("max_retries = %d", loadRetries), 1)
	if !strings.Contains(provider, fmt.Sprintf("max_retries = %d", loadRetries)) {
		t.Fatalf("could not set max_retries in the provider block:\n%s", provider)
	}
	d := newTFDir(t, false)
	d.write(provider + fmt.Sprintf(`
locals {
  pairs = { for p in setproduct(%s, range(%d)) : "${p[0]}/p${p[1]}" => { bucket = p[0], prefix = "p${p[1]}" } }
}

resource "ica_s3_connection" "c" {
  for_each = local.pairs
  bucket   = each.value.bucket
  prefix   = each.value.prefix
}
`, hclList(buckets), loadPrefixes))

	emu.InjectFault(t, acctest.Fault{Method: "*", Path: "/api/*", Status: 429, Probability: 0.1})
	start := time.Now()
	d.must("apply", "-auto-approve", "-no-color", "-parallelism=20")
	applyTime := time.Since(start)
	throttled := 0
	for _, r := range emu.Requests(t) {
		if r.Status == 429 {
			throttled++
		}
	}
	if throttled == 0 || throttle.Fired() == 0 {
		t.Fatalf("faults fired: %d ICA 429s, %d IAM throttles; the load test needs both", throttled, throttle.Fired())
	}
	front.Proxy.ClearFaults()

	if empty, out := d.planIsEmpty(); !empty {
		t.Errorf("plan after the load apply is not empty:\n%s", out)
	}
	emu.ClearFaults(t)

	objs := scenarioObjects(t, m, token, buckets...)
	if len(objs.Users) != 100 || len(objs.Keys) != 100 || len(objs.Policies) != 100 {
		t.Errorf("want 100 users, keys and policies; have %d, %d, %d", len(objs.Users), len(objs.Keys), len(objs.Policies))
	}
	for _, b := range buckets {
		if n := objs.CORSRules[b]; n != loadPrefixes {
			t.Errorf("bucket %s has %d CORS rules, want %d (one per connection)", b, n, loadPrefixes)
		}
	}
	names := map[string]int{}
	for _, c := range emu.Credentials(t) {
		names[c.Name]++
	}
	if len(names) != 100 {
		t.Errorf("ICA holds %d distinct credential names, want 100", len(names))
	}
	for n, c := range names {
		if c > 1 {
			t.Errorf("ICA holds credential %s %d times", n, c)
		}
	}

	start = time.Now()
	d.must("destroy", "-auto-approve", "-no-color", "-parallelism=20")
	destroyTime := time.Since(start)
	if objs := scenarioObjects(t, m, token, buckets...); !objs.empty() {
		t.Errorf("destroy left AWS objects behind: %s", objs)
	}
	t.Logf("100 connections: apply %s with %d ICA 429s and %d IAM throttles absorbed, destroy %s",
		applyTime.Round(time.Second), throttled, throttle.Fired(), destroyTime.Round(time.Second))
}

func hclList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
