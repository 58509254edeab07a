// Package icaopenapi validates HTTP traffic against ICA's published OpenAPI document in tests.
//
// It is imported only from _test.go files: the ICA client's tests validate what the client sends, and the
// emulator's tests validate what the emulator returns, so neither can drift from the real API unnoticed.
// The document is not part of this repository; it is read from ../shared/ica-openapi/openapi_public.yaml
// (relative to the module root) or from $ICA_OPENAPI_SPEC.
package icaopenapi

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/dlclark/regexp2"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// EnvSpecPath overrides where the OpenAPI document is read from.
const EnvSpecPath = "ICA_OPENAPI_SPEC"

// MediaType is ICA's JSON media type; ProblemMediaType is its error media type.
const (
	MediaType        = "application/vnd.illumina.v3+json"
	ProblemMediaType = "application/problem+json"
)

// Spec is a loaded ICA OpenAPI document with a router over its paths. Safe for concurrent use.
type Spec struct {
	doc     *openapi3.T
	router  routers.Router
	options *openapi3filter.Options
}

var (
	loadOnce sync.Once
	loaded   *Spec
	loadErr  error
	loadPath string
)

// Load returns the document, parsed once per test binary (it is large). When the document is absent the
// test is skipped with the reason, or fails when CI=true so that CI never silently loses this check.
func Load(t testing.TB) *Spec {
	t.Helper()
	s, reason := load(t)
	if s == nil {
		t.Skip(reason)
	}
	return s
}

// Optional is Load for tests that are worth running without the document: when it is absent (and CI is
// not true) it logs the reason and returns nil, and a nil *Spec validates nothing.
func Optional(t testing.TB) *Spec {
	t.Helper()
	s, reason := load(t)
	if s == nil {
		t.Log(reason)
	}
	return s
}

func load(t testing.TB) (*Spec, string) {
	t.Helper()
	loadOnce.Do(func() {
		loadPath, loadErr = specPath()
		if loadErr == nil {
			loaded, loadErr = parse(loadPath)
		}
	})
	if loadErr != nil {
		var missing *missingError
		if errors.As(loadErr, &missing) && os.Getenv("CI") != "true" {
			return nil, fmt.Sprintf("ICA OpenAPI document not found at %s: skipping OpenAPI validation (set %s to its path)", missing.path, EnvSpecPath)
		}
		t.Fatalf("loading the ICA OpenAPI document: %v", loadErr)
	}
	return loaded, ""
}

type missingError struct{ path string }

func (e *missingError) Error() string {
	return fmt.Sprintf("ICA OpenAPI document not found at %s", e.path)
}

func specPath() (string, error) {
	if p := os.Getenv(EnvSpecPath); p != "" {
		if _, err := os.Stat(p); err != nil { //nolint:gosec // G703: reading the file the developer named is the point
			return "", &missingError{path: p}
		}
		return p, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding the working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory: set %s to the document's path", EnvSpecPath)
		}
		dir = parent
	}
	p := filepath.Join(filepath.Dir(dir), "shared", "ica-openapi", "openapi_public.yaml")
	if _, err := os.Stat(p); err != nil {
		return "", &missingError{path: p}
	}
	return p, nil
}

func parse(path string) (*Spec, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", path, err)
	}
	// The document's server is "/ica/rest", but clients and the emulator are tested at other roots.
	// Routing uses the path from "/api/" on (see apiPath), so the router gets no server prefix.
	doc.Servers = nil
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("building a router for %s: %w", path, err)
	}
	return &Spec{
		doc:    doc,
		router: router,
		options: &openapi3filter.Options{
			MultiError:         true,
			RegexCompiler:      compileECMAScript,
			AuthenticationFunc: acceptAuthentication,
			// Only validate, never modify the request (no defaults written into bodies).
			SkipSettingDefaults: true,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{
				// The document marks ids "format: uuid"; kin-openapi does not check that format by default.
				openapi3.WithStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC9562)),
			},
		},
	}, nil
}

func init() {
	openapi3filter.RegisterBodyDecoder(MediaType, openapi3filter.JSONBodyDecoder)
	openapi3filter.RegisterBodyDecoder(ProblemMediaType, openapi3filter.JSONBodyDecoder)
}

// compileECMAScript compiles the document's patterns as the ECMA-262 expressions they are: some use
// lookaheads (keyPrefix: ^(?!/).*/$) that Go's regexp rejects.
func compileECMAScript(expr string) (openapi3.RegexMatcher, error) {
	re, err := regexp2.Compile(expr, regexp2.ECMAScript)
	if err != nil {
		return nil, err
	}
	return ecmaMatcher{re}, nil
}

type ecmaMatcher struct{ re *regexp2.Regexp }

func (m ecmaMatcher) MatchString(s string) bool {
	ok, err := m.re.MatchString(s)
	return err == nil && ok
}

// acceptAuthentication accepts every security requirement: authentication is tested by the emulator's
// and client's own tests, which know the keys; the document only says which schemes exist.
func acceptAuthentication(context.Context, *openapi3filter.AuthenticationInput) error { return nil }

// apiPath returns the request path from "/api/" on, so that a base URL of "/ica/rest" or "/" both route.
func apiPath(p string) string {
	if i := strings.Index(p, "/api/"); i >= 0 {
		return p[i:]
	}
	return p
}

// route finds the documented operation for r.
func (s *Spec) route(r *http.Request) (*routers.Route, map[string]string, error) {
	u := *r.URL
	u.Path = apiPath(r.URL.Path)
	u.RawPath = ""
	if r.URL.RawPath != "" {
		u.RawPath = apiPath(r.URL.RawPath)
	}
	u.Scheme, u.Host = "", ""
	routed := r.Clone(context.Background())
	routed.URL = &u
	routed.Host = ""
	route, params, err := s.router.FindRoute(routed)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s is not an operation of the ICA API: %w", r.Method, u.Path, err)
	}
	return route, params, nil
}

