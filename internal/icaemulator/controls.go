package icaemulator

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// controlPrefix is where the test controls live. They need no authentication, are never faulted, and are
// not in the request log: tests count API calls with that log.
const controlPrefix = "/_emulator/"

// ControlCredential is one item of GET /_emulator/credentials: the stored secret only as a SHA-256, so a
// test can check which secret ICA holds without the secret being anywhere else.
type ControlCredential struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	AccessKeyID  string `json:"accessKeyId"`
	SecretSha256 string `json:"secretSha256"`
	// Shared tells whether :share was called (the API itself does not show it).
	Shared bool `json:"shared"`
}

// SecretSHA256 is how GET /_emulator/credentials shows a secret.
func SecretSHA256(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// serveControl implements:
//
//	GET    /_emulator/requests                 the API request log
//	DELETE /_emulator/requests                 empty the log
//	GET    /_emulator/credentials              stored credentials (secret as SHA-256)
//	DELETE /_emulator/credentials/{id}         make a credential vanish, as if deleted in the ICA UI
//	DELETE /_emulator/storageConfigurations/{id}  same for a storage configuration
//	GET    /_emulator/faults                   active fault rules (count = what is left)
//	POST   /_emulator/faults                   add a fault rule (see Fault)
//	DELETE /_emulator/faults                   remove every fault rule
func (e *Emulator) serveControl(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, controlPrefix)
	switch {
	case p == "requests":
		if !allowMethods(w, r, http.MethodGet, http.MethodDelete) {
			return
		}
		e.mu.Lock()
		out := make([]ControlRequest, len(e.requests))
		for i, req := range e.requests {
			out[i] = *req
		}
		if r.Method == http.MethodDelete {
			e.requests = nil
		}
		e.mu.Unlock()
		if r.Method == http.MethodDelete {
			writeNoContent(w)
			return
		}
		writeControlJSON(w, http.StatusOK, out)
	case p == "credentials":
		if !allowMethods(w, r, http.MethodGet) {
			return
		}
		e.mu.Lock()
		out := make([]ControlCredential, 0, len(e.creds))
		for _, c := range e.creds {
			out = append(out, ControlCredential{ID: c.id, Name: c.name, AccessKeyID: c.accessKeyID, SecretSha256: SecretSHA256(c.secretAccessKey), Shared: c.shared})
		}
		e.mu.Unlock()
		writeControlJSON(w, http.StatusOK, out)
	case strings.HasPrefix(p, "credentials/"):
		if !allowMethods(w, r, http.MethodDelete) {
			return
		}
		id := strings.TrimPrefix(p, "credentials/")
		e.mu.Lock()
		found := false
		for i, c := range e.creds {
			if c.id == id {
				e.creds = append(e.creds[:i:i], e.creds[i+1:]...)
				found = true
				break
			}
		}
		e.mu.Unlock()
		if !found {
			writeProblem(w, r, http.StatusNotFound, "No storage credential with id "+id+".", nil)
			return
		}
		writeNoContent(w)
	case strings.HasPrefix(p, "storageConfigurations/"):
		if !allowMethods(w, r, http.MethodDelete) {
			return
		}
		id := strings.TrimPrefix(p, "storageConfigurations/")
		e.mu.Lock()
		found := false
		for i, c := range e.configs {
			if c.id == id {
				e.configs = append(e.configs[:i:i], e.configs[i+1:]...)
				found = true
				break
			}
		}
		e.mu.Unlock()
		if !found {
			writeProblem(w, r, http.StatusNotFound, "No storage configuration with id "+id+".", nil)
			return
		}
		writeNoContent(w)
	case p == "faults":
		if !allowMethods(w, r, http.MethodGet, http.MethodPost, http.MethodDelete) {
			return
		}
		switch r.Method {
		case http.MethodGet:
			writeControlJSON(w, http.StatusOK, e.faults.list())
		case http.MethodDelete:
			e.faults.clear()
			writeNoContent(w)
		default:
			var f Fault
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
			if err == nil {
				err = json.Unmarshal(body, &f)
			}
			if err != nil {
				writeProblem(w, r, http.StatusBadRequest, "The fault is not valid JSON: "+err.Error(), nil)
				return
			}
			rule, bad := parseFault(f)
			if bad != nil {
				writeProblem(w, r, http.StatusBadRequest, "The fault rule is invalid.", bad)
				return
			}
			e.faults.add(rule)
			writeControlJSON(w, http.StatusCreated, f)
		}
	default:
		writeProblem(w, r, http.StatusNotFound, "No emulator control at "+r.URL.Path+".", nil)
	}
}

func writeControlJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encoding the response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
