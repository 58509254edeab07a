package connection

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
)

// ensureUser makes sure the connection's IAM user exists with the configured tags: the user found
// before the apply is kept (its tags brought up to date), a missing one is created, and a leftover of an
// interrupted create of this connection is adopted. fresh is true when it was created now.
func (r *run) ensureUser(ctx context.Context) (fresh bool, err error) {
	spec := r.spec
	var u User
	switch {
	case r.o.userTagsUnread:
		u = *r.user
	case r.user != nil:
		u, err = *r.user, r.retagUser(ctx, *r.user)
	default:
		u, fresh, err = r.createUser(ctx)
	}
	if err != nil {
		if r.user == nil {
			r.update(func(st *State) { st.UserARN, st.AccessKeyID = "", "" })
		}
		return false, err
	}
	r.update(func(st *State) {
		st.UserARN = u.ARN
		st.Tags = maps.Clone(spec.Tags)
	})
	if r.user == nil {
		r.newUser = true
		if !fresh {
			r.adopted(fmt.Sprintf("IAM user %q was left by an unfinished create of this connection (it carries the provider's ownership tags and no claim) and was adopted", spec.UserName))
		}
	}
	return fresh, nil
}

// retagUser brings an existing user's tags up to date: the configured ones, and the ownership tags on a
// user this provider made.
func (r *run) retagUser(ctx context.Context, existing User) error {
	spec := r.spec
	want := maps.Clone(spec.Tags)
	if want == nil {
		want = map[string]string{}
	}
	if isOurs(existing.Tags, spec.Bucket) {
		maps.Copy(want, ownershipTags(spec))
	}
	changed := map[string]string{}
	for k, v := range want {
		if cur, ok := existing.Tags[k]; !ok || cur != v {
			changed[k] = v
		}
	}
	if len(changed) > 0 {
		if err := r.c.d.IAM.TagUser(ctx, spec.UserName, changed); err != nil {
			return stepErr("tagging IAM user", quote(spec.UserName), err)
		}
	}
	removed := slices.DeleteFunc(removedKeys(r.prior.Tags, spec.Tags), func(k string) bool {
		_, ok := existing.Tags[k]
		return !ok
	})
	if len(removed) > 0 {
		if err := r.c.d.IAM.UntagUser(ctx, spec.UserName, removed); err != nil {
			return stepErr("untagging IAM user", quote(spec.UserName), err)
		}
	}
	return nil
}

// createUser creates the user with ownership and configured tags. When it already exists, it is adopted
// only if it is a leftover of this connection (or the state records it).
func (r *run) createUser(ctx context.Context) (User, bool, error) {
	spec := r.spec
	tags := ownershipTags(spec)
	maps.Copy(tags, spec.Tags)
	u, err := r.c.d.IAM.CreateUser(ctx, spec.UserName, spec.Path, tags)
	if err == nil {
		return u, true, nil
	}
	if !errors.Is(err, ErrAlreadyExists) {
		return User{}, false, stepErr("creating IAM user", quote(spec.UserName), err)
	}
	u, gerr := r.c.d.IAM.GetUser(ctx, spec.UserName)
	if gerr != nil {
		return User{}, false, stepErr("reading existing IAM user", quote(spec.UserName), gerr)
	}
	if r.prior.UserARN == "" {
		if err := userNotAdoptable(u, spec); err != nil {
			return User{}, false, err
		}
		if err := r.partnerPolicyClaimed(ctx); err != nil {
			return User{}, false, err
		}
	}
	return u, false, nil
}

// removedKeys are the tag keys in prior that now no longer has, sorted.
func removedKeys(prior, now map[string]string) []string {
	var out []string
	for k := range prior {
		if _, ok := now[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}
