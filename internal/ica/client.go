package ica

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/sync/singleflight"
)

// DefaultBaseURL is the one global ICA REST endpoint; the region is chosen per object.
const DefaultBaseURL = "https://ica.illumina.com/ica/rest"

const (
	defaultMaxRetries   = 4
	defaultRetryWaitMin = time.Second
	defaultRetryWaitMax = 30 * time.Second
	defaultUserAgent    = "terraform-provider-ica"
	// maxResponseBody bounds what is read from ICA; the largest answers here (lists) are far smaller.
	maxResponseBody = 16 << 20
	acceptHeader    = MediaType + ", application/problem+json;q=0.9, application/json;q=0.8"
)

// DefaultRequestTimeout bounds each HTTP attempt. ICA answers in well under a second when healthy;
// Terraform's contexts usually have no deadline, so without this a stalled proxy or a black-holed
// route would hang a plan. With the default 4 retries a stalled call costs at most
// 5 × 20s + the backoff (at most 15s) before it fails, about two minutes.
const DefaultRequestTimeout = 20 * time.Second

// Config configures a Client. Only one of APIKey and AccessToken may be set.
type Config struct {
	BaseURL     string // default DefaultBaseURL; see ValidateBaseURL
	APIKey      string // traded for a JWT once per Client, on the first call
	AccessToken string // a JWT used as is
	Tenant      string // sent as ?tenant= when minting the JWT (users in several tenants)
	UserAgent   string

	MaxRetries   int           // < 0 → default 4; 0 → no retries
	RetryWaitMin time.Duration // 0 → 1s
	RetryWaitMax time.Duration // 0 → 30s
	// RequestTimeout bounds each attempt, from sending the request to reading the whole answer;
	// 0 → DefaultRequestTimeout. It replaces the Timeout of HTTPClient.
	RequestTimeout time.Duration
	HTTPClient     *http.Client // optional; its transport is used
}

// Client calls the ICA REST API. It is safe for concurrent use: Terraform calls resources in
// parallel within one provider process, and they all share one Client and one JWT.
type Client struct {
	baseURL     string // no trailing slash; may carry a path such as /ica/rest
	apiKey      string
	accessToken string
	tenant      string
	userAgent   string

	maxRetries     int
	retryWaitMin   time.Duration
	retryWaitMax   time.Duration
	requestTimeout time.Duration
	httpClient     *http.Client

	mint singleflight.Group
	mu   sync.Mutex
	jwt  string // minted from apiKey; "" until the first call or after a 401
	// mintErr remembers a rejected API key so that parallel resources do not each retry it.
	mintErr error
	// stalled remembers the first call that got no answer in time: the endpoint is then not called
	// again by this process, so a stalled ICA costs one call's time limit, not one per resource.
	stalled *NoAnswerError
}

