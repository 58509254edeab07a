package ica

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrNoCredentials is returned by every call that needs ICA when the client has neither an API key
// nor an access token. Calls that do not talk to ICA (the region table) work without them.
var ErrNoCredentials = errors.New("no ICA credentials configured: set api_key in the provider block " +
	"(or the ICA_API_KEY environment variable), or access_token (or ICA_ACCESS_TOKEN)")

// APIError is a non-2xx answer from ICA. ICA answers errors with application/problem+json
// (RFC 7807); the fields are empty when the body was something else (an HTML page from a proxy,
// nothing at all). It never holds request bodies or credentials.
type APIError struct {
	Method     string // HTTP method of the failed call
	Path       string // API path relative to the base URL, e.g. /api/storageCredentials
	StatusCode int
	Type       string
	Title      string
	Detail     string
	Instance   string
	ID         string // ICA's error id: quote it to Illumina support
	Parameters map[string]string
	// Hint is a sentence saying what to do, added by the client where the cause is known
	// (a rejected API key or access token).
	Hint string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ICA %s %s failed: %d", e.Method, e.Path, e.StatusCode)
	statusText := http.StatusText(e.StatusCode)
	if statusText != "" {
		b.WriteString(" " + statusText)
	}
	if e.Title != "" && !strings.EqualFold(e.Title, statusText) {
		b.WriteString(": " + e.Title)
	}
	if e.Detail != "" && e.Detail != e.Title {
		b.WriteString(": " + e.Detail)
	}
	if len(e.Parameters) > 0 {
		keys := make([]string, 0, len(e.Parameters))
		for k := range e.Parameters {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + e.Parameters[k]
		}
		b.WriteString(" (" + strings.Join(parts, "; ") + ")")
	}
	if e.ID != "" {
		b.WriteString(" [ICA error id " + e.ID + "]")
	}
	if e.Hint != "" {
		b.WriteString(". " + e.Hint)
	}
	return b.String()
}

// IsNotFound reports whether err is an ICA 404 (the object does not exist or is not visible).
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

// IsConflict reports whether err is an ICA 409 (typically: an object with that name exists).
func IsConflict(err error) bool { return hasStatus(err, http.StatusConflict) }

func hasStatus(err error, status int) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode == status
}

// maxErrorText bounds how much of a non-JSON error body ends up in an error message.
const maxErrorText = 200

// newAPIError decodes an error response tolerantly: any JSON object is read for the RFC 7807
// members whatever its content type, members of unexpected JSON types are rendered as text, and a
// short plain-text body becomes the detail. HTML and empty bodies leave only the status.
func newAPIError(method, path string, status int, header http.Header, body []byte) *APIError {
	e := &APIError{Method: method, Path: path, StatusCode: status}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var members map[string]json.RawMessage
		if json.Unmarshal(trimmed, &members) == nil {
			e.Type = jsonText(members["type"])
			e.Title = jsonText(members["title"])
			e.Detail = jsonText(members["detail"])
			e.Instance = jsonText(members["instance"])
			e.ID = jsonText(members["id"])
			var params map[string]json.RawMessage
			if json.Unmarshal(members["parameters"], &params) == nil && len(params) > 0 {
				e.Parameters = make(map[string]string, len(params))
				for k, v := range params {
					e.Parameters[k] = jsonText(v)
				}
			}
			return e
		}
	}
	mediaType, _, _ := mime.ParseMediaType(header.Get("Content-Type"))
	if mediaType == "text/plain" && utf8.Valid(trimmed) {
		text := strings.Join(strings.Fields(string(trimmed)), " ")
		if len(text) > maxErrorText {
			text = strings.ToValidUTF8(text[:maxErrorText], "") + "…"
		}
		e.Detail = text
	}
	return e
}

// jsonText renders a JSON value as text: strings unquoted, null and absent as "", anything else
// (numbers, objects) compacted.
func jsonText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) == nil {
		return buf.String()
	}
	return strconv.Quote(string(raw))
}

// redact replaces every occurrence of the given secrets in the error's text fields; used when a
// request carried a secret that the server might echo back.
func (e *APIError) redact(secrets []string) {
	for _, s := range secrets {
		if s == "" {
			continue
		}
		e.Title = strings.ReplaceAll(e.Title, s, redacted)
		e.Detail = strings.ReplaceAll(e.Detail, s, redacted)
		e.Instance = strings.ReplaceAll(e.Instance, s, redacted)
		for k, v := range e.Parameters {
			e.Parameters[k] = strings.ReplaceAll(v, s, redacted)
		}
	}
}
