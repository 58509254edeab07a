package connection

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Planned is one connection as a plan sees it: the names it holds or will hold.
type Planned struct {
	Bucket, Prefix                       string // Prefix normalised ("folder/" or "")
	UserName, PolicyName, CredentialName string
	// CORSRuleID is the rule's ID when the connection manages CORS, else "".
	CORSRuleID string
	// Existing: the connection is in state (an update or an unchanged plan). Destroying: it is planned
	// for destroy.
	Existing, Destroying bool
}

// plannedNames remembers the connections planned by this provider process (one provider configuration),
// so that a second connection sharing their names fails at plan. A best effort: the claims at apply
// are the guarantee (other aliases, -target, other configurations).
type plannedNames struct {
	mu   sync.Mutex
	held map[string][]Planned
}

// CheckPlanned records p and refuses it when a connection planned earlier in this process holds one of
// its names: the same bucket and folder, IAM user or policy (compared as IAM does, without case), CORS
// rule ID on the bucket, or ICA credential name. A destroy fails only when a create of exactly its names
// was planned before it (a renamed resource or key), and two connections already in state are left to
// the apply, which reports their sharing.
func (c *Converger) CheckPlanned(p Planned) error {
	c.planned.mu.Lock()
	defer c.planned.mu.Unlock()
	if c.planned.held == nil {
		c.planned.held = map[string][]Planned{}
	}
	type name struct{ key, what, fix string }
	names := []name{
		{"folder\x00" + p.Bucket + "\x00" + p.Prefix, fmt.Sprintf("bucket %q and folder %q", p.Bucket, p.Prefix), "a folder of its own"},
		{"user\x00" + strings.ToLower(p.UserName), fmt.Sprintf("IAM user %q", p.UserName), "its own iam_user_name"},
		{"policy\x00" + strings.ToLower(p.PolicyName), fmt.Sprintf("IAM policy %q", p.PolicyName), "its own iam_policy_name"},
		{"credential\x00" + p.CredentialName, fmt.Sprintf("ICA credential %q", p.CredentialName), "its own credential_name"},
	}
	if p.CORSRuleID != "" {
		// The rule's ID is derived from the user name.
		names = append(names, name{"cors\x00" + p.Bucket + "\x00" + p.CORSRuleID, fmt.Sprintf("CORS rule %q on bucket %q", p.CORSRuleID, p.Bucket), "its own iam_user_name"})
	}
	if p.Destroying {
		// Terraform may plan a renamed resource's create before the destroy of its old address (1.15
		// does): the destroy then names the clash, with the same advice.
		for _, n := range names {
			for _, q := range c.planned.held[n.key] {
				if !q.Existing && !q.Destroying && q.sameNames(p) {
					return plannedClash(q, p, []string{n.what}, nil)
				}
			}
		}
	} else {
		var clashes, fixes []string
		var with Planned
		for _, n := range names {
			for _, q := range c.planned.held[n.key] {
				if !clash(p, q) {
					continue
				}
				if len(clashes) == 0 || q.Destroying { // a destroy of the same names explains it best
					with = q
				}
				if !slices.Contains(clashes, n.what) {
					clashes = append(clashes, n.what)
				}
				if !slices.Contains(fixes, n.fix) {
					fixes = append(fixes, n.fix)
				}
			}
		}
		if len(clashes) > 0 {
			return plannedClash(p, with, clashes, fixes)
		}
	}
	for _, n := range names {
		c.planned.held[n.key] = append(c.planned.held[n.key], p)
	}
	return nil
}

// clash reports whether p, planned after q, may not hold a name q holds.
func clash(p, q Planned) bool {
	switch {
	case p.Existing && q.Existing:
		return false // already in state: the apply reports their sharing
	case q.Destroying:
		// A destroy clashes only with a create of exactly its names (a renamed resource or key); one that
		// shares some of them (a deposed object of a create_before_destroy) frees them first.
		return q.sameNames(p)
	case q.Existing:
		// A replacement plans its create after its update, with the same names: one connection.
		return !q.sameNames(p)
	default:
		return true
	}
}

func plannedClash(p, with Planned, clashes, fixes []string) error {
	shared := strings.Join(clashes, ", ")
	if with.Destroying {
		return fmt.Errorf("this ica_s3_connection (bucket %q, folder %q) would hold %s, which a connection this plan destroys still holds. If you renamed the resource or its for_each or count key, add a moved block (moved { from = OLD_ADDRESS  to = NEW_ADDRESS }) so that Terraform keeps the connection: a destroy and a create of the same names cannot both succeed",
			p.Bucket, p.Prefix, shared)
	}
	return fmt.Errorf("this ica_s3_connection (bucket %q, folder %q) would share %s with another connection of this configuration (bucket %q, folder %q). Two connections must not share an IAM user, policy, CORS rule or ICA credential (\"same\" and \"same/\" are one folder): give this one %s",
		p.Bucket, p.Prefix, shared, with.Bucket, with.Prefix, strings.Join(fixes, " or "))
}

// sameNames compares the names that a replacement's update and create plans both carry (the update
// plan keeps the old CORS rule ID; the rule's ID follows the user name anyway).
func (p Planned) sameNames(q Planned) bool {
	p.Existing, p.Destroying, p.CORSRuleID = false, false, ""
	q.Existing, q.Destroying, q.CORSRuleID = false, false, ""
	return p == q
}
