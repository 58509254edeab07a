package awsproxy

import (
	"strings"
	"time"
)

// Counts maps "service:Operation" to the number of calls.
type Counts map[string]int

// Total is the number of calls.
func (c Counts) Total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// Writes is the number of calls to write operations (see Op.Write).
func (c Counts) Writes() int {
	n := 0
	for k, v := range c {
		if IsWrite(operationOf(k)) {
			n += v
		}
	}
	return n
}

// Reads is the number of calls to read operations.
func (c Counts) Reads() int { return c.Total() - c.Writes() }

// ByService sums the calls per service.
func (c Counts) ByService() map[string]int {
	out := map[string]int{}
	for k, v := range c {
		service, _, _ := strings.Cut(k, ":")
		out[service] += v
	}
	return out
}

func operationOf(key string) string {
	_, op, _ := strings.Cut(key, ":")
	return op
}

// Record is one request the proxy received.
type Record struct {
	Op       Op
	Method   string
	Path     string        // URL path, without the query
	Start    time.Time     // when the request arrived
	Duration time.Duration // until the response (or the dropped connection) was finished
	Status   int           // status sent to the client; 0 when the connection was dropped
	Fault    bool          // a fault rule decided the answer (or delayed it)
}
