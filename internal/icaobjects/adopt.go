package icaobjects

import (
	"fmt"
	"strings"
)

// AmbiguousNameError says that several ICA objects share a name, so none can be adopted or imported by
// it. ICA cannot delete them, so the user must pick one by UUID.
type AmbiguousNameError struct {
	Kind string // plural, e.g. "storage credentials"
	Name string
	IDs  []string
}

func (e *AmbiguousNameError) Error() string {
	return fmt.Sprintf("ICA has %d %s named %q (%s), so the provider cannot tell which one is meant: import the "+
		"one you mean by its UUID", len(e.IDs), e.Kind, e.Name, strings.Join(e.IDs, ", "))
}

// AdoptByName is the one rule for adopting an ICA object by name: no object of that name is (nil, nil),
// exactly one is adopted, and several are an *AmbiguousNameError listing their UUIDs. kind names the
// objects in the plural for that error.
func AdoptByName[T any](items []T, kind, name string, nameOf, idOf func(T) string) (*T, error) {
	var found []int
	for i := range items {
		if nameOf(items[i]) == name {
			found = append(found, i)
		}
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
		return &items[found[0]], nil
	}
	ids := make([]string, len(found))
	for i, j := range found {
		ids[i] = idOf(items[j])
	}
	return nil, &AmbiguousNameError{Kind: kind, Name: name, IDs: ids}
}

// CallError is a failed ICA call, with what was being done (a verb phrase such as "list" or "update the
// secrets of") to which object, so that the caller can say so.
type CallError struct {
	Action string // "list", "validate", "update the secrets of"
	Object string // "storage credential", "storage configurations"
	Name   string // the object's name; empty for a list
	Err    error
}

func (e *CallError) Error() string {
	if e.Name == "" {
		return fmt.Sprintf("could not %s ICA %s: %v", e.Action, e.Object, e.Err)
	}
	return fmt.Sprintf("could not %s ICA %s %q: %v", e.Action, e.Object, e.Name, e.Err)
}

func (e *CallError) Unwrap() error { return e.Err }
