package connection

import (
	"context"
	"errors"
	"fmt"
)

// UserDirectory lists IAM users, for discovery only (terraform query); it needs iam:ListUsers and
// iam:ListUserTags, which nothing else asks for.
type UserDirectory interface {
	// ListUsers calls each for every user of the account (without tags) until it returns false.
	ListUsers(ctx context.Context, each func(User) bool) error
	ListUserTags(ctx context.Context, name string) (map[string]string, error)
}

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

// Discover finds connections, calling each for every one until it returns false. Users carrying this
// provider's ownership tags are connections it made: ListUsers returns no tags, so that costs one
// ListUsers call per 100 users plus one ListUserTags call per user (one, when the filter names the user).
// When the filter names a bucket and a credential, an untagged user whose attached managed policy grants
// that bucket is a connection made by hand; checking that costs ListAttachedUserPolicies per untagged
// user, and GetPolicy and GetPolicyVersion per attached policy.
func (c *Converger) Discover(ctx context.Context, dir UserDirectory, f Filter, each func(Found) bool) error {
	if f.UserName != "" {
		user, err := c.d.IAM.GetUser(ctx, f.UserName)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return stepErr("reading IAM user", quote(f.UserName), err)
		}
		found, ok, err := c.classify(ctx, f, user, user.Tags)
		if err != nil || !ok {
			return err
		}
		each(found)
		return nil
	}
	var inner error
	err := dir.ListUsers(ctx, func(u User) bool {
		tags, err := dir.ListUserTags(ctx, u.Name)
		if err != nil {
			inner = stepErr("listing tags of IAM user", quote(u.Name), err)
			return false
		}
		found, ok, err := c.classify(ctx, f, u, tags)
		if err != nil {
			inner = err
			return false
		}
		return !ok || each(found)
	})
	if err != nil {
		return stepErr("listing IAM users", "of the account", err)
	}
	return inner
}

// classify says whether user is a connection matching f: ours by its tags, else (with a bucket and
// credential in f) made by hand when an attached policy grants the bucket.
func (c *Converger) classify(ctx context.Context, f Filter, user User, tags map[string]string) (Found, bool, error) {
	if tags[TagManagedBy] == ManagedByValue && tags[TagBucket] != "" && tags[TagCredential] != "" {
		found := Found{Bucket: tags[TagBucket], UserName: user.Name, CredentialName: tags[TagCredential], Owned: true}
		return found, f.matches(found), nil
	}
	if !f.handMade() {
		return Found{}, false, nil
	}
	_, grants, err := c.grantingPolicy(ctx, user.Name, f.Bucket)
	if err != nil || !grants {
		return Found{}, false, err
	}
	return Found{Bucket: f.Bucket, UserName: user.Name, CredentialName: f.CredentialName}, true, nil
}

// ImportID is the string import ID of a found connection.
func (f Found) ImportID() string {
	return fmt.Sprintf("%s:%s:%s", f.Bucket, f.UserName, f.CredentialName)
}