// Operation returns the operationId the request routes to, or an error when the document has no such operation.
func (s *Spec) Operation(r *http.Request) (string, error) {
	route, _, err := s.route(r)
	if err != nil {
		return "", err
	}
	return route.Operation.OperationID, nil
}

func (s *Spec) requestInput(r *http.Request, body []byte) (*openapi3filter.RequestValidationInput, error) {
	route, params, err := s.route(r)
	if err != nil {
		return nil, err
	}
	req := r.Clone(context.Background())
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	return &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: params,
		QueryParams: func() url.Values {
			return r.URL.Query()
		}(),
		Route:   route,
		Options: s.options,
	}, nil
}

// CheckRequest validates a request (body passed separately, since r.Body may be consumed) and returns
// what is wrong with it, or nil.
func (s *Spec) CheckRequest(r *http.Request, body []byte) error {
	in, err := s.requestInput(r, body)
	if err != nil {
		return err
	}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		return fmt.Errorf("request %s %s does not match the ICA OpenAPI document: %w", r.Method, r.URL.Path, err)
	}
	return nil
}

// CheckResponse validates a response to r and returns what is wrong with it, or nil.
func (s *Spec) CheckResponse(r *http.Request, status int, header http.Header, body []byte) error {
	in, err := s.requestInput(r, nil)
	if err != nil {
		return err
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 status,
		Header:                 header,
		Options:                s.options,
	}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		return fmt.Errorf("response %d to %s %s does not match the ICA OpenAPI document: %w", status, r.Method, r.URL.Path, err)
	}
	if status >= 400 {
		if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, ProblemMediaType) {
			return fmt.Errorf("response %d to %s %s has Content-Type %q, ICA errors are %s", status, r.Method, r.URL.Path, ct, ProblemMediaType)
		}
	}
	return nil
}

// ValidateRequest (like ValidateResponse and Middleware, and safe on a nil *Spec) fails the test when the request does not match the document.
func (s *Spec) ValidateRequest(t testing.TB, r *http.Request, body []byte) {
	t.Helper()
	if s == nil {
		return
	}
	if err := s.CheckRequest(r, body); err != nil {
		t.Error(err)
	}
}

// ValidateResponse fails the test when the response does not match the document.
func (s *Spec) ValidateResponse(t testing.TB, r *http.Request, status int, header http.Header, body []byte) {
	t.Helper()
	if s == nil {
		return
	}
	if err := s.CheckResponse(r, status, header, body); err != nil {
		t.Error(err)
	}
}

// undocumentedOps are operations ICA serves but does not document, which the provider calls on purpose
// (decoding the answer tolerantly and taking a 404 as "unknown"): the project's storage subfolder.
var undocumentedOps = regexp.MustCompile(`^GET /(.*/)?api/projects/[^/]+/selfManagedStorageConfiguration$`)

// Undocumented reports whether r is one of those operations; the middleware lets them through unchecked.
func Undocumented(r *http.Request) bool {
	return undocumentedOps.MatchString(r.Method + " " + r.URL.Path)
}

// ControlPrefix is the emulator's test-control path prefix; the middleware passes it through unchecked.
const ControlPrefix = "/_emulator/"

// Middleware validates every request that reaches next and every response it writes, except the
// emulator's test controls. A request to an operation the document does not have is itself a failure.
// Failures are reported with t.Error (safe from handler goroutines), so a test keeps running and reports
// every mismatch.
func (s *Spec) Middleware(t testing.TB, next http.Handler) http.Handler {
	if s == nil {
		return next
	}
	return s.middleware(t, next, true)
}

// ResponseMiddleware validates only responses, and only those to documented operations: for tests that
// send invalid or undocumented requests on purpose and check how they are answered.
func (s *Spec) ResponseMiddleware(t testing.TB, next http.Handler) http.Handler {
	if s == nil {
		return next
	}
	return s.middleware(t, next, false)
}

func (s *Spec) middleware(t testing.TB, next http.Handler, checkRequests bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, ControlPrefix) {
			next.ServeHTTP(w, r)
			return
		}
		var body []byte
		if r.Body != nil {
			b, err := io.ReadAll(r.Body)
			if err != nil {
				t.Errorf("reading the body of %s %s: %v", r.Method, r.URL.Path, err)
			}
			body = b
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		_, routeErr := s.Operation(r)
		if checkRequests && !Undocumented(r) {
			s.ValidateRequest(t, r, body)
		}

		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		res := rec.Result()
		resBody := rec.Body.Bytes()
		if routeErr == nil { // an undocumented request was reported above, or is expected
			plain, err := decompress(res.Header, resBody)
			if err != nil {
				t.Errorf("response to %s %s: %v", r.Method, r.URL.Path, err)
			} else {
				s.ValidateResponse(t, r, res.StatusCode, res.Header, plain)
			}
		}

		for k, v := range res.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(res.StatusCode)
		_, _ = w.Write(resBody)
	})
}

// decompress undoes a gzip Content-Encoding (ICA compresses when asked) so the body can be validated.
func decompress(h http.Header, body []byte) ([]byte, error) {
	if !strings.EqualFold(h.Get("Content-Encoding"), "gzip") {
		return body, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("Content-Encoding is gzip but the body is not: %w", err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("Content-Encoding is gzip but the body does not decompress: %w", err)
	}
	return plain, nil
}
