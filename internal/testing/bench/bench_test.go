package bench_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/awsproxy"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/bench"

	"github.com/ica-tf/terraform-provider-ica/internal/testing/testenv"
)

func TestMain(m *testing.M) { acctest.Main(m) }

// sizes are the estates measured: connections spread over buckets, several prefixes per bucket. 20 on 4 is
// the size the composed alternative (hashicorp/aws + a REST provider) was measured at in issue 6.
var sizes = []struct{ connections, buckets int }{
	{1, 1},
	{10, 2},
	{20, 4},
	{50, 5},
}

// chainSizes are the estates of BenchmarkChain: each connection with its storage configuration and project.
var chainSizes = []struct{ connections, buckets int }{
	{20, 4},
	{50, 5},
	{200, 10},
}

// BenchmarkConnections runs the lifecycle of N connections once per iteration; see the package documentation.
func BenchmarkConnections(b *testing.B) { benchmark(b, sizes, false) }

// BenchmarkChain is BenchmarkConnections with the whole chain per connection: bucket folder → connection →
// storage configuration → project on a subfolder.
func BenchmarkChain(b *testing.B) { benchmark(b, chainSizes, true) }

func benchmark(b *testing.B, sizes []struct{ connections, buckets int }, chain bool) {
	env := prepare(b)
	report := &bench.Report{
		Date:      time.Now().UTC(),
		Commit:    gitDescribe(env.root),
		Command:   "go test ./internal/testing/bench " + strings.Join(os.Args[1:], " "),
		Machine:   machine(),
		Terraform: env.terraformVersion,
		Go:        runtime.Version(),
	}
	for _, size := range sizes {
		b.Run(fmt.Sprintf("N=%d", size.connections), func(b *testing.B) {
			lab := newLab(b, env)
			lab.chain = chain
			b.ResetTimer()
			var run bench.Run
			for i := 0; i < b.N; i++ {
				var err error
				run, err = lab.lifecycle(b, size.connections, size.buckets)
				if err != nil {
					report.Runs = append(report.Runs, run)
					b.Fatal(err)
				}
			}
			b.StopTimer()
			report.Runs = append(report.Runs, run)
			reportMetrics(b, &run)
		})
	}
	if len(report.Runs) == 0 {
		return
	}
	report.Machine.LoadAverage[1] = loadAverage()
	dir := os.Getenv("ICA_BENCH_RESULTS")
	if dir == "" {
		dir = filepath.Join(env.root, "bench-results")
	}
	path := filepath.Join(dir, report.Date.Format("20060102T150405Z")+".json")
	if err := report.Save(path); err != nil {
		b.Error(err)
	}
	var out bytes.Buffer
	report.WriteTable(&out)
	fmt.Fprintf(&out, "\nresults: %s\n", path)
	fmt.Print(out.String())
}

func reportMetrics(b *testing.B, run *bench.Run) {
	var peak, startup float64
	for _, o := range run.Ops {
		b.ReportMetric(o.WallMS/1000, o.Name+"-s")
		b.ReportMetric(o.PerConnection(run.Connections), o.Name+"-calls/conn")
		peak = max(peak, o.PeakRSSMB)
		startup = max(startup, o.MaxStartupMS)
	}
	if o := run.Op(bench.OpPlan); o != nil {
		b.ReportMetric(float64(o.Writes), "plan-writes")
	}
	b.ReportMetric(peak, "peak-MB")
	b.ReportMetric(startup, "startup-ms")
}

// env is what every size shares: the built binaries and the Terraform CLI configuration.
type env struct {
	root             string // repository root
	terraform        string
	terraformVersion string
	provider         string // the real provider binary
	cliConfig        string // dev_overrides pointing at the launcher
	profile          string // ICA_BENCH_PROFILE: where provider processes write heap profiles ("": none)
}