// ValidateBaseURL accepts https URLs anywhere and plain http only for loopback hosts
// (127.0.0.0/8, ::1, localhost), where a local emulator runs: the API key and tokens must never
// cross a network unencrypted.
func ValidateBaseURL(raw string) error {
	const example = "https://ica.illumina.com/ica/rest"
	if strings.TrimSpace(raw) == "" {
		return fmt.Errorf("base_url is empty: set it to the ICA REST API root such as %s, or leave it unset for that default", example)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("base_url %q is not a valid URL (%v): use the ICA REST API root such as %s", raw, errors.Unwrap(err), example)
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return fmt.Errorf("base_url %q must start with https:// (plain http:// is accepted only for loopback hosts such as 127.0.0.1 or localhost), for example %s", raw, example)
	case u.Host == "" || u.Hostname() == "":
		return fmt.Errorf("base_url %q has no host: use the ICA REST API root such as %s", raw, example)
	case u.User != nil:
		return fmt.Errorf("base_url must not contain a user name or password: remove them and set api_key or access_token instead")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return fmt.Errorf("base_url %q must not have a query or fragment: use the ICA REST API root such as %s", raw, example)
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return fmt.Errorf("base_url %q uses plain http:// to the non-loopback host %q, which would send the API key and tokens unencrypted: use https://, or http:// only with 127.0.0.1, ::1 or localhost (e.g. a local ICA emulator)", raw, u.Hostname())
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// New builds a Client. It does no network I/O: the JWT is minted lazily on the first call, so a
// provider configured without credentials still serves what needs none.
func New(cfg Config) (*Client, error) {
	base := cfg.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	if err := ValidateBaseURL(base); err != nil {
		return nil, err
	}
	if cfg.APIKey != "" && cfg.AccessToken != "" {
		return nil, errors.New("both an ICA API key and an access token are set: set only one of api_key (ICA_API_KEY) and access_token (ICA_ACCESS_TOKEN)")
	}
	c := &Client{
		baseURL:        strings.TrimRight(base, "/"),
		apiKey:         cfg.APIKey,
		accessToken:    cfg.AccessToken,
		tenant:         cfg.Tenant,
		userAgent:      cfg.UserAgent,
		maxRetries:     cfg.MaxRetries,
		retryWaitMin:   cfg.RetryWaitMin,
		retryWaitMax:   cfg.RetryWaitMax,
		requestTimeout: cfg.RequestTimeout,
	}
	if c.userAgent == "" {
		c.userAgent = defaultUserAgent
	}
	if c.maxRetries < 0 {
		c.maxRetries = defaultMaxRetries
	}
	if c.retryWaitMin <= 0 {
		c.retryWaitMin = defaultRetryWaitMin
	}
	if c.retryWaitMax <= 0 {
		c.retryWaitMax = defaultRetryWaitMax
	}
	if c.retryWaitMax < c.retryWaitMin {
		c.retryWaitMax = c.retryWaitMin
	}
	if c.requestTimeout <= 0 {
		c.requestTimeout = DefaultRequestTimeout
	}
	if cfg.HTTPClient != nil {
		own := *cfg.HTTPClient
		c.httpClient = &own
	} else {
		c.httpClient = cleanhttp.DefaultPooledClient()
	}
	c.httpClient.Timeout = c.requestTimeout
	return c, nil
}

// HasCredentials reports whether calls can authenticate (an API key or an access token is set).
func (c *Client) HasCredentials() bool { return c.apiKey != "" || c.accessToken != "" }

// request describes one API call.
type request struct {
	method string
	path   string // relative to the base URL, already escaped, e.g. /api/storageCredentials/ID:share
	body   any    // JSON-encoded when non-nil
	out    any    // decoded from a 2xx body when non-nil
	// idempotent calls are retried on any retryable failure. Creates are not: a create whose
	// answer was lost may have happened, and repeating it could make a duplicate. They are retried
	// only when ICA certainly did not act on them (connection never made, 429, 503).
	idempotent bool
	// secrets are strings from the body (secret access keys) masked in logs and in error text.
	secrets []string
	query   string  // encoded query string, without "?"
	ifMatch string  // If-Match header, when set
	etag    *string // receives the answer's ETag header, when set
}

// response is one final HTTP answer after retries.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (c *Client) do(ctx context.Context, req request) error {
	if !c.HasCredentials() {
		return ErrNoCredentials
	}
	ctx = logContext(ctx)
	var body []byte
	if req.body != nil {
		var err error
		if body, err = json.Marshal(req.body); err != nil {
			return fmt.Errorf("encoding the body of ICA %s %s: %w", req.method, req.path, err)
		}
	}
	for reauthenticated := false; ; reauthenticated = true {
		token, err := c.bearer(ctx)
		if err != nil {
			return err
		}
		header := http.Header{"Authorization": {"Bearer " + token}}
		if req.ifMatch != "" {
			header.Set("If-Match", req.ifMatch)
		}
		resp, err := c.send(ctx, req, req.query, header, body)
		if err != nil {
			return err
		}
		if resp.status == http.StatusUnauthorized && c.apiKey != "" && !reauthenticated {
			// The JWT expired (its lifetime is a tenant setting ICA does not publish): mint a new
			// one and repeat the call once, as ICA's own API advice says.
			c.forgetToken(token)
			continue
		}
		if resp.status < 200 || resp.status > 299 {
			apiErr := newAPIError(req.method, req.path, resp.status, resp.header, resp.body)
			apiErr.redact(append(req.secrets, token, c.apiKey))
			if resp.status == http.StatusUnauthorized {
				apiErr.Hint = c.unauthorizedHint()
			}
			return apiErr
		}
		if req.etag != nil {
			*req.etag = resp.header.Get("ETag")
		}
		return decodeBody(req, resp)
	}
}

func (c *Client) unauthorizedHint() string {
	if c.accessToken != "" {
		return "ICA rejected the access token (it is invalid or has expired): supply a new access_token " +
			"(ICA_ACCESS_TOKEN), or set api_key (ICA_API_KEY) instead so the provider mints fresh tokens itself."
	}
	return "ICA rejected a freshly minted token for this API key: check that the API key's user may use this " +
		"tenant (tenant / ICA_TENANT) and this API."
}

func decodeBody(req request, resp response) error {
	if req.out == nil || resp.status == http.StatusNoContent {
		return nil
	}
	if len(bytes.TrimSpace(resp.body)) == 0 {
		return fmt.Errorf("ICA %s %s answered %d with an empty body where JSON was expected", req.method, req.path, resp.status)
	}
	if err := json.Unmarshal(resp.body, req.out); err != nil {
		mediaType, _, _ := mime.ParseMediaType(resp.header.Get("Content-Type"))
		return fmt.Errorf("ICA %s %s answered %d with a body that is not the expected JSON (content type %q: %v); "+
			"check that base_url points at the ICA REST API root, such as %s", req.method, req.path, resp.status, mediaType, err, DefaultBaseURL)
	}
	return nil
}

// bearer returns the JWT to send: the configured access token, or the one minted from the API key.
// Concurrent first calls share a single mint.
func (c *Client) bearer(ctx context.Context) (string, error) {
	if c.accessToken != "" {
		return c.accessToken, nil
	}
	c.mu.Lock()
	token, mintErr := c.jwt, c.mintErr
	c.mu.Unlock()
	if token != "" {
		return token, nil
	}
	if mintErr != nil {
		return "", mintErr
	}
	for {
		ch := c.mint.DoChan("token", func() (any, error) {
			c.mu.Lock()
			token := c.jwt
			c.mu.Unlock()
			if token != "" {
				return token, nil
			}
			return c.mintToken(ctx)
		})
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case res := <-ch:
			if res.Err == nil {
				return res.Val.(string), nil
			}
			// The mint ran under another caller's context, which was cancelled: try again under ours.
			if isContextError(res.Err) && ctx.Err() == nil {
				continue
			}
			return "", res.Err
		}
	}
}

