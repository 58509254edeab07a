package acctest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ica-tf/terraform-provider-ica/internal/testing/testenv"
)

const (
	// EnvMotoEndpoint names an already-running moto server that SharedMoto uses instead of starting one.
	EnvMotoEndpoint = "ICA_TEST_MOTO_ENDPOINT"

	// MotoRegion is the region every moto client signs for.
	MotoRegion = "us-east-1"

	// Moto accepts any key pair unless it enforces IAM.
	motoTestAccessKey = "test"
	motoTestSecretKey = "test"

	motoStartTimeout = 60 * time.Second
	motoStopTimeout  = 10 * time.Second
)

// Moto is a running moto server and AWS clients pointed at it.
type Moto struct {
	Endpoint string // http://127.0.0.1:PORT
	Region   string

	// The key pair the clients sign with: "test"/"test", or the admin key of an IAM-enforcing instance.
	AccessKeyID     string
	SecretAccessKey string

	S3  *s3.Client
	IAM *iam.Client
	STS *sts.Client
}

// MotoOptions configures a private moto instance.
type MotoOptions struct {
	// EnforceIAM makes moto check signatures and IAM policies on every call. The instance's clients then
	// sign with an admin key (policy Action "*" on Resource "*") created before enforcement starts.
	EnforceIAM bool
}

// WithCredentials returns clients for the same server that sign with another key pair, e.g. a key the
// provider created, to check what that key may do.
func (m *Moto) WithCredentials(accessKeyID, secretAccessKey string) *Moto {
	return newMotoClients(m.Endpoint, accessKeyID, secretAccessKey)
}

func newMotoClients(endpoint, accessKeyID, secretAccessKey string) *Moto {
	cfg := aws.Config{
		Region:      MotoRegion,
		Credentials: credentials.NewStaticCredentialsProvider(accessKeyID, secretAccessKey, ""),
	}
	return &Moto{
		Endpoint:        endpoint,
		Region:          MotoRegion,
		AccessKeyID:     accessKeyID,
		SecretAccessKey: secretAccessKey,
		S3: s3.NewFromConfig(cfg, func(o *s3.Options) {
			o.BaseEndpoint = aws.String(endpoint)
			o.UsePathStyle = true
		}),
		IAM: iam.NewFromConfig(cfg, func(o *iam.Options) { o.BaseEndpoint = aws.String(endpoint) }),
		STS: sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = aws.String(endpoint) }),
	}
}

var shared struct {
	sync.Mutex
	moto    *Moto
	process *motoProcess
	err     error
}

// SharedMoto returns the test binary's moto server, starting it on first use (or using
// ICA_TEST_MOTO_ENDPOINT). It is never reset: tests must use unique names (RandomName). acctest.Main stops it.
func SharedMoto(t testing.TB) *Moto {
	t.Helper()
	shared.Lock()
	defer shared.Unlock()
	if shared.moto != nil {
		return shared.moto
	}
	if shared.err != nil {
		t.Fatalf("shared moto server failed to start earlier in this test binary: %v", shared.err)
	}

	if endpoint := os.Getenv(EnvMotoEndpoint); endpoint != "" {
		if err := waitForMoto(context.Background(), endpoint, nil); err != nil {
			t.Fatalf("%s=%s does not answer as a moto server: %v. Start moto there or unset %s.",
				EnvMotoEndpoint, endpoint, err, EnvMotoEndpoint)
		}
		shared.moto = newMotoClients(endpoint, motoTestAccessKey, motoTestSecretKey)
		return shared.moto
	}

	if !mainRunning.Load() {
		t.Fatal("acctest.SharedMoto needs acctest.Main to stop the server when the test binary exits: " +
			"add `func TestMain(m *testing.M) { acctest.Main(m) }` to the package's tests")
	}
	bin := requireMotoServer(t)
	proc, err := startMoto(bin, nil)
	if err != nil {
		shared.err = err
		t.Fatalf("starting the shared moto server: %v", err)
	}
	shared.process = proc
	shared.moto = newMotoClients(proc.endpoint, motoTestAccessKey, motoTestSecretKey)
	return shared.moto
}

func stopSharedMoto() {
	shared.Lock()
	defer shared.Unlock()
	if shared.process != nil {
		shared.process.stop()
		shared.process = nil
	}
	shared.moto = nil
}

