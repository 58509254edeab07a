package icaemulator

import (
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
)

const credentialTypeAWSUser = "AWS_USER"

// credential is a stored storage credential. The secret is kept to validate buckets with and is only
// ever shown as a SHA-256 by the test controls.
type credential struct {
	object
	name, typ       string
	accessKeyID     string
	secretAccessKey string
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

// findCredential returns the credential with that id; callers hold e.mu.
func (e *Emulator) findCredential(id string) *credential {
	c, _ := lookup(e.creds, id)
	return c
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

func (e *Emulator) getCredential(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	e.mu.Lock()
	c := e.findCredential(id)
	var out wireStorageCredential
	var tag string
	if c != nil {
		out, tag = e.credentialWire(c), c.etag()
	}
	e.mu.Unlock()
	if c == nil {
		writeNotFound(w, r, nounCredential, id)
		return
	}
	w.Header().Set("ETag", tag)
	writeJSON(w, http.StatusOK, out)
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
		object:          object{id: uuid.NewString(), created: now, modified: now, version: 1},
		name:            *req.Name,
		typ:             *req.Type,
		accessKeyID:     *req.AWSCredentials.AccessKeyID,
		secretAccessKey: *req.AWSCredentials.SecretAccessKey,
	}
	e.creds = append(e.creds, c)
	out, tag := e.credentialWire(c), c.etag()
	e.mu.Unlock()
	w.Header().Set("ETag", tag)
	writeJSON(w, http.StatusCreated, out)
}

func (e *Emulator) updateCredentialSecrets(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	e.mu.Lock()
	exists := e.findCredential(id) != nil
	e.mu.Unlock()
	if !exists {
		writeNotFound(w, r, nounCredential, id)
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
		c.touch()
	}
	e.mu.Unlock()
	if c == nil { // vanished while the body was read
		writeNotFound(w, r, nounCredential, id)
		return
	}
	writeNoContent(w)
}
