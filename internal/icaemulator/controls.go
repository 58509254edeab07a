package icaemulator

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
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

// controlRoutes is the routing table of the test controls:
//
//	GET    /_emulator/requests                 the API request log
//	DELETE /_emulator/requests                 empty the log
//	GET    /_emulator/credentials              stored credentials (secret as SHA-256)
//	DELETE /_emulator/credentials/{id}         make a credential vanish, as if deleted in the ICA UI
//	DELETE /_emulator/storageConfigurations/{id}  same for a storage configuration
//	GET    /_emulator/projects                 every project, hidden ones included
//	DELETE /_emulator/projects/{id}            a project vanishes (ICA cannot delete; for drift tests)
//	POST   /_emulator/storageBundles           add a storage bundle to a region
//	GET    /_emulator/faults                   active fault rules (count = what is left)
//	POST   /_emulator/faults                   add a fault rule (see Fault)
//	DELETE /_emulator/faults                   remove every fault rule
func (e *Emulator) controlRoutes() *http.ServeMux {
	mux := http.NewServeMux()
	handle(mux, controlPrefix+"requests", methods{http.MethodGet: e.listRequests, http.MethodDelete: e.clearRequests}, nil)
	handle(mux, controlPrefix+"credentials", methods{http.MethodGet: e.controlCredentials}, nil)
	handle(mux, controlPrefix+"credentials/{id}", methods{http.MethodDelete: e.vanish(e.credentialKind())}, nil)
	handle(mux, controlPrefix+"storageConfigurations/{id}", methods{http.MethodDelete: e.vanish(e.configKind())}, nil)
	handle(mux, controlPrefix+"projects", methods{http.MethodGet: e.controlProjects}, nil)
	handle(mux, controlPrefix+"projects/{id}", methods{http.MethodDelete: e.vanish(e.projectKind())}, nil)
	handle(mux, controlPrefix+"storageBundles", methods{http.MethodPost: e.addBundle}, nil)
	handle(mux, controlPrefix+"faults", methods{
		http.MethodGet:    func(w http.ResponseWriter, _ *http.Request) { writeControlJSON(w, http.StatusOK, e.faults.list()) },
		http.MethodPost:   e.addFault,
		http.MethodDelete: func(w http.ResponseWriter, _ *http.Request) { e.faults.clear(); writeNoContent(w) },
	}, nil)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, http.StatusNotFound, "No emulator control at "+r.URL.Path+".", nil)
	})
	return mux
}

func (e *Emulator) listRequests(w http.ResponseWriter, _ *http.Request) {
	e.mu.Lock()
	out := make([]ControlRequest, len(e.requests))
	for i, req := range e.requests {
		out[i] = *req
	}
	e.mu.Unlock()
	writeControlJSON(w, http.StatusOK, out)
}

func (e *Emulator) clearRequests(w http.ResponseWriter, _ *http.Request) {
	e.mu.Lock()
	e.requests = nil
	e.mu.Unlock()
	writeNoContent(w)
}

func (e *Emulator) controlCredentials(w http.ResponseWriter, _ *http.Request) {
	e.mu.Lock()
	out := make([]ControlCredential, 0, len(e.creds))
	for _, c := range e.creds {
		out = append(out, ControlCredential{ID: c.id, Name: c.name, AccessKeyID: c.accessKeyID, SecretSha256: SecretSHA256(c.secretAccessKey), Shared: c.shared})
	}
	e.mu.Unlock()
	writeControlJSON(w, http.StatusOK, out)
}

// decodeControl reads a control's JSON body into v, answering a 400 itself when it cannot.
func decodeControl(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err == nil {
		err = json.Unmarshal(body, v)
	}
	if err != nil {
		writeProblem(w, r, http.StatusBadRequest, "The body is not valid JSON: "+err.Error(), nil)
		return false
	}
	return true
}

func (e *Emulator) addFault(w http.ResponseWriter, r *http.Request) {
	var f Fault
	if !decodeControl(w, r, &f) {
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
