package connection

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Found names a connection discovery found: the three parts of its import ID.
type Found struct {
	Bucket, UserName, CredentialName string
	// Owned is true when the IAM user carries this provider's ownership tags (a connection it made).
	Owned bool
}

// Filter narrows discovery; empty fields match anything.
type Filter struct {
	Bucket, CredentialName, UserName string
}

func (f Filter) matches(found Found) bool {
	return (f.Bucket == "" || f.Bucket == found.Bucket) &&
		(f.CredentialName == "" || f.CredentialName == found.CredentialName) &&
		(f.UserName == "" || f.UserName == found.UserName)
}

// handMade reports whether the filter names a connection well enough to look for one made by hand.
func (f Filter) handMade() bool { return f.Bucket != "" && f.CredentialName != "" }

// ImportID is the string import ID of a found connection.
func (f Found) ImportID() string {
	return fmt.Sprintf("%s:%s:%s", f.Bucket, f.UserName, f.CredentialName)
}

// Discover finds connections (for terraform query), calling each for every one, in user name order, until
// it returns false. Users carrying this provider's ownership tags are connections it made. IAM's
// ListUsers returns no tags, so that costs one ListUsers call per 1,000 users plus one GetUser per user
// (just the GetUser when the filter names the user). When the filter names a bucket and a credential, a
// user without the ownership tags whose attached managed policy grants that bucket is a connection made by
// hand; checking that adds ListAttachedUserPolicies per such user, and GetPolicy and GetPolicyVersion per
// attached policy.
func (c *Converger) Discover(ctx context.Context, f Filter, each func(Found) bool) error {
	names := []string{f.UserName}
	if f.UserName == "" {
		users, err := c.d.IAM.ListUsers(ctx)
		if err != nil {
			return stepErr("listing IAM users", "of the account", err)
		}
		names = names[:0]
		for _, u := range users {
			names = append(names, u.Name)
		}
		slices.SortFunc(names, strings.Compare)
	}
	for _, name := range names {
		user, err := c.d.IAM.GetUser(ctx, name)
		if errors.Is(err, ErrNotFound) {
			continue // deleted since the list, or the filter names no user
		}
		if err != nil {
			return stepErr("reading IAM user", quote(name), err)
		}
		found, ok, err := c.classify(ctx, f, user)
		if err != nil {
			return err
		}
		if ok && !each(found) {
			return nil
		}
	}
	return nil
}

// classify says whether user is a connection matching f: ours by its tags, else (with a bucket and
// credential in f) made by hand when an attached policy grants the bucket.
func (c *Converger) classify(ctx context.Context, f Filter, user User) (Found, bool, error) {
	tags := user.Tags
	if tags[TagManagedBy] == ManagedByValue && tags[TagBucket] != "" && tags[TagCredential] != "" {
		found := Found{Bucket: tags[TagBucket], UserName: user.Name, CredentialName: tags[TagCredential], Owned: true}
		return found, f.matches(found), nil
	}
	if !f.handMade() {
		return Found{}, false, nil
	}
	g, err := c.grantingPolicy(ctx, f.Bucket, user.Name)
	if err != nil || g == nil {
		return Found{}, false, err
	}
	return Found{Bucket: f.Bucket, UserName: user.Name, CredentialName: f.CredentialName}, true, nil
}
