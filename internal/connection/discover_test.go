package connection

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

func discoverAll(t *testing.T, w *world, f Filter) []Found {
	t.Helper()
	var out []Found
	if err := w.converger().Discover(context.Background(), f, func(x Found) bool { out = append(out, x); return true }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDiscover(t *testing.T) {
	w := testWorld()
	ours := testSpec("ica/")
	mustApply(t, w.converger(), ours, State{})
	ours2 := testSpec("two/")
	mustApply(t, w.converger(), ours2, State{})
	// A hand-made connection of the same bucket: an untagged user with the documented policy attached.
	hand := testSpec("runs/")
	hand.UserName, hand.PolicyName, hand.CredentialName = "illumina_ica_admin", "illumina-ica-admin-policy", "by-hand"
	mustApply(t, w.converger(), hand, State{})
	w.users[hand.UserName].tags = map[string]string{"team": "genomics"}
	// Someone else's user, tagged, and one with no policy.
	w.users["other-tagged"] = &fakeUser{name: "other-tagged", tags: map[string]string{TagManagedBy: "someone-else"}}
	w.users["lonely"] = &fakeUser{name: "lonely"}

	oursFound := Found{Bucket: ours.Bucket, UserName: ours.UserName, CredentialName: ours.CredentialName, Owned: true}
	ours2Found := Found{Bucket: ours2.Bucket, UserName: ours2.UserName, CredentialName: ours2.CredentialName, Owned: true}
	handFound := Found{Bucket: hand.Bucket, UserName: hand.UserName, CredentialName: "by-hand"}

	for _, tc := range []struct {
		name   string
		filter Filter
		want   []Found
		// wantCalls are exact counts of the discovery calls.
		wantCalls map[string]int
	}{
		// 5 users: one list, one GetUser each (for the tags), no policy read.
		{name: "by ownership tags", want: []Found{oursFound, ours2Found},
			wantCalls: map[string]int{"ListUsers": 1, "GetUser": 5, "ListAttachedUserPolicies": 0}},
		{name: "by ownership tags and credential", filter: Filter{CredentialName: ours2.CredentialName}, want: []Found{ours2Found}},
		{name: "another bucket", filter: Filter{Bucket: "elsewhere"},
			wantCalls: map[string]int{"ListUsers": 1, "GetUser": 5}},
		{name: "hand-made by bucket and credential", filter: Filter{Bucket: hand.Bucket, CredentialName: "by-hand"}, want: []Found{handFound},
			// the three users without our tags have their policies checked; ours are told apart by their tags
			wantCalls: map[string]int{"ListUsers": 1, "GetUser": 5, "ListAttachedUserPolicies": 3}},
		{name: "by user name", filter: Filter{UserName: ours.UserName}, want: []Found{oursFound},
			wantCalls: map[string]int{"ListUsers": 0, "GetUser": 1}},
		{name: "missing user", filter: Filter{UserName: "nobody"},
			wantCalls: map[string]int{"ListUsers": 0, "GetUser": 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w.calls = map[string]int{}
			got := discoverAll(t, w, tc.filter)
			if !slices.Equal(got, tc.want) {
				t.Errorf("found %+v, want %+v", got, tc.want)
			}
			for op, n := range tc.wantCalls {
				if w.calls[op] != n {
					t.Errorf("%s called %d times, want %d (all: %v)", op, w.calls[op], n, w.calls)
				}
			}
		})
	}

	t.Run("stops when told", func(t *testing.T) {
		n := 0
		err := w.converger().Discover(context.Background(), Filter{}, func(Found) bool { n++; return false })
		if err != nil || n != 1 {
			t.Errorf("err %v, %d results after the first returned false", err, n)
		}
	})
	t.Run("a failing list is the error", func(t *testing.T) {
		w.faults["ListUsers"] = errors.New("AccessDenied: iam:ListUsers")
		err := w.converger().Discover(context.Background(), Filter{}, func(Found) bool { return true })
		if err == nil || !strings.Contains(err.Error(), "iam:ListUsers") {
			t.Fatalf("want the ListUsers denial, got %v", err)
		}
	})
}
