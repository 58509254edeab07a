package connection

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
)

// run is one Apply: what it was asked (spec), what it started from (prior, observed), what it decided
// before writing (the existing user, the key plan, the desired policy), and the state it has reached.
// Steps are methods of run; the ones that run in parallel record progress only through update, so the
// state is never written by two goroutines at once.
type run struct {
	c     *Converger
	spec  Spec
	prior State
	o     *observed

	// user is the existing IAM user this apply found (nil: none yet, or it must be created or adopted).
	user *User
	// keys is the key plan for an existing user (a new or adopted user is planned after its user step).
	keys keyPlan
	// credNeedsSecret: the ICA credential is missing or adopted, so it must be sent a new key.
	credNeedsSecret bool
	// credAdopted: the credential was found by name and is not yet this connection's.
	credAdopted bool
	// takenFrom is the IAM user of the connection (of the same bucket and folder) that held the adopted
	// credential until this apply: a replacement taking it over.
	takenFrom string
	// noClaim: sharing was found (see plan), so this apply stamps no claim and records no token.
	noClaim bool
	// newUser, newPolicy: this apply created or adopted the user or policy (they need our claim).
	newUser, newPolicy bool
	// userUnclaimed: the user found lacks the claim the state records (see plan).
	userUnclaimed bool
	desiredPolicy string
	// userReady (when not nil) tells the CORS step whether the user is this connection's (see Apply).
	userReady chan bool

	mu sync.Mutex
	st State
}

func (r *run) update(f func(st *State)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f(&r.st)
}

func (r *run) state() State {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.st
}

func (r *run) adopted(what string) {
	r.update(func(st *State) { st.Adopted = append(st.Adopted, what) })
}

func (r *run) note(what string) { r.update(func(st *State) { st.Notes = append(st.Notes, what) }) }

