package icaemulator

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strings"
)

// ICA compresses JSON responses with gzip when the request's Accept-Encoding allows it; so does the
// emulator, so that a client which asks for gzip must also handle it.

// acceptsGzip reports whether Accept-Encoding lists gzip without q=0.
func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
				continue
			}
			q := strings.ReplaceAll(params, " ", "")
			if q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000" {
				return true
			}
		}
	}
	return false
}

// gzipWriter buffers a response and writes it compressed in finish. A handler that panics (a dropped
// connection) never reaches finish, so nothing is written.
type gzipWriter struct {
	w      http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (g *gzipWriter) Header() http.Header { return g.w.Header() }

func (g *gzipWriter) WriteHeader(code int) {
	if g.status == 0 {
		g.status = code
	}
}

func (g *gzipWriter) Write(b []byte) (int, error) {
	if g.status == 0 {
		g.status = http.StatusOK
	}
	return g.buf.Write(b)
}

func (g *gzipWriter) finish() {
	if g.status == 0 { // nothing was answered (the client went away during a delay)
		return
	}
	if g.buf.Len() == 0 {
		g.w.WriteHeader(g.status)
		return
	}
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	_, _ = zw.Write(g.buf.Bytes()) // writes to memory cannot fail
	_ = zw.Close()
	h := g.w.Header()
	h.Set("Content-Encoding", "gzip")
	h.Add("Vary", "Accept-Encoding")
	h.Del("Content-Length")
	g.w.WriteHeader(g.status)
	_, _ = g.w.Write(out.Bytes())
}