// NewMoto starts a private moto server for one test; it stops when the test ends.
func NewMoto(t testing.TB, opts MotoOptions) *Moto {
	t.Helper()
	bin := requireMotoServer(t)

	var env []string
	if opts.EnforceIAM {
		env = append(env, "INITIAL_NO_AUTH_ACTION_COUNT="+strconv.Itoa(adminBootstrapActions))
	}
	proc, err := startMoto(bin, env)
	if err != nil {
		t.Fatalf("starting a moto server: %v", err)
	}
	t.Cleanup(proc.stop)

	m := newMotoClients(proc.endpoint, motoTestAccessKey, motoTestSecretKey)
	if !opts.EnforceIAM {
		return m
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := bootstrapAdmin(ctx, m)
	if err != nil {
		t.Fatalf("creating the admin user on the IAM-enforcing moto server at %s: %v", proc.endpoint, err)
	}
	return admin
}

// adminBootstrapActions is the number of moto actions bootstrapAdmin spends. Moto authorizes nothing until it
// has served INITIAL_NO_AUTH_ACTION_COUNT actions, so it must equal the calls below exactly: one fewer and the
// last call is refused, one more and the first test call runs unchecked.
const adminBootstrapActions = 4

const adminPolicyDocument = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

func bootstrapAdmin(ctx context.Context, m *Moto) (*Moto, error) {
	const name = "acctest-admin"
	if _, err := m.IAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		return nil, fmt.Errorf("CreateUser %s: %w", name, err)
	}
	policy, err := m.IAM.CreatePolicy(ctx, &iam.CreatePolicyInput{
		PolicyName:     aws.String(name),
		PolicyDocument: aws.String(adminPolicyDocument),
	})
	if err != nil {
		return nil, fmt.Errorf("CreatePolicy %s: %w", name, err)
	}
	if _, err := m.IAM.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{
		UserName:  aws.String(name),
		PolicyArn: policy.Policy.Arn,
	}); err != nil {
		return nil, fmt.Errorf("AttachUserPolicy %s: %w", name, err)
	}
	key, err := m.IAM.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		return nil, fmt.Errorf("CreateAccessKey %s: %w", name, err)
	}
	return m.WithCredentials(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)), nil
}

// requireMotoServer returns the moto_server path, or ends the test: a failure in CI (where a missing moto
// must not pass as green), a skip elsewhere.
func requireMotoServer(t testing.TB) string {
	t.Helper()
	bin, searched := testenv.MotoServer()
	if bin != "" {
		return bin
	}
	msg := "moto_server not found (looked on PATH and in " + searched + "); install moto 5 " +
		"(pip install 'moto[server]') or set " + EnvMotoEndpoint + " to a running moto server"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// motoProcess is a moto_server child process; only it is ever signalled.
type motoProcess struct {
	endpoint string
	cmd      *exec.Cmd
	output   *tailBuffer
	exited   chan struct{}
	once     sync.Once
}

func startMoto(bin string, extraEnv []string) (*motoProcess, error) {
	var lastErr error
	// The port is free when chosen but could be taken before moto binds it; a new port fixes that.
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		proc, err := startMotoOnPort(bin, port, extraEnv)
		if err == nil {
			return proc, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func startMotoOnPort(bin string, port int, extraEnv []string) (*motoProcess, error) {
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Env = append(os.Environ(), extraEnv...)
	out := &tailBuffer{max: 16 << 10}
	cmd.Stdout = out
	cmd.Stderr = out
	setChildAttrs(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("running %s: %w", bin, err)
	}
	proc := &motoProcess{
		endpoint: "http://127.0.0.1:" + strconv.Itoa(port),
		cmd:      cmd,
		output:   out,
		exited:   make(chan struct{}),
	}
	go func() {
		_ = cmd.Wait()
		close(proc.exited)
	}()

	ctx, cancel := context.WithTimeout(context.Background(), motoStartTimeout)
	defer cancel()
	if err := waitForMoto(ctx, proc.endpoint, proc.exited); err != nil {
		proc.stop()
		return nil, fmt.Errorf("moto_server (pid %d) on %s did not become ready: %w; its output:\n%s",
			cmd.Process.Pid, proc.endpoint, err, out.String())
	}
	return proc, nil
}

// waitForMoto polls moto's own API, which unlike the AWS routes does not count towards
// INITIAL_NO_AUTH_ACTION_COUNT. exited, when not nil, ends the wait early if the process dies.
func waitForMoto(ctx context.Context, endpoint string, exited <-chan struct{}) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
	}
	client := &http.Client{Timeout: 2 * time.Second}
	var lastErr error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/moto-api/", nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("GET /moto-api/ returned %s", resp.Status)
		}
		lastErr = err
		select {
		case <-exited:
			return errors.New("the process exited")
		case <-ctx.Done():
			return fmt.Errorf("%w (last attempt: %v)", ctx.Err(), lastErr)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (p *motoProcess) stop() {
	p.once.Do(func() {
		select {
		case <-p.exited:
			return
		default:
		}
		_ = p.cmd.Process.Signal(terminateSignal)
		select {
		case <-p.exited:
		case <-time.After(motoStopTimeout):
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	})
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port on 127.0.0.1: %w", err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tailBuffer keeps the last max bytes written: enough of moto's log to explain a failed start.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
