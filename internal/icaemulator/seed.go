package icaemulator

import (
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
)

// SeedSameName stores a copy of the storage credential, storage configuration or project with that id
// under a new UUID and the same name, and returns the new id. It is for tests only (no route or flag
// reaches it): the emulator's API refuses a second object of a name, a choice made because ICA does not
// document whether names are unique, while objects made in the ICA UI or by another tool may well
// share one. Clients that look objects up by name must then refuse to choose.
//
// The copy is like the original in every field the API returns except id and times, so responses stay
// valid against the OpenAPI document. A copied project is on ICA's own storage (no storage configuration),
// so that it does not take the original's folder; a copied configuration still validating validates on
// its own.
func (e *Emulator) SeedSameName(id string) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := time.Now()
	fresh := func(o object) object {
		return object{id: uuid.NewString(), created: now, modified: now, version: 1, shared: o.shared}
	}
	if c := e.findCredential(id); c != nil {
		dup := *c
		dup.object = fresh(c.object)
		e.creds = append(e.creds, &dup)
		return dup.id, nil
	}
	if c := e.findConfig(id); c != nil {
		dup := *c
		dup.object, dup.generation = fresh(c.object), 0
		e.configs = append(e.configs, &dup)
		if dup.status == statusInitializing {
			e.startValidation(&dup)
		}
		return dup.id, nil
	}
	if p, _ := lookup(e.projects, id); p != nil {
		dup := *p
		dup.object = fresh(p.object)
		dup.config, dup.subfolder = nil, ""
		dup.userTags, dup.technicalTags = slices.Clone(p.userTags), slices.Clone(p.technicalTags)
		e.projects = append(e.projects, &dup)
		return dup.id, nil
	}
	return "", fmt.Errorf("no storage credential, storage configuration or project with id %s", id)
}