// parallel runs the steps at once and joins their errors. Steps never cancel each other: each records
// what it achieved, so one step's failure does not leave another's work unrecorded.
func parallel(steps ...func() error) error {
	errs := make([]error, len(steps))
	var wg sync.WaitGroup
	for i, step := range steps {
		wg.Go(func() { errs[i] = step() })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Apply converges the connection to spec from prior and returns what exists. On error the returned
// State records every part that was created or changed before the failure.
func (c *Converger) Apply(ctx context.Context, spec Spec, prior State) (State, error) {
	r := &run{c: c, spec: spec, prior: prior, st: prior}
	err := r.apply(ctx)
	return r.state(), err
}

func (r *run) apply(ctx context.Context) error {
	c, spec, prior := r.c, r.spec, r.prior
	if creatingCORS(spec, prior) {
		// Warm the shared cache with the bucket's CORS now, beside the other reads: the first CORS write
		// waits for the user step (below) and then needs no read of its own. The same single read either
		// way (shared); a failure here is retried by the write's own read.
		go func() { _, _ = c.buckets.CORS(ctx, spec.Bucket) }()
	}
	o, err := c.observe(ctx, spec, prior, false, true)
	if err != nil {
		return err
	}
	r.o = o
	if o.bucketErr != nil {
		return fmt.Errorf("S3 bucket %q does not exist (or is not visible to these AWS credentials): create it first, or fix the bucket name", spec.Bucket)
	}
	region, err := c.CheckRegions(ctx, spec)
	if err != nil {
		return err
	}
	r.update(func(st *State) { st.Region = region })
	r.desiredPolicy = desiredPolicy(spec, o.versioned)
	if err := r.plan(ctx); err != nil {
		return err
	}
	// A new connection claims the bucket's CORS rule only once its IAM user is known to be its own: a user
	// name shared with another connection also shares the rule ID derived from it, and the refused
	// connection must leave that rule alone. The IAM chain is the longer one, so the wait costs no time.
	if creatingCORS(spec, prior) {
		r.userReady = make(chan bool, 1)
	}
	return parallel(func() error { return r.cors(ctx) }, func() error { return r.iam(ctx) })
}

// plan reads what the key plan needs and decides it, refusing before anything is changed.
func (r *run) plan(ctx context.Context) error {
	spec, prior, o := r.spec, r.prior, r.o
	// A state without our token (older state, or an import) proves nothing: read what the tags say.
	claimKnown := spec.Token == "" || prior.Token == spec.Token
	if o.userFound && prior.UserARN != "" && claimKnown && maps.Equal(prior.Tags, spec.Tags) && !hasOtherKey(o.keys, prior.AccessKeyID) {
		// The user in state is ours, its tags are not changing and no other key needs its owner
		// checked: its tags need not be read (only a retried key create asks, see (*run).rotateKey).
		r.user = &User{Name: spec.UserName, Path: spec.Path, ARN: prior.UserARN}
		o.userTagsUnread = true
	} else if o.userFound {
		u, err := r.c.d.IAM.GetUser(ctx, spec.UserName)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return stepErr("reading IAM user", quote(spec.UserName), err)
		}
		if err == nil {
			r.user = &u
			// A user without the claim the state records (an import of a pair whose create was killed
			// between its two claim tags): this apply's claim step stamps it.
			r.userUnclaimed = claimKnown && spec.Token != "" && claimOf(u.Tags, spec.Token) == unclaimed
		}
	}
	if !claimKnown && prior.UserARN != "" {
		if err := r.checkSharing(ctx); err != nil {
			return err
		}
	}
	r.credAdopted = prior.CredentialID == "" && o.cred != nil
	r.credNeedsSecret = o.cred == nil || r.credAdopted
	if r.credAdopted && spec.Token != "" {
		holder, err := r.c.credentialHolder(ctx, spec)
		if err != nil {
			return err
		}
		if holder != nil {
			if err := r.c.mayTakeOverCredential(ctx, spec, *holder); err != nil {
				return err
			}
			r.takenFrom = holder.Name
		}
	}
	if r.user != nil {
		owned := isOurs(r.user.Tags, spec.Bucket) && (o.userTagsUnread || keysAreOurs(r.user.Tags, spec))
		kp, err := planKeys(spec.UserName, o.keys, prior.AccessKeyID, spec.Rotate || r.credNeedsSecret, owned)
		if err != nil {
			return err
		}
		kp.sweepIfOurs = o.userTagsUnread && kp.create
		r.keys = kp
	}
	return nil
}

// tellUserReady tells the CORS step (once) whether the user is this connection's.
func (r *run) tellUserReady(ok bool) {
	if r.userReady != nil {
		select {
		case r.userReady <- ok:
		default: // already told
		}
	}
}

// iam is the IAM chain: the policy and the user (they do not depend on each other), the attachment, then
// the key and the ICA credential that holds it.
func (r *run) iam(ctx context.Context) error {
	defer r.tellUserReady(false)
	var fresh bool
	if err := parallel(
		func() error { return r.policy(ctx) },
		func() error {
			var err error
			fresh, err = r.ensureUser(ctx)
			r.tellUserReady(err == nil)
			return err
		},
	); err != nil {
		return err
	}
	spec := r.spec
	policyARN := r.state().PolicyARN
	if fresh || !slices.Contains(r.o.attached, policyARN) || !r.o.userFound {
		if err := r.c.d.IAM.AttachUserPolicy(ctx, spec.UserName, policyARN); err != nil {
			return stepErr("attaching policy "+quote(policyARN)+" to IAM user", quote(spec.UserName), err)
		}
	}
	r.update(func(st *State) { st.PolicyAttached = true })
	if err := r.bucketPolicy(ctx); err != nil {
		return err
	}
	if r.user == nil {
		if err := r.planNewUsersKeys(ctx, fresh); err != nil {
			return err
		}
	}
	if err := r.rotateKey(ctx); err != nil {
		return err
	}
	return r.claim(ctx)
}