func prepare(b *testing.B) *env {
	b.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		b.Fatal(err)
	}
	terraform := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if terraform == "" {
		if terraform, err = exec.LookPath("terraform"); err != nil {
			b.Fatal("terraform not found: install Terraform >= 1.11 or set TF_ACC_TERRAFORM_PATH")
		}
	}
	tmp := b.TempDir()
	e := &env{root: root, terraform: terraform, provider: filepath.Join(tmp, "provider", "terraform-provider-ica")}
	launcher := filepath.Join(tmp, "launcher", "terraform-provider-ica")
	// With ICA_BENCH_PROFILE the provider is built with the heap profiler (heapprofile_bench.go): a build
	// that measures itself, so its memory figures are not the release build's.
	var tags []string
	if e.profile = os.Getenv("ICA_BENCH_PROFILE"); e.profile != "" {
		if err := os.MkdirAll(e.profile, 0o755); err != nil {
			b.Fatal(err)
		}
		tags = []string{"-tags", "benchprofile"}
	}
	goBuild(b, root, e.provider, ".", tags...)
	goBuild(b, root, launcher, "./internal/testing/bench/cmd/benchlauncher")

	e.cliConfig = filepath.Join(tmp, "terraformrc")
	rc := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"ica-tf/ica\" = %q\n  }\n}\n", filepath.Dir(launcher))
	if err := os.WriteFile(e.cliConfig, []byte(rc), 0o600); err != nil {
		b.Fatal(err)
	}
	out, err := exec.Command(terraform, "version", "-json").Output()
	if err != nil {
		b.Fatalf("running %s version: %v", terraform, err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	_ = json.Unmarshal(out, &v)
	e.terraformVersion = v.Version
	return e
}

func goBuild(b *testing.B, root, out, pkg string, flags ...string) {
	b.Helper()
	cmd := exec.Command("go", append(append([]string{"build"}, flags...), "-o", out, pkg)...)
	cmd.Dir = root
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build -o %s %s: %v\n%s", out, pkg, err, msg)
	}
}

// lab is one size's servers: moto behind the counting proxy, the ICA emulator (behind a second proxy that
// only times its calls for the create timeline; ICA counts come from the emulator's own log).
type lab struct {
	env      *env
	moto     *acctest.Moto
	awsProxy *awsproxy.Proxy
	emulator *acctest.Emulator
	icaProxy *awsproxy.Proxy
	provider string // the provider "ica" block
	chain    bool   // BenchmarkChain: a storage configuration and a project per connection
	size     int    // connections of the lifecycle running (names the heap profiles)
}

// chainToken starts the chain's ICA names; every size has its own emulator, so they never collide.
const chainToken = "bench"

