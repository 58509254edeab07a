package icaemulator

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// object is what every stored object has: its id, its times, whether it is shared with the tenant, and
// the version behind its ETag.
type object struct {
	id       string
	shared   bool
	created  time.Time
	modified time.Time
	version  int
}

func (o *object) ident() *object { return o }

// touch records a change: a new modification time and a new ETag.
func (o *object) touch() {
	o.modified = time.Now()
	o.version++
}

// etag identifies one version of an object; ICA returns one on create and get.
func (o *object) etag() string {
	return `"` + o.id + "-" + strconv.Itoa(o.version) + `"`
}

// stored is a pointer to a stored object type (*credential, *storageConfig, *project).
type stored interface{ ident() *object }

// lookup returns the item with that id and its object, or a nil object; callers hold e.mu.
func lookup[T stored](items []T, id string) (T, *object) {
	for _, it := range items {
		if o := it.ident(); o.id == id {
			return it, o
		}
	}
	var zero T
	return zero, nil
}

// remove deletes the item with that id; callers hold e.mu.
func remove[T stored](items []T, id string) ([]T, bool) {
	i := slices.IndexFunc(items, func(it T) bool { return it.ident().id == id })
	if i < 0 {
		return items, false
	}
	return slices.Delete(items, i, i+1), true
}

// kind names an object type in messages and finds its objects; callers of find hold e.mu.
type kind struct {
	noun   string // "Storage credential"
	find   func(id string) *object
	remove func(id string) bool
}

func (e *Emulator) credentialKind() kind {
	return kind{
		noun:   nounCredential,
		find:   func(id string) *object { _, o := lookup(e.creds, id); return o },
		remove: func(id string) (ok bool) { e.creds, ok = remove(e.creds, id); return ok },
	}
}

func (e *Emulator) configKind() kind {
	return kind{
		noun:   nounConfig,
		find:   func(id string) *object { _, o := lookup(e.configs, id); return o },
		remove: func(id string) (ok bool) { e.configs, ok = remove(e.configs, id); return ok },
	}
}

// Nouns of the object kinds in messages.
const (
	nounCredential = "Storage credential" //nolint:gosec // G101: a noun in messages, not a credential
	nounConfig     = "Storage configuration"
)

func writeNotFound(w http.ResponseWriter, r *http.Request, noun, id string) {
	writeProblem(w, r, http.StatusNotFound, fmt.Sprintf("%s %s was not found.", noun, id), nil)
}

// share is :share of any kind: shared with the whole tenant; sharing again is a no-op (ICA has no unshare).
func (e *Emulator) share(k kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		e.mu.Lock()
		o := k.find(id)
		if o != nil && !o.shared {
			o.shared = true
			o.touch()
		}
		e.mu.Unlock()
		if o == nil {
			writeNotFound(w, r, k.noun, id)
			return
		}
		writeNoContent(w)
	}
}

// vanish is the control that removes an object as if deleted in the ICA UI.
func (e *Emulator) vanish(k kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		e.mu.Lock()
		found := k.remove(id)
		e.mu.Unlock()
		if !found {
			writeProblem(w, r, http.StatusNotFound, "No "+strings.ToLower(k.noun)+" with id "+id+".", nil)
			return
		}
		writeNoContent(w)
	}
}