func isContextError(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// forgetToken drops the JWT after a 401, unless another call already replaced it.
func (c *Client) forgetToken(used string) {
	c.mu.Lock()
	if c.jwt == used {
		c.jwt = ""
	}
	c.mu.Unlock()
}

// mintToken trades the API key for a JWT: POST /api/tokens with X-API-Key.
func (c *Client) mintToken(ctx context.Context) (string, error) {
	req := request{method: http.MethodPost, path: "/api/tokens", idempotent: true}
	query := ""
	if c.tenant != "" {
		query = "tenant=" + url.QueryEscape(c.tenant)
	}
	resp, err := c.send(ctx, req, query, http.Header{"X-API-Key": {c.apiKey}}, nil)
	if err != nil {
		return "", err
	}
	if resp.status < 200 || resp.status > 299 {
		apiErr := newAPIError(req.method, req.path, resp.status, resp.header, resp.body)
		apiErr.redact([]string{c.apiKey})
		if resp.status == http.StatusUnauthorized || resp.status == http.StatusForbidden {
			apiErr.Hint = "ICA rejected the API key: check api_key (ICA_API_KEY)"
			if c.tenant != "" {
				apiErr.Hint += fmt.Sprintf(" and that its user belongs to tenant %q (tenant / ICA_TENANT)", c.tenant)
			}
			apiErr.Hint += "."
			c.mu.Lock()
			c.mintErr = apiErr
			c.mu.Unlock()
		}
		return "", apiErr
	}
	var out struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(resp.body, &out); err != nil || out.Token == "" {
		return "", fmt.Errorf("ICA POST /api/tokens answered %d without a token in the body; check that base_url points at the ICA REST API root, such as %s", resp.status, DefaultBaseURL)
	}
	c.mu.Lock()
	c.jwt = out.Token
	c.mu.Unlock()
	return out.Token, nil
}

// send performs one call with retries and reads the final answer.
func (c *Client) send(ctx context.Context, req request, query string, header http.Header, body []byte) (response, error) {
	if err := c.stalledBefore(req); err != nil {
		return response{}, err
	}
	target := c.baseURL + req.path
	if query != "" {
		target += "?" + query
	}
	var rawBody any
	if body != nil {
		rawBody = body
	}
	hreq, err := retryablehttp.NewRequestWithContext(ctx, req.method, target, rawBody)
	if err != nil {
		return response{}, fmt.Errorf("building ICA %s %s: %w", req.method, req.path, err)
	}
	for k, v := range header {
		hreq.Header[http.CanonicalHeaderKey(k)] = v
	}
	hreq.Header.Set("Accept", acceptHeader)
	hreq.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		hreq.Header.Set("Content-Type", MediaType)
	}

	secrets := append([]string{c.apiKey, c.accessToken, bearerToken(header)}, req.secrets...)
	ctx = maskSecrets(ctx, secrets)
	logRequest(ctx, req, hreq.Header, body)

	attempts := 1
	rc := &retryablehttp.Client{
		HTTPClient:   c.httpClient,
		Logger:       retryLogger{ctx: ctx},
		RetryWaitMin: c.retryWaitMin,
		RetryWaitMax: c.retryWaitMax,
		RetryMax:     c.maxRetries,
		CheckRetry:   checkRetry(req.idempotent),
		Backoff:      backoff,
		ErrorHandler: func(resp *http.Response, err error, numTries int) (*http.Response, error) {
			attempts = numTries
			if err != nil && resp != nil {
				resp.Body.Close()
				return nil, err
			}
			// Retries ran out on a status: hand back the last answer so it is decoded into an APIError.
			return resp, err
		},
	}
	start := time.Now()
	hresp, err := rc.Do(hreq)
	if err != nil {
		logFailure(ctx, req, time.Since(start), err)
		return response{}, c.transportError(ctx, req, attempts, err)
	}
	defer hresp.Body.Close()
	respBody, err := io.ReadAll(io.LimitReader(hresp.Body, maxResponseBody))
	if err != nil {
		logFailure(ctx, req, time.Since(start), err)
		if stall := c.noAnswer(ctx, req, attempts, err); stall != nil {
			return response{}, stall
		}
		return response{}, fmt.Errorf("ICA %s %s: reading the %d answer failed: %w", req.method, req.path, hresp.StatusCode, unwrapURLError(err))
	}
	logResponse(ctx, req, hresp.StatusCode, time.Since(start), hresp.Header, respBody)
	return response{status: hresp.StatusCode, header: hresp.Header, body: respBody}, nil
}

