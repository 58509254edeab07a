package icaemulator

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
)

const credentialTypeAWSUser = "AWS_USER"

// credential is a stored storage credential. The secret is kept to validate buckets with and is only
// ever shown as a SHA-256 by the test controls.
type credential struct {
	id, name, typ   string
	accessKeyID     string
	secretAccessKey string
	shared          bool
	created         time.Time
	modified        time.Time
	version         int
}

func (e *Emulator) credentialWire(c *credential) wireStorageCredential {
	tenant := TenantName
	return wireStorageCredential{
		ID:           c.id,
		TimeCreated:  timestamp(c.created),
		TimeModified: timestamp(c.modified),
		OwnerID:      e.ownerID,
		TenantID:     e.tenantID,
		TenantName:   &tenant,
		Name:         c.name,
		Type:         c.typ,
	}
}

// etag identifies one version of an object; ICA returns one on create and get.
func etag(id string, version int) string {
	return `"` + id + "-" + strconv.Itoa(version) + `"`
}

// findCredential returns the credential with that id; callers hold e.mu.
func (e *Emulator) findCredential(id string) *credential {
	for _, c := range e.creds {
		if c.id == id {
			return c
		}
	}
	return nil
}

func (e *Emulator) listCredentials(w http.ResponseWriter, _ *http.Request) {
	e.mu.Lock()
	items := make([]wireStorageCredential, 0, len(e.creds))
	for _, c := range e.creds {
		items = append(items, e.credentialWire(c))
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, wireList[wireStorageCredential]{Items: items})
}

func (e *Emulator) getCredential(w http.ResponseWriter, r *http.Request, id string) {
	e.mu.Lock()
	c := e.findCredential(id)
	var out wireStorageCredential
	var tag string
	if c != nil {
		out, tag = e.credentialWire(c), etag(c.id, c.version)
	}
	e.mu.Unlock()
	if c == nil {
		writeCredentialNotFound(w, r, id)
		return
	}
	w.Header().Set("ETag", tag)
	writeJSON(w, http.StatusOK, out)
}

func writeCredentialNotFound(w http.ResponseWriter, r *http.Request, id string) {
	writeProblem(w, r, http.StatusNotFound, fmt.Sprintf("Storage credential %s was not found.", id), nil)
}

func (e *Emulator) createCredential(w http.ResponseWriter, r *http.Request) {
	var req reqCreateStorageCredential
	if !decodeBody(w, r, &req) {
		return
	}
	bad := fieldErrors{}
	if bad.required("name", req.Name) && bad.size("name", *req.Name, 1, 150) {
		bad.pattern("name", *req.Name, credentialNamePattern)
	}
	bad.enum("type", req.Type, credentialTypeAWSUser)
	if req.AWSCredentials == nil {
		bad["awsCredentials"] = "must not be null"
	} else {
		bad.awsCredentials("awsCredentials", req.AWSCredentials)
	}
	if len(bad) > 0 {
		writeProblem(w, r, http.StatusBadRequest, "The storage credential is invalid.", bad)
		return
	}

	now := time.Now()
	e.mu.Lock()
	for _, c := range e.creds {
		if c.name == *req.Name {
			e.mu.Unlock()
			writeProblem(w, r, http.StatusConflict,
				fmt.Sprintf("A storage credential named %s already exists (id %s).", *req.Name, c.id),
				map[string]string{"name": "must be unique"})
			return
		}
	}
	c := &credential{
		id:              uuid.NewString(),
		name:            *req.Name,
		typ:             *req.Type,
		accessKeyID:     *req.AWSCredentials.AccessKeyID,
		secretAccessKey: *req.AWSCredentials.SecretAccessKey,
		created:         now,
		modified:        now,
		version:         1,
	}
	e.creds = append(e.creds, c)
	out, tag := e.credentialWire(c), etag(c.id, c.version)
	e.mu.Unlock()
	w.Header().Set("ETag", tag)
	writeJSON(w, http.StatusCreated, out)
}

func (e *Emulator) updateCredentialSecrets(w http.ResponseWriter, r *http.Request, id string) {
	e.mu.Lock()
	exists := e.findCredential(id) != nil
	e.mu.Unlock()
	if !exists {
		writeCredentialNotFound(w, r, id)
		return
	}
	var req reqUpdateSecrets
	if !decodeBody(w, r, &req) {
		return
	}
	bad := fieldErrors{}
	if req.AWSCredentials == nil {
		bad["awsCredentials"] = "must not be null"
	} else {
		bad.awsCredentials("awsCredentials", req.AWSCredentials)
	}
	if len(bad) > 0 {
		writeProblem(w, r, http.StatusBadRequest, "The storage credential secrets are invalid.", bad)
		return
	}
	e.mu.Lock()
	c := e.findCredential(id)
	if c != nil {
		c.accessKeyID = *req.AWSCredentials.AccessKeyID
		c.secretAccessKey = *req.AWSCredentials.SecretAccessKey
		c.modified = time.Now()
		c.version++
	}
	e.mu.Unlock()
	if c == nil { // vanished while the body was read
		writeCredentialNotFound(w, r, id)
		return
	}
	writeNoContent(w)
}

// shareCredential shares with the whole tenant; sharing again is a no-op (there is no unshare).
func (e *Emulator) shareCredential(w http.ResponseWriter, r *http.Request, id string) {
	e.mu.Lock()
	c := e.findCredential(id)
	if c != nil && !c.shared {
		c.shared = true
		c.modified = time.Now()
		c.version++
	}
	e.mu.Unlock()
	if c == nil {
		writeCredentialNotFound(w, r, id)
		return
	}
	writeNoContent(w)
}
