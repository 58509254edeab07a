package connection

import (
	"fmt"
	"sort"
	"strings"
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
	sort.SliceStable(others, func(i, j int) bool { return others[i].Created.Before(others[j].Created) })

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
	for i := range keys {
		if keys[i].ID == id {
			return &keys[i]
		}
	}
	return nil
}

func hasOtherKey(keys []AccessKey, current string) bool {
	for _, k := range keys {
		if k.ID != current {
			return true
		}
	}
	return false
}

func hasOtherActiveKey(keys []AccessKey, current string) bool {
	for _, k := range keys {
		if k.ID != current && k.Active {
			return true
		}
	}
	return false
}
