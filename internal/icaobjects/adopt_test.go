package icaobjects

import (
	"errors"
	"strings"
	"testing"
)

type named struct{ name, id string }

func adopt(items []named, name string) (*named, error) {
	return AdoptByName(items, "things", name, func(n named) string { return n.name }, func(n named) string { return n.id })
}

func TestAdoptByName(t *testing.T) {
	items := []named{{"a", "id-1"}, {"b", "id-2"}, {"a", "id-3"}, {"c", "id-4"}, {"A", "id-5"}}

	if got, err := adopt(items, "missing"); got != nil || err != nil {
		t.Fatalf("no object of the name: want nil, nil; got %v, %v", got, err)
	}
	got, err := adopt(items, "b")
	if err != nil || got == nil || got.id != "id-2" {
		t.Fatalf("one object of the name: want id-2, got %v, %v", got, err)
	}
	// Names are case-sensitive, as in ICA: "c" is not "C".
	if got, err := adopt(items, "C"); got != nil || err != nil {
		t.Fatalf("case-sensitive names: want nil, nil; got %v, %v", got, err)
	}

	got, err = adopt(items, "a")
	var amb *AmbiguousNameError
	if got != nil || !errors.As(err, &amb) {
		t.Fatalf("two objects of the name: want an AmbiguousNameError, got %v, %v", got, err)
	}
	if amb.Name != "a" || strings.Join(amb.IDs, ",") != "id-1,id-3" {
		t.Fatalf("the error must name the name and every UUID in order: %+v", amb)
	}
	want := `ICA has 2 things named "a" (id-1, id-3), so the provider cannot tell which one is meant: import the one you mean by its UUID`
	if err.Error() != want {
		t.Fatalf("message\n got %q\nwant %q", err.Error(), want)
	}
}

func TestCallErrorWrapsTheCause(t *testing.T) {
	err := error(&CallError{Action: "update the secrets of", Object: "storage credential", Name: "x", Err: errFake})
	if !errors.Is(err, errFake) || err.Error() != `could not update the secrets of ICA storage credential "x": ICA answered 500` {
		t.Fatalf("got %q", err)
	}
	err = &CallError{Action: "list", Object: "storage credentials", Err: errFake}
	if err.Error() != "could not list ICA storage credentials: ICA answered 500" {
		t.Fatalf("got %q", err)
	}
}
