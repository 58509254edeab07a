package icaemulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/google/uuid"
)

const (
	mediaType        = "application/vnd.illumina.v3+json"
	problemMediaType = "application/problem+json"
	// maxBodyBytes bounds request bodies; ICA's are a few hundred bytes.
	maxBodyBytes = 1 << 20
)

// timestamp formats t the way the emulator writes every time: RFC 3339, UTC, milliseconds.
func timestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encoding the response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", mediaType)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeNoContent(w http.ResponseWriter) {
	w.WriteHeader(http.StatusNoContent)
}

// writeProblem writes an RFC 7807 body as ICA does: type, title, status, parameters and timestamp always,
// plus detail, instance (the request path) and a unique id.
func writeProblem(w http.ResponseWriter, r *http.Request, status int, detail string, params map[string]string) {
	if params == nil {
		params = map[string]string{}
	}
	p := wireProblem{
		Type:       "about:blank",
		Title:      http.StatusText(status),
		Status:     status,
		Detail:     detail,
		Instance:   r.URL.Path,
		Parameters: params,
		Timestamp:  timestamp(time.Now()),
		ID:         uuid.NewString(),
	}
	b, _ := json.Marshal(p) // only strings and ints: cannot fail
	w.Header().Set("Content-Type", problemMediaType)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// decodeBody reads a JSON request body in one of the media types ICA accepts into v. It answers the
// request itself (400 or 415) and returns false when the body is unusable.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || (mt != mediaType && mt != "application/json") {
		writeProblem(w, r, http.StatusUnsupportedMediaType,
			fmt.Sprintf("Content-Type %q is not supported; send %s or application/json.", ct, mediaType), nil)
		return false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		writeProblem(w, r, http.StatusBadRequest, "The request body could not be read: "+err.Error(), nil)
		return false
	}
	if len(body) == 0 {
		writeProblem(w, r, http.StatusBadRequest, "Required request body is missing.", nil)
		return false
	}
	if err := json.Unmarshal(body, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			writeProblem(w, r, http.StatusBadRequest, "The request body is not valid JSON for this operation.",
				map[string]string{typeErr.Field: "must be of type " + typeErr.Type.String()})
			return false
		}
		// The decoder's own message may quote part of the body, which can hold a secret: give the offset only.
		detail := "The request body is not valid JSON."
		var syntaxErr *json.SyntaxError
		if errors.As(err, &syntaxErr) {
			detail = fmt.Sprintf("The request body is not valid JSON (error at byte %d).", syntaxErr.Offset)
		}
		writeProblem(w, r, http.StatusBadRequest, detail, nil)
		return false
	}
	return true
}
