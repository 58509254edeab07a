package connection

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/ica-tf/terraform-provider-ica/internal/policy"
	"github.com/ica-tf/terraform-provider-ica/internal/wait"
)

// ErrInvalidPrincipal is wrapped by adapters when AWS refuses a bucket policy because a principal does
// not exist ("Invalid principal in policy"; moto accepts any).
var ErrInvalidPrincipal = errors.New("invalid principal in bucket policy")

// BucketPolicies is the bucket-policy side of S3, used only by connections that set a cross-account role.
type BucketPolicies interface {
	// BucketPolicy returns the bucket's policy document; "" when the bucket has none. region is the
	// bucket's, as for S3.
	BucketPolicy(ctx context.Context, region, bucket string) (string, error)
	PutBucketPolicy(ctx context.Context, region, bucket, document string) error
	DeleteBucketPolicy(ctx context.Context, region, bucket string) error
}

// bucketPolicies remembers each bucket's policy for the process (a refresh of five connections on one
// bucket reads it once) and serialises changes per bucket, like the CORS configuration: every change
// re-reads the policy under the bucket's lock, so no connection overwrites another's statement.
type bucketPolicies struct {
	api     BucketPolicies
	buckets *bucketCache
	reads   wait.Shared[string]

	mu    sync.Mutex
	docs  map[string]string
	locks map[string]*sync.Mutex
}

func newBucketPolicies(api BucketPolicies, buckets *bucketCache) *bucketPolicies {
	return &bucketPolicies{api: api, buckets: buckets, docs: map[string]string{}, locks: map[string]*sync.Mutex{}}
}

// get returns the bucket's policy, parsed, from the process's memo (one read per bucket).
func (b *bucketPolicies) get(ctx context.Context, bucket string) (policy.BucketPolicy, error) {
	b.mu.Lock()
	doc, ok := b.docs[bucket]
	b.mu.Unlock()
	if !ok {
		var err error
		doc, err = b.reads.Do(ctx, bucket, func(ctx context.Context) (string, error) { return b.read(ctx, bucket) })
		if err != nil {
			return policy.BucketPolicy{}, err
		}
	}
	return policy.ParseBucketPolicy(doc)
}

func (b *bucketPolicies) read(ctx context.Context, bucket string) (string, error) {
	region, err := b.buckets.Region(ctx, bucket)
	if err != nil {
		return "", err
	}
	doc, err := b.api.BucketPolicy(ctx, region, bucket)
	if err != nil {
		return "", err
	}
	b.remember(bucket, doc)
	return doc, nil
}

func (b *bucketPolicies) remember(bucket, doc string) {
	b.mu.Lock()
	b.docs[bucket] = doc
	b.mu.Unlock()
}

// modify applies change to the bucket's current policy under the bucket's lock and writes the result
// when it changed (deleting the policy when no statement is left).
func (b *bucketPolicies) modify(ctx context.Context, bucket string, change func(policy.BucketPolicy) (policy.BucketPolicy, bool)) error {
	b.mu.Lock()
	lock, ok := b.locks[bucket]
	if !ok {
		lock = &sync.Mutex{}
		b.locks[bucket] = lock
	}
	b.mu.Unlock()
	lock.Lock()
	defer lock.Unlock()
	doc, err := b.read(ctx, bucket)
	if err != nil {
		return err
	}
	current, err := policy.ParseBucketPolicy(doc)
	if err != nil {
		return err
	}
	next, changed := change(current)
	if !changed {
		return nil
	}
	region, err := b.buckets.Region(ctx, bucket)
	if err != nil {
		return err
	}
	if next.Empty() {
		err = b.api.DeleteBucketPolicy(ctx, region, bucket)
		doc = ""
	} else {
		doc = next.JSON()
		err = b.api.PutBucketPolicy(ctx, region, bucket, doc)
	}
	if err != nil {
		b.mu.Lock()
		delete(b.docs, bucket)
		b.mu.Unlock()
		return err
	}
	b.remember(bucket, doc)
	return nil
}

// copyMoveStatement is the statement spec wants in the bucket policy.
func copyMoveStatement(spec Spec, versioned bool) policy.BucketStatement {
	return policy.CopyMoveStatement(policy.CopyMoveOptions{
		Sid: spec.BucketPolicySid, RoleARN: spec.CrossAccountRoleARN, Bucket: spec.Bucket, Prefix: spec.Prefix, Versioned: versioned,
	})
}

