// Package icaemulator is a stateful, in-memory emulator of the parts of the Illumina Connected Analytics
// (ICA) REST API that the provider uses: tokens, regions, storage credentials, storage configurations,
// storage bundles and projects (projects.go lists the choices made where ICA is silent).
//
// It follows ICA's API documentation and published OpenAPI document (its tests validate every response
// against that document) and returns only the fields the real API returns. It serves the API paths at
// the root, so a provider's base_url is the server's URL. Test controls live under /_emulator/; they need
// no authentication and are not part of the request log, which exists to count API calls.
//
// Behaviour where ICA is silent, chosen to be safe for a client:
//   - ids in paths that are not known (including ones that are not UUIDs) are 404: the document types path
//     ids as plain strings, while body ids are "format: uuid" and a malformed one is a 400;
//   - storage credential and storage configuration names are unique: a duplicate create is a 409 (tests
//     make objects that share a name with SeedSameName, as the ICA UI or another tool could);
//   - a storage configuration validates after Options.ValidationDelay; with Options.AWSEndpoint it checks
//     the bucket with the stored key (and that the bucket is in the ICA region's AWS region), else it is OK;
//   - a configuration whose credential vanished (DELETE /_emulator/credentials/{id}) reads as ERROR, the way
//     ICA's monitoring turns a configuration ERROR on its own; otherwise reads never re-check the bucket;
//   - POST /api/tokens accepts only the API key (no Basic authentication) and ?tenant= only for TenantName;
//     tokens are HS256 JWTs signed with a per-emulator random key, so they do not survive a restart.
package icaemulator

import (
	"context"
	"crypto/rand"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Options configure an Emulator.
type Options struct {
	// APIKey is the only API key the emulator accepts (X-API-Key). Required: an empty key accepts nothing.
	APIKey string
	// AWSEndpoint, when set, makes validation check the bucket through this S3 endpoint (e.g. moto) with
	// the credential's stored key. Without it, validation only checks that the credential still exists.
	AWSEndpoint string
	// AWSRegion is the signing region for AWSEndpoint checks; default us-east-1.
	AWSRegion string
	// ValidationDelay is how long a configuration stays INITIALIZING after create or :validate; zero means
	// the default, 2s.
	ValidationDelay time.Duration
	// TokenTTL is the lifetime of JWTs minted by POST /api/tokens; zero means the default, 1h.
	TokenTTL time.Duration
	// NoProjectSubfolder makes the undocumented GET /api/projects/{id}/selfManagedStorageConfiguration
	// answer 404, as an ICA that does not offer it would; by default it answers the project's storage
	// configuration id and subfolder.
	NoProjectSubfolder bool
	// LogRequest, when set, is called after each API request (not the /_emulator/ controls) with the
	// status answered (0 for a dropped connection); the ica-emulator program prints them.
	LogRequest func(method, path string, status int)
}

const (
	defaultValidationDelay = 2 * time.Second
	defaultTokenTTL        = time.Hour
	defaultAWSRegion       = "us-east-1"
	// TenantName is the tenant of the emulator's single user: the only value POST /api/tokens accepts for ?tenant=.
	TenantName = "ica-emulator"
)

// Emulator is an http.Handler serving the emulated ICA API. Safe for concurrent use.
type Emulator struct {
	opts      Options
	jwtSecret []byte
	ownerID   string
	tenantID  string
	regions   []emulatedRegion

	// s3HTTP carries bucket checks; Close drops its idle connections so nothing outlives the emulator.
	s3HTTP *http.Client

	// ctx ends validation goroutines on Close; wg waits for them.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	closed   bool
	requests []*ControlRequest
	creds    []*credential    // creation order
	configs  []*storageConfig // creation order
	bundles  []*storageBundle // regions' defaults first
	projects []*project       // creation order
	faults   *faultSet

	api      *http.ServeMux // apiRoutes
	controls *http.ServeMux // controlRoutes
}

// New returns an emulator with no credentials or configurations. Call Close when done.
func New(opts Options) *Emulator {
	if opts.ValidationDelay <= 0 {
		opts.ValidationDelay = defaultValidationDelay
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = defaultTokenTTL
	}
	if opts.AWSRegion == "" {
		opts.AWSRegion = defaultAWSRegion
	}
	opts.AWSEndpoint = strings.TrimRight(opts.AWSEndpoint, "/")
	secret := make([]byte, 32)
	_, _ = rand.Read(secret) // crypto/rand.Read never fails on supported platforms
	ctx, cancel := context.WithCancel(context.Background())
	e := &Emulator{
		opts:      opts,
		jwtSecret: secret,
		ownerID:   stableID("ica-user:emulator"),
		tenantID:  stableID("ica-tenant:" + TenantName),
		ctx:       ctx,
		cancel:    cancel,
		faults:    newFaultSet(),
		s3HTTP:    &http.Client{Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: 4}},
	}
	e.regions = buildRegions(stableID("ica-user:system"), stableID("ica-tenant:system"))
	e.bundles = defaultBundles(e.regions)
	e.api, e.controls = e.apiRoutes(), e.controlRoutes()
	return e
}

// Close stops pending validations and waits for them. The handler keeps answering afterwards, but
// configurations created or re-validated after Close stay INITIALIZING.
func (e *Emulator) Close() {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	e.cancel()
	e.wg.Wait()
	e.s3HTTP.CloseIdleConnections()
}

// ControlRequest is one item of GET /_emulator/requests (path without query, in arrival order). Status is
// 0 while the request is in flight and for requests whose connection was dropped by a fault.
type ControlRequest struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Status int    `json:"status"`
}

// statusWriter remembers the status a handler wrote, for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// ServeHTTP implements http.Handler.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, controlPrefix) {
		e.controls.ServeHTTP(w, r)
		return
	}
	entry := &ControlRequest{Method: r.Method, Path: r.URL.Path}
	e.mu.Lock()
	e.requests = append(e.requests, entry)
	e.mu.Unlock()

	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		e.mu.Lock()
		entry.Status = sw.status
		e.mu.Unlock()
		if e.opts.LogRequest != nil {
			e.opts.LogRequest(r.Method, r.URL.Path, sw.status)
		}
	}()
	var out http.ResponseWriter = sw
	var gw *gzipWriter
	if acceptsGzip(r) {
		gw = &gzipWriter{w: sw}
		out = gw
	}
	if f, ok := e.faults.take(r.Method, r.URL.Path); !ok || !f.apply(e.ctx, out, r, e.serveAPI) {
		e.serveAPI(out, r)
	}
	if gw != nil {
		gw.finish()
	}
}

// serveAPI serves an API request; faults call it too (a lost response is served, then dropped).
func (e *Emulator) serveAPI(w http.ResponseWriter, r *http.Request) {
	e.api.ServeHTTP(w, r)
}
