package awsproxy

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"sync"
	"time"
)

// maxFormBody bounds how much of a query-protocol body is buffered to find its Action. IAM policy documents
// are at most 6 KB; anything larger is forwarded unread and named "unknown".
const maxFormBody = 1 << 20

// Options configures a Proxy.
type Options struct {
	// Classify names each request; nil means Classify, the AWS rules. Another function lets the same counting
	// and fault machinery front a different API.
	Classify func(r *http.Request, body []byte) Op
}

// Proxy forwards requests to one upstream, counting them and applying fault rules. It is an http.Handler;
// Start also serves it on a loopback port.
type Proxy struct {
	upstream  *url.URL
	rp        *httputil.ReverseProxy
	transport *http.Transport
	classify  func(*http.Request, []byte) Op

	mu     sync.Mutex
	counts Counts
	log    []Record
	rules  []*Rule

	server   *http.Server
	listener net.Listener
	served   chan struct{}
	// closing ends the requests a hang fault holds, so Close does not wait for them.
	closing   chan struct{}
	closeOnce sync.Once
}

// New returns a proxy to upstream (e.g. moto's "http://127.0.0.1:5000").
func New(upstream string, opts Options) (*Proxy, error) {
	u, err := url.Parse(upstream)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("awsproxy: upstream %q is not an absolute URL like http://127.0.0.1:5000", upstream)
	}
	p := &Proxy{
		upstream:  u,
		transport: http.DefaultTransport.(*http.Transport).Clone(),
		classify:  opts.Classify,
		counts:    Counts{},
		closing:   make(chan struct{}),
	}
	if p.classify == nil {
		p.classify = Classify
	}
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			// SigV4 signs the Host header: keep the client's, so a signature-checking upstream still accepts it.
			pr.Out.Host = pr.In.Host
		},
		Transport: p.transport,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			http.Error(w, fmt.Sprintf("awsproxy: forwarding %s %s to %s: %v", r.Method, r.URL.Path, u.Host, err), http.StatusBadGateway)
		},
	}
	return p, nil
}

// Start serves a new proxy to upstream on a free port of 127.0.0.1; Close stops it.
func Start(upstream string, opts Options) (*Proxy, error) {
	p, err := New(upstream, opts)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("awsproxy: listening on 127.0.0.1: %w", err)
	}
	p.listener = l
	p.server = &http.Server{Handler: p, ReadHeaderTimeout: 30 * time.Second}
	p.served = make(chan struct{})
	go func() {
		defer close(p.served)
		_ = p.server.Serve(l)
	}()
	return p, nil
}

// URL is the proxy's base URL ("http://127.0.0.1:PORT") when started with Start, else "".
func (p *Proxy) URL() string {
	if p.listener == nil {
		return ""
	}
	return "http://" + p.listener.Addr().String()
}

// Close stops a started proxy (waiting briefly for requests in flight) and its upstream connections.
func (p *Proxy) Close() {
	p.closeOnce.Do(func() { close(p.closing) })
	if p.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := p.server.Shutdown(ctx); err != nil {
			_ = p.server.Close()
		}
		<-p.served
	}
	p.transport.CloseIdleConnections()
}

// Counts returns the calls counted since the start or the last Reset.
func (p *Proxy) Counts() Counts {
	p.mu.Lock()
	defer p.mu.Unlock()
	return clone(p.counts)
}

// Reset returns the counts and clears counts and log together.
func (p *Proxy) Reset() Counts {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.counts
	p.counts = Counts{}
	p.log = nil
	return c
}

// Log returns the finished requests since the start or the last Reset, in arrival order.
func (p *Proxy) Log() []Record {
	p.mu.Lock()
	out := slices.Clone(p.log)
	p.mu.Unlock()
	slices.SortStableFunc(out, func(a, b Record) int { return a.Start.Compare(b.Start) })
	return out
}

// AddFault adds a rule after the existing ones.
func (p *Proxy) AddFault(f Fault) (*Rule, error) {
	if err := f.validate(); err != nil {
		return nil, err
	}
	r := &Rule{fault: f, proxy: p}
	p.mu.Lock()
	p.rules = append(p.rules, r)
	p.mu.Unlock()
	return r, nil
}

// ClearFaults removes every rule.
func (p *Proxy) ClearFaults() {
	p.mu.Lock()
	rules := p.rules
	p.rules = nil
	p.mu.Unlock()
	for _, r := range rules {
		r.mu.Lock()
		r.removed = true
		r.mu.Unlock()
	}
}

func (p *Proxy) removeRule(r *Rule) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules = slices.DeleteFunc(p.rules, func(x *Rule) bool { return x == r })
}

func clone(c Counts) Counts {
	out := make(Counts, len(c))
	for k, v := range c {
		out[k] = v
	}
	return out
}

// ServeHTTP counts the request, then forwards it or lets a fault answer.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	var body []byte
	if isForm(r) && r.Body != nil {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxFormBody+1))
		_ = r.Body.Close()
		if err != nil {
			http.Error(w, "awsproxy: reading the request body: "+err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		if len(b) <= maxFormBody {
			body = b
		}
	}
	op := p.classify(r, body)

	p.mu.Lock()
	p.counts[op.String()]++
	var rule *Rule
	for _, candidate := range p.rules {
		if candidate.take(op) {
			rule = candidate
			break
		}
	}
	p.mu.Unlock()

	sw := &statusWriter{ResponseWriter: w}
	var once sync.Once
	// record appends the log entry once. A dropped connection records before closing, so a caller that sees
	// the transport error already finds the record in Log.
	sw.record = func() {
		once.Do(func() {
			p.mu.Lock()
			p.log = append(p.log, Record{
				Op: op, Method: r.Method, Path: r.URL.Path, Start: start, Duration: time.Since(start),
				Status: sw.status, Fault: rule != nil,
			})
			p.mu.Unlock()
		})
	}
	if rule == nil {
		p.rp.ServeHTTP(sw, r)
	} else {
		p.fault(sw, r, op, rule.fault)
	}
	sw.record()
}

func (p *Proxy) fault(w *statusWriter, r *http.Request, op Op, f Fault) {
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if f.Kind == KindDelay {
		p.rp.ServeHTTP(w, r)
		return
	}
	if f.AfterForward {
		p.rp.ServeHTTP(&discardWriter{header: http.Header{}}, r)
	}
	if f.Kind == KindHang {
		p.hang(w, r)
		return
	}
	if f.Kind == KindDrop {
		drop(w)
		return
	}
	status, contentType, body := f.errorResponse(op)
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// hang holds the request without answering until the client gives up or the proxy closes, like a
// black-holed route or a broken proxy that accepts connections and never answers.
func (p *Proxy) hang(w *statusWriter, r *http.Request) {
	// The server notices a client hanging up only once the request body is read.
	_, _ = io.Copy(io.Discard, r.Body)
	select {
	case <-r.Context().Done():
	case <-p.closing:
	}
	w.record()
	// No response at all: close the connection rather than let net/http send an empty 200.
	panic(http.ErrAbortHandler)
}

// drop closes the client connection without a response.
func drop(w *statusWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	w.record()
	if err != nil {
		// Not hijackable (HTTP/2): aborting the handler resets the stream instead.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// statusWriter remembers the status sent to the client.
type statusWriter struct {
	http.ResponseWriter
	status int
	record func() // appends the request's log record (once)
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

// Unwrap lets http.ResponseController reach the connection (flush, hijack).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// discardWriter swallows the upstream's answer when a fault replaces it after forwarding.
type discardWriter struct{ header http.Header }

func (d *discardWriter) Header() http.Header         { return d.header }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}