// bucketPolicy merges the connection's statement for ICA's copy/move role into the bucket policy, or
// removes the one it put there before when cross_account_role_arn is no longer set.
func (r *run) bucketPolicy(ctx context.Context) error {
	spec, prior, bp := r.spec, r.prior, r.c.policies
	if spec.CrossAccountRoleARN == "" {
		if prior.BucketPolicySid == "" {
			return nil
		}
		err := bp.modify(ctx, spec.Bucket, func(p policy.BucketPolicy) (policy.BucketPolicy, bool) { return p.Remove(prior.BucketPolicySid) })
		if err != nil {
			return stepErr("removing our statement from the bucket policy of", quote(spec.Bucket), err)
		}
		r.update(func(st *State) { st.BucketPolicySid = "" })
		return nil
	}
	want := copyMoveStatement(spec, r.o.versioned)
	var deletedRole string
	err := bp.modify(ctx, spec.Bucket, func(p policy.BucketPolicy) (policy.BucketPolicy, bool) {
		if prior.BucketPolicySid != "" && prior.BucketPolicySid != want.Sid {
			p, _ = p.Remove(prior.BucketPolicySid)
		}
		if i := p.Find(want.Sid); i >= 0 {
			deletedRole = policy.DeletedPrincipal(p.Statements[i])
		}
		return p.Put(want)
	})
	if errors.Is(err, ErrInvalidPrincipal) {
		gone := ""
		if deletedRole != "" {
			gone = fmt.Sprintf(" AWS has rewritten the principal of our statement %s to %s, the unique id of a deleted role.", want.Sid, deletedRole)
		}
		return stepErr("writing our statement to the bucket policy of", quote(spec.Bucket), fmt.Errorf(
			"AWS refused cross_account_role_arn %q as a principal (\"Invalid principal in policy\"): the role does not exist.%s "+
				"Copy ICA's cross-account role ARN for your region from ICA's documentation, or unset cross_account_role_arn: %w",
			spec.CrossAccountRoleARN, gone, err))
	}
	if err != nil {
		return stepErr("writing our statement to the bucket policy of", quote(spec.Bucket), err)
	}
	r.update(func(st *State) { st.BucketPolicySid = want.Sid })
	return nil
}

// readBucketPolicy is refresh's view of our statement: the Sid stays recorded only while a statement
// with it still means what spec asks (a deleted role, an edit, a removal are drift).
func (c *Converger) readBucketPolicy(ctx context.Context, spec Spec, prior State, versioned bool, st *State) error {
	if prior.BucketPolicySid == "" {
		return nil
	}
	p, err := c.policies.get(ctx, spec.Bucket)
	if err != nil {
		return stepErr("reading the bucket policy of", quote(spec.Bucket), err)
	}
	spec.BucketPolicySid = prior.BucketPolicySid
	i := p.Find(prior.BucketPolicySid)
	if i < 0 || spec.CrossAccountRoleARN == "" || !policy.StatementMatches(p.Statements[i], copyMoveStatement(spec, versioned)) {
		st.BucketPolicySid = ""
	}
	return nil
}

// deleteBucketPolicy removes only our statement; the policy goes when ours was its only statement.
func (c *Converger) deleteBucketPolicy(ctx context.Context, spec Spec, prior State, scope destroyScope) error {
	if prior.BucketPolicySid == "" || !scope.bucketPolicy {
		return nil
	}
	err := c.policies.modify(ctx, spec.Bucket, func(p policy.BucketPolicy) (policy.BucketPolicy, bool) { return p.Remove(prior.BucketPolicySid) })
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return stepErr("removing our statement from the bucket policy of", quote(spec.Bucket), err)
}

// importBucketPolicy finds the statement of a connection made by hand: ours by its Sid, else one with a
// Sid that grants a role exactly the copy/move actions on the connection's folder.
func (c *Converger) importBucketPolicy(ctx context.Context, spec *Spec, st *State, versioned bool) error {
	p, err := c.policies.get(ctx, spec.Bucket)
	if errors.Is(err, ErrAccessDenied) {
		// A connection without the statement needs no bucket-policy permission.
		return nil
	}
	if err != nil {
		return stepErr("reading the bucket policy of", quote(spec.Bucket), err)
	}
	sid, role := policy.DiscoverCopyMove(p, policy.CopyMoveSid(spec.UserName), spec.Bucket, spec.Prefix, versioned)
	if sid != "" {
		spec.CrossAccountRoleARN, spec.BucketPolicySid, st.BucketPolicySid = role, sid, sid
	}
	return nil
}