func newLab(b *testing.B, e *env) *lab {
	b.Helper()
	moto := acctest.NewMoto(b, acctest.MotoOptions{})
	warmUp(b, moto)
	awsProxy, err := awsproxy.Start(moto.Endpoint, awsproxy.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(awsProxy.Close)
	// The emulator checks storage configurations against moto directly: those calls are not the provider's.
	emu := acctest.NewEmulator(b, icaemulator.Options{AWSEndpoint: moto.Endpoint, ValidationDelay: 50 * time.Millisecond})
	icaProxy, err := awsproxy.Start(emu.URL, awsproxy.Options{Classify: func(r *http.Request, _ []byte) awsproxy.Op {
		return awsproxy.Op{Service: "ica", Operation: icaOperation(r.Method, r.URL.Path)}
	}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(icaProxy.Close)

	viaProxy := *moto
	viaProxy.Endpoint = awsProxy.URL()
	return &lab{
		env: e, moto: moto, awsProxy: awsProxy, emulator: emu, icaProxy: icaProxy,
		provider: acctest.ProviderConfig(&acctest.Emulator{URL: icaProxy.URL(), APIKey: emu.APIKey}, &viaProxy),
	}
}

// warmUp makes moto load its IAM, STS and S3 backends (its first IAM call loads every AWS managed policy and
// takes hundreds of milliseconds), so that cost is not charged to the provider's first apply.
func warmUp(b *testing.B, m *acctest.Moto) {
	b.Helper()
	ctx := context.Background()
	if _, err := m.IAM.ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		b.Fatalf("warming up moto IAM: %v", err)
	}
	if _, err := m.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		b.Fatalf("warming up moto STS: %v", err)
	}
	if _, err := m.S3.ListBuckets(ctx, &s3.ListBucketsInput{}); err != nil {
		b.Fatalf("warming up moto S3: %v", err)
	}
}

var uuidPattern = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

// icaOperation names an ICA call "METHOD /path" with ids as {id}, so calls on different objects add up.
func icaOperation(method, path string) string {
	return method + " " + uuidPattern.ReplaceAllString(path, "{id}")
}

// lifecycle creates the buckets and runs apply, refresh, plan, rotate and destroy, checking each step did
// what it should (a benchmark of a broken lifecycle would measure nothing). It returns what it measured
// so far together with the first failure.
func (l *lab) lifecycle(b *testing.B, connections, buckets int) (bench.Run, error) {
	b.StopTimer()
	run := bench.Run{Connections: connections, Buckets: buckets, Chain: l.chain}
	l.size = connections
	ctx := context.Background()
	var bucketNames []string
	for i := 0; i < buckets; i++ {
		name := acctest.RandomName("bench")
		if _, err := l.moto.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
			return run, fmt.Errorf("creating bucket %s in moto: %w", name, err)
		}
		if err := acctest.EnforceBucketOwner(ctx, l.moto, name); err != nil {
			return run, fmt.Errorf("enforcing bucket-owner object ownership on %s: %w", name, err)
		}
		bucketNames = append(bucketNames, name)
	}
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(l.config(bucketNames, connections)), 0o600); err != nil {
		return run, err
	}
	b.StartTimer()

	if connections == 1 {
		op, err := l.regionsOnly(b)
		run.Ops = append(run.Ops, op)
		if err != nil {
			return run, err
		}
	}

	steps := []struct {
		name  string
		args  []string
		check func() error
	}{
		{bench.OpApply, []string{"apply", "-auto-approve", "-parallelism=10", "-var", "rotation=r0"}, func() error {
			return l.checkCredentials(b, connections, nil)
		}},
		// Not -detailed-exitcode: Terraform exits 2 for some refresh-only plans that find nothing
		// (hashicorp/terraform#36403); the output says whether objects changed.
		{bench.OpRefresh, []string{"plan", "-refresh-only", "-parallelism=10", "-var", "rotation=r0"}, nil},
		{bench.OpPlan, []string{"plan", "-detailed-exitcode", "-parallelism=10", "-var", "rotation=r0"}, nil},
		{bench.OpRotate, []string{"apply", "-auto-approve", "-parallelism=10", "-var", "rotation=r1"}, nil},
		{bench.OpDestroy, []string{"destroy", "-auto-approve", "-parallelism=10", "-var", "rotation=r1"}, func() error {
			if err := l.checkNothingLeft(ctx); err != nil {
				return err
			}
			return l.checkProjects(connections)
		}},
	}
	var keysBefore map[string]string
	for _, step := range steps {
		if step.name == bench.OpRotate {
			keysBefore = l.credentialKeys(b)
		}
		op, output, err := l.terraform(b, dir, step.name, step.args)
		steps, calls := l.calls()
		op.SetCallTimes(steps)
		if connections == 1 {
			op.Timeline = steps
		}
		op.Attribute(calls)
		op.Summarize()
		if step.name == bench.OpRefresh || step.name == bench.OpPlan {
			if l.chain {
				op.CheckChainBudget(connections, buckets, 2*connections)
			} else {
				op.CheckBudget(connections, buckets)
			}
		}
		run.Ops = append(run.Ops, op)
		if err != nil {
			return run, fmt.Errorf("%s (N=%d): %w\n%s", step.name, connections, err, tail(output, 60))
		}
		if op.ExitCode != 0 {
			what := "failed"
			if op.ExitCode == 2 && strings.HasPrefix(op.Command, "plan") {
				what = "shows changes where there should be none"
			}
			return run, fmt.Errorf("terraform %s (N=%d) %s (exit %d):\n%s", op.Command, connections, what, op.ExitCode, tail(output, 60))
		}
		if step.name == bench.OpRefresh && strings.Contains(output, "Objects have changed outside of Terraform") {
			return run, fmt.Errorf("refresh right after apply (N=%d) found drift:\n%s", connections, tail(output, 60))
		}
		if step.name == bench.OpRotate {
			if err := l.checkCredentials(b, connections, keysBefore); err != nil {
				return run, err
			}
		}
		if step.check != nil {
			if err := step.check(); err != nil {
				return run, fmt.Errorf("after %s (N=%d): %w", step.name, connections, err)
			}
		}
	}
	return run, nil
}

const terraformBlock = "terraform {\n  required_providers {\n    ica = { source = \"ica-tf/ica\" }\n  }\n}\n\n"

