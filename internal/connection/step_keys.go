package connection

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
	"github.com/ica-tf/terraform-provider-ica/internal/wait"
)

// maxAccessKeys is IAM's limit of access keys per user.
const maxAccessKeys = 2

// keyPlan is how to reach "exactly one working key, held by ICA" without a gap: delete what blocks the
// new key, create it, (wait, hand it to ICA,) then delete the old ones.
type keyPlan struct {
	create      bool
	deleteFirst []string
	deleteAfter []string
	// sweep: the user is ours, so if the create was retried (an earlier attempt may have made a key whose
	// answer was lost), any other key found once the new one is in ICA is deleted too.
	sweep bool
	// sweepIfOurs: the user's tags were not read; sweep if a retried create makes it matter and they
	// turn out to be ours.
	sweepIfOurs bool
}

// planKeys decides the key steps. current is the key recorded in state. mustReplace asks for a new key
// (rotation, or ICA needs a secret we do not keep). owned says the user carries our ownership tags:
// then every other key is a leftover of an interrupted run of ours, and the run is finished (new key,
// ICA updated, leftovers deleted). Keys of a user that is ours only because it is in state (imported)
// are someone else's: they are left alone, and if one blocks the new key the plan is refused.
func planKeys(user string, keys []AccessKey, current string, mustReplace, owned bool) (keyPlan, error) {
	var cur *AccessKey
	var others []AccessKey
	for i := range keys {
		if current != "" && keys[i].ID == current {
			cur = &keys[i]
		} else {
			others = append(others, keys[i])
		}
	}
	// Oldest first: the newest leftover is the most likely to be the one ICA holds, so it goes last.
	slices.SortStableFunc(others, func(a, b AccessKey) int { return a.Created.Compare(b.Created) })

	var p keyPlan
	p.create = mustReplace || cur == nil || !cur.Active || (owned && len(others) > 0)
	if !p.create {
		return p, nil
	}
	p.sweep = owned
	var ours []string
	if owned {
		for _, k := range others {
			ours = append(ours, k.ID)
		}
	}
	// Keys that stay until ICA holds the new one: the current key (if it still works) and our leftovers.
	remaining := len(keys)
	if cur != nil && !cur.Active {
		// A deactivated key works for no one: it goes first.
		p.deleteFirst = append(p.deleteFirst, cur.ID)
		remaining--
	}
	for remaining >= maxAccessKeys && len(ours) > 0 {
		p.deleteFirst = append(p.deleteFirst, ours[0])
		ours = ours[1:]
		remaining--
	}
	if remaining >= maxAccessKeys {
		var foreign []string
		for _, k := range others {
			foreign = append(foreign, k.ID)
		}
		return keyPlan{}, fmt.Errorf("IAM user %q already has %d access keys and %s not managed by this connection, so a new key cannot be created: delete the key that is not in use (aws iam delete-access-key --user-name %s --access-key-id KEY_ID) and apply again",
			user, len(keys), describeForeign(foreign), user)
	}
	if cur != nil && cur.Active {
		p.deleteAfter = append(p.deleteAfter, cur.ID)
	}
	p.deleteAfter = append(p.deleteAfter, ours...)
	return p, nil
}

func describeForeign(ids []string) string {
	if len(ids) == 1 {
		return "key " + ids[0] + " is"
	}
	return "keys " + strings.Join(ids, ", ") + " are"
}

func findKey(keys []AccessKey, id string) *AccessKey {
	if id == "" {
		return nil
	}
	if i := slices.IndexFunc(keys, func(k AccessKey) bool { return k.ID == id }); i >= 0 {
		return &keys[i]
	}
	return nil
}

func hasOtherKey(keys []AccessKey, current string) bool {
	return slices.ContainsFunc(keys, func(k AccessKey) bool { return k.ID != current })
}

func hasOtherActiveKey(keys []AccessKey, current string) bool {
	return slices.ContainsFunc(keys, func(k AccessKey) bool { return k.ID != current && k.Active })
}

// planNewUsersKeys plans the keys of a user created or adopted by this apply: every existing key is a
// leftover of an interrupted run of ours (a user created just now has none: no need to ask).
func (r *run) planNewUsersKeys(ctx context.Context, fresh bool) error {
	spec, prior := r.spec, r.prior
	var keys []AccessKey
	if !fresh {
		var err error
		if keys, err = r.c.d.IAM.ListAccessKeys(ctx, spec.UserName); err != nil {
			return stepErr("listing access keys of IAM user", quote(spec.UserName), err)
		}
	}
	kp, err := planKeys(spec.UserName, keys, prior.AccessKeyID, true, true)
	if err != nil {
		return err
	}
	r.keys = kp
	if !fresh && prior.AccessKeyID != "" && findKey(keys, prior.AccessKeyID) == nil {
		r.update(func(st *State) { st.AccessKeyID = "" })
	}
	return nil
}