func bearerToken(h http.Header) string {
	return strings.TrimPrefix(h.Get("Authorization"), "Bearer ")
}

// transportError explains a call that got no HTTP answer.
func (c *Client) transportError(ctx context.Context, req request, attempts int, err error) error {
	if stall := c.noAnswer(ctx, req, attempts, err); stall != nil {
		return stall
	}
	err = unwrapURLError(err)
	if ctx.Err() != nil {
		return fmt.Errorf("ICA %s %s cancelled: %w", req.method, req.path, err)
	}
	tries := ""
	if attempts > 1 {
		tries = fmt.Sprintf(" after %d attempts", attempts)
	}
	if mayHaveActed(req, err) {
		return fmt.Errorf("ICA %s %s failed%s: %w; %s", req.method, req.path, tries, err, mayExistAdvice)
	}
	return fmt.Errorf("ICA %s %s failed%s: %w", req.method, req.path, tries, err)
}

// mayExistAdvice ends the error of a create that may have happened although its answer was lost.
const mayExistAdvice = "the request may have reached ICA, so the object may exist: the next apply adopts it by name"

// mayHaveActed reports whether a create that failed with err may nevertheless have happened.
func mayHaveActed(req request, err error) bool { return !req.idempotent && !neverSent(err) }

func unwrapURLError(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return urlErr.Err
	}
	return err
}