// regionsOnly plans a configuration that only reads ica_regions, with the same provider block: start-up cost
// and proof that nothing is configured eagerly.
func (l *lab) regionsOnly(b *testing.B) (bench.OpResult, error) {
	dir := b.TempDir()
	config := terraformBlock + l.provider + `
data "ica_regions" "all" {}

output "regions" {
  value = length(data.ica_regions.all.regions)
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o600); err != nil {
		return bench.OpResult{Name: bench.OpRegions}, err
	}
	op, output, err := l.terraform(b, dir, bench.OpRegions, []string{"plan"})
	op.Summarize()
	op.CheckNoCalls()
	if err == nil && op.ExitCode != 0 {
		err = fmt.Errorf("terraform plan of a configuration reading ica_regions failed (exit %d):\n%s", op.ExitCode, tail(output, 40))
	}
	return op, err
}

func (l *lab) config(buckets []string, connections int) string {
	var sb strings.Builder
	sb.WriteString(terraformBlock)
	sb.WriteString(l.provider)
	sb.WriteString("\nvariable \"rotation\" {\n  type = string\n}\n\nlocals {\n  connections = {\n")
	for i := 0; i < connections; i++ {
		bucket := i % len(buckets)
		prefix := fmt.Sprintf("team%02d/", i/len(buckets))
		fmt.Fprintf(&sb, "    %q = { bucket = %q, prefix = %q }\n", fmt.Sprintf("b%d-%s", bucket, strings.TrimSuffix(prefix, "/")), buckets[bucket], prefix)
	}
	sb.WriteString("  }\n}\n\n")
	sb.WriteString(`resource "ica_s3_connection" "c" {
  for_each         = local.connections
  bucket           = each.value.bucket
  prefix           = each.value.prefix
  rotation_trigger = var.rotation
}
`)
	if l.chain {
		// Storage configuration names are 3..15 of [a-z0-9.-]: the run's token keeps them apart across sizes.
		fmt.Fprintf(&sb, `
data "ica_region" "us" {
  name = "United States"
}

data "ica_storage_bundle" "us" {
  region_id = data.ica_region.us.id
}

resource "ica_storage_configuration" "s" {
  for_each      = local.connections
  name          = "%s-${replace(each.key, "/[^a-z0-9]/", "")}"
  credential_id = ica_s3_connection.c[each.key].credential_id
  region_id     = data.ica_region.us.id
  bucket        = each.value.bucket
  prefix        = each.value.prefix
}

resource "ica_project" "p" {
  for_each                        = local.connections
  name                            = "Bench %s ${each.key}"
  region_id                       = data.ica_region.us.id
  storage_bundle_id               = data.ica_storage_bundle.us.id
  storage_configuration_id        = ica_storage_configuration.s[each.key].id
  storage_configuration_subfolder = "runs"
}
`, chainToken, chainToken)
	}
	return sb.String()
}

// checkProjects checks that destroy hid every project of the chain and that none was made twice.
func (l *lab) checkProjects(connections int) error {
	if !l.chain {
		return nil
	}
	resp, err := http.Get(l.emulator.URL + "/_emulator/projects")
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	var projects []icaemulator.ControlProject
	if err := json.NewDecoder(resp.Body).Decode(&projects); err != nil {
		return err
	}
	hidden := 0
	for _, p := range projects {
		if strings.HasPrefix(p.Name, "Bench "+chainToken+" ") && p.Hidden {
			hidden++
		}
	}
	if hidden != connections || len(projects) != connections {
		return fmt.Errorf("after destroy ICA has %d projects, %d of this run hidden; want exactly %d, all hidden", len(projects), hidden, connections)
	}
	return nil
}

// terraform runs one command and collects what it cost.
func (l *lab) terraform(b *testing.B, dir, name string, args []string) (bench.OpResult, string, error) {
	op := bench.OpResult{Name: name, Command: strings.Join(args, " ")}
	procDir := filepath.Join(dir, "procs-"+name)
	if err := os.MkdirAll(procDir, 0o755); err != nil {
		return op, "", err
	}
	l.awsProxy.Reset()
	l.icaProxy.Reset()
	icaBefore := len(l.emulator.Requests(b))

	cmd := exec.Command(l.env.terraform, append(args, "-input=false", "-no-color")...)
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(),
		"TF_CLI_CONFIG_FILE="+l.env.cliConfig,
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
		"TF_INPUT=0",
		"ICA_BENCH_PROVIDER="+l.env.provider,
		"ICA_BENCH_PROC_DIR="+procDir,
	)
	if l.env.profile != "" {
		kind := "connections"
		if l.chain {
			kind = "chain"
		}
		cmd.Env = append(cmd.Env, "ICA_BENCH_HEAP_PROFILE="+filepath.Join(l.env.profile, fmt.Sprintf("%s-N%d-%s", kind, l.size, name)),
			"ICA_BENCH_HEAP_FORCE_GC="+os.Getenv("ICA_BENCH_HEAP_FORCE_GC"))
	}
	var output bytes.Buffer
	cmd.Stdout = &output
	cmd.Stderr = &output
	start := time.Now()
	err := cmd.Run()
	op.WallMS = float64(time.Since(start).Microseconds()) / 1000
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		op.ExitCode = exitErr.ExitCode()
		err = nil
	case err != nil:
		return op, output.String(), fmt.Errorf("running terraform %s: %w", op.Command, err)
	}
	_ = os.WriteFile(filepath.Join(dir, name+".log"), output.Bytes(), 0o600)

	op.Calls = map[string]int(l.awsProxy.Counts())
	for _, r := range l.awsProxy.Log() {
		if r.Status == 0 || r.Status >= 400 {
			op.Errors++
		}
	}
	for _, r := range l.emulator.Requests(b)[icaBefore:] {
		op.Calls["ica:"+icaOperation(r.Method, r.Path)]++
		if r.Status >= 400 {
			op.Errors++
		}
	}
	procs, perr := readProcesses(procDir)
	op.Processes = procs
	if perr != nil && err == nil {
		err = perr
	}
	return op, output.String(), err
}

// cleanEnv drops settings that would change what Terraform or the provider does (the provider block sets
// everything explicitly), so results do not depend on the caller's shell.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "TF_") || strings.HasPrefix(k, "AWS_") || strings.HasPrefix(k, "ICA_") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

func readProcesses(dir string) ([]bench.Process, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	var out []bench.Process
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var p bench.Process
		if err := json.Unmarshal(data, &p); err != nil {
			return nil, fmt.Errorf("launcher record %s: %w", f, err)
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, nil
}

// calls merges the AWS and ICA calls of the last command: as a timeline relative to the first call, and with
// absolute start times for attributing them to provider processes.
func (l *lab) calls() ([]bench.Step, []bench.TimedCall) {
	records := append(l.awsProxy.Log(), l.icaProxy.Log()...)
	if len(records) == 0 {
		return nil, nil
	}
	sort.SliceStable(records, func(i, j int) bool { return records[i].Start.Before(records[j].Start) })
	t0 := records[0].Start
	steps := make([]bench.Step, 0, len(records))
	calls := make([]bench.TimedCall, 0, len(records))
	for _, r := range records {
		steps = append(steps, bench.Step{
			StartMS:    float64(r.Start.Sub(t0).Microseconds()) / 1000,
			DurationMS: float64(r.Duration.Microseconds()) / 1000,
			Call:       r.Op.String(),
			Status:     r.Status,
		})
		calls = append(calls, bench.TimedCall{Call: r.Op.String(), Start: r.Start})
	}
	return steps, calls
}

// credentialKeys maps each ICA credential to the access key id it holds.
func (l *lab) credentialKeys(b *testing.B) map[string]string {
	out := map[string]string{}
	for _, c := range l.emulator.Credentials(b) {
		out[c.ID] = c.AccessKeyID
	}
	return out
}

// checkCredentials checks ICA holds one credential per connection and, after a rotation (before != nil),
// that every one of them now holds a different key.
func (l *lab) checkCredentials(b *testing.B, connections int, before map[string]string) error {
	now := l.credentialKeys(b)
	if len(now) < connections {
		return fmt.Errorf("ICA holds %d credentials, want at least %d (one per connection)", len(now), connections)
	}
	if before == nil {
		return nil
	}
	rotated := 0
	for id, key := range now {
		if old, ok := before[id]; ok && old != key {
			rotated++
		}
	}
	if rotated != connections {
		return fmt.Errorf("rotation changed the key of %d ICA credentials, want %d", rotated, connections)
	}
	return nil
}

// checkNothingLeft checks destroy removed every IAM user and customer policy (moto is private to the size).
func (l *lab) checkNothingLeft(ctx context.Context) error {
	users, err := l.moto.IAM.ListUsers(ctx, &iam.ListUsersInput{})
	if err != nil {
		return fmt.Errorf("listing IAM users in moto: %w", err)
	}
	policies, err := l.moto.IAM.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal})
	if err != nil {
		return fmt.Errorf("listing IAM policies in moto: %w", err)
	}
	if len(users.Users) > 0 || len(policies.Policies) > 0 {
		return fmt.Errorf("destroy left %d IAM users and %d policies behind", len(users.Users), len(policies.Policies))
	}
	return nil
}

func tail(s string, lines int) string {
	var all []string
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		all = append(all, sc.Text())
	}
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

func gitDescribe(root string) string {
	cmd := exec.Command("git", "describe", "--always", "--dirty", "--exclude", "*")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

func machine() bench.Machine {
	m := bench.Machine{OS: runtime.GOOS + "/" + runtime.GOARCH, CPUs: runtime.NumCPU()}
	m.LoadAverage[0] = loadAverage()
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				if kb, err := strconv.ParseFloat(f[1], 64); err == nil {
					m.MemoryGB = kb / (1 << 20)
				}
			}
		}
	}
	return m
}

// loadAverage is the 1-minute load average, 0 where /proc/loadavg does not exist.
func loadAverage() float64 {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}