// rotateKey carries out the key plan: delete what blocks the new key, create it, wait until it works,
// hand it to the ICA credential, then delete the old keys (and, after a retried create, any leftover).
func (r *run) rotateKey(ctx context.Context) error {
	c, spec, kp, cred := r.c, r.spec, r.keys, r.o.cred
	if cred != nil {
		r.update(func(st *State) { st.CredentialID = cred.ID })
	}
	if !kp.create {
		if cred == nil {
			// Unreachable: a missing credential always asks for a new key.
			return errors.New("internal error: no new access key for a missing ICA credential")
		}
		return r.share(ctx)
	}
	for _, id := range kp.deleteFirst {
		if err := c.d.IAM.DeleteAccessKey(ctx, spec.UserName, id); err != nil && !errors.Is(err, ErrNotFound) {
			return stepErr("deleting access key "+id+" of IAM user", quote(spec.UserName), err)
		}
		r.update(func(st *State) {
			if id == st.AccessKeyID {
				st.AccessKeyID = ""
			}
		})
	}
	key, err := c.d.IAM.CreateAccessKey(ctx, spec.UserName)
	if err != nil {
		return stepErr("creating an access key for IAM user", quote(spec.UserName), err)
	}
	if err := c.waitForKey(ctx, spec.UserName, key); err != nil {
		return err
	}
	if err := r.sendKey(ctx, cred, ica.AWSCredentials{AccessKeyID: key.ID, SecretAccessKey: key.Secret}); err != nil {
		return err
	}
	// ICA holds the new key from here on: record it before removing the old ones.
	r.update(func(st *State) { st.AccessKeyID = key.ID })
	for _, id := range kp.deleteAfter {
		if err := c.d.IAM.DeleteAccessKey(ctx, spec.UserName, id); err != nil && !errors.Is(err, ErrNotFound) {
			return stepErr("deleting old access key "+id+" of IAM user", quote(spec.UserName), err)
		}
	}
	if kp.sweepIfOurs && key.Retried {
		u, err := c.d.IAM.GetUser(ctx, spec.UserName)
		if err != nil {
			return stepErr("reading IAM user", quote(spec.UserName), err)
		}
		kp.sweep = keysAreOurs(u.Tags, spec)
	}
	if kp.sweep && key.Retried {
		if err := c.sweepKeys(ctx, spec.UserName, key.ID); err != nil {
			return err
		}
	}
	return r.share(ctx)
}

// sweepKeys deletes every key of our user except keep: a CreateAccessKey whose answer was lost and that
// the SDK retried leaves a key nobody knows the secret of.
func (c *Converger) sweepKeys(ctx context.Context, user, keep string) error {
	keys, err := c.d.IAM.ListAccessKeys(ctx, user)
	if err != nil {
		return stepErr("listing access keys of IAM user", quote(user), err)
	}
	for _, k := range keys {
		if k.ID == keep {
			continue
		}
		if err := c.d.IAM.DeleteAccessKey(ctx, user, k.ID); err != nil && !errors.Is(err, ErrNotFound) {
			return stepErr("deleting leftover access key "+k.ID+" of IAM user", quote(user), err)
		}
	}
	return nil
}

// keyBackoff is the wait between key probes: IAM usually makes a key work within seconds.
var keyBackoff = wait.Backoff{Initial: 250 * time.Millisecond, Max: 5 * time.Second, Factor: 2}

// waitForKey polls a cheap call signed with the new key until it works: IAM is eventually consistent
// and has no API that says when a key is live. Bounded by ctx (the operation's timeout).
func (c *Converger) waitForKey(ctx context.Context, user string, key NewAccessKey) error {
	start := time.Now()
	b := keyBackoff
	b.Sleep = c.d.Sleep
	var last error
	err := wait.Poll(ctx, b, func(attempt int, next time.Duration) (bool, error) {
		last = c.d.Prober.ProbeKey(ctx, key.ID, key.Secret)
		if last == nil {
			if attempt > 1 {
				tflog.Info(ctx, "New access key works", map[string]any{
					"iam_user": user, "access_key_id": key.ID, "attempts": attempt, "waited": time.Since(start).Round(time.Millisecond).String(),
				})
			}
			return true, nil
		}
		if errors.Is(last, ErrNoAnswer) {
			// A stalled endpoint is not a key that is not live yet: polling it would hold the apply until
			// the operation's timeout.
			return false, stepErr("waiting for new access key "+key.ID+" of IAM user", quote(user), last)
		}
		// IAM is eventually consistent: a new key can take seconds to work. Say so while waiting.
		tflog.Info(ctx, "Waiting for the new access key to work (AWS IAM is eventually consistent)", map[string]any{
			"iam_user": user, "access_key_id": key.ID, "attempt": attempt, "next_check_in": next.String(),
			"waited": time.Since(start).Round(time.Millisecond).String(), "last_error": last.Error(),
		})
		return false, nil
	})
	var se *StepError
	if errors.As(err, &se) {
		return err
	}
	if err != nil {
		return stepErr("waiting for new access key "+key.ID+" of IAM user", quote(user),
			fmt.Errorf("the key did not start working before the timeout (last error: %v); raise timeouts or apply again (the key is recorded and will be reused or replaced)", last))
	}
	return nil
}
