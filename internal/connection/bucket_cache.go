package connection

import (
	"context"
	"sync"

	"github.com/ica-tf/terraform-provider-ica/internal/policy"
	"github.com/ica-tf/terraform-provider-ica/internal/wait"
)

// bucketCache shares bucket-level reads (region, versioning, CORS) between every connection of one
// provider process: Terraform refreshes many connections on the same bucket concurrently, and each read
// would otherwise repeat per connection. It is the provider's only bucket-region cache: the S3 adapter is
// told the region with every call. Concurrent misses collapse into one call that no single caller's
// cancellation ends (wait.Shared); our own CORS writes replace the cached rules with a re-read.
type bucketCache struct {
	s3        S3
	regions   wait.Shared[string]
	versions  wait.Shared[bool]
	corsReads wait.Shared[[]policy.CORSRule]

	mu        sync.Mutex
	region    map[string]string
	versioned map[string]bool
	cors      map[string][]policy.CORSRule
	locks     map[string]*sync.Mutex
	pending   map[string][]*corsRequest
}

func newBucketCache(s3 S3) *bucketCache {
	return &bucketCache{
		s3:        s3,
		region:    map[string]string{},
		versioned: map[string]bool{},
		cors:      map[string][]policy.CORSRule{},
		locks:     map[string]*sync.Mutex{},
		pending:   map[string][]*corsRequest{},
	}
}

func (c *bucketCache) Region(ctx context.Context, bucket string) (string, error) {
	c.mu.Lock()
	r, ok := c.region[bucket]
	c.mu.Unlock()
	if ok {
		return r, nil
	}
	return c.regions.Do(ctx, bucket, func(ctx context.Context) (string, error) {
		r, err := c.s3.BucketRegion(ctx, bucket)
		if err == nil {
			c.mu.Lock()
			c.region[bucket] = r
			c.mu.Unlock()
		}
		return r, err
	})
}

func (c *bucketCache) Versioned(ctx context.Context, bucket string) (bool, error) {
	c.mu.Lock()
	r, ok := c.versioned[bucket]
	c.mu.Unlock()
	if ok {
		return r, nil
	}
	region, err := c.Region(ctx, bucket)
	if err != nil {
		return false, err
	}
	return c.versions.Do(ctx, bucket, func(ctx context.Context) (bool, error) {
		r, err := c.s3.BucketVersioned(ctx, region, bucket)
		if err == nil {
			c.mu.Lock()
			c.versioned[bucket] = r
			c.mu.Unlock()
		}
		return r, err
	})
}

// CORS returns the bucket's rules (a copy: callers may modify it).
func (c *bucketCache) CORS(ctx context.Context, bucket string) ([]policy.CORSRule, error) {
	c.mu.Lock()
	r, ok := c.cors[bucket]
	c.mu.Unlock()
	if ok {
		return append([]policy.CORSRule(nil), r...), nil
	}
	v, err := c.corsReads.Do(ctx, bucket, func(ctx context.Context) ([]policy.CORSRule, error) { return c.readCORS(ctx, bucket) })
	if err != nil {
		return nil, err
	}
	return append([]policy.CORSRule(nil), v...), nil
}

func (c *bucketCache) readCORS(ctx context.Context, bucket string) ([]policy.CORSRule, error) {
	region, err := c.Region(ctx, bucket)
	if err != nil {
		return nil, err
	}
	r, err := c.s3.BucketCORS(ctx, region, bucket)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.cors[bucket] = r
	c.mu.Unlock()
	return r, nil
}

// corsRequest is one caller's change waiting for the bucket's CORS lock.
type corsRequest struct {
	change func([]policy.CORSRule) ([]policy.CORSRule, bool)
	done   chan struct{}
	rules  []policy.CORSRule
	wrote  bool
	err    error
}

// ModifyCORS applies change to the bucket's CORS configuration under the bucket's lock, so connections
// sharing a bucket never overwrite each other's rules. change returns the new rules and whether to write
// them. Changes that queue up while another caller holds the lock are applied together by the next
// holder: one read, one write and one re-read for all of them (ten connections created on one bucket
// cost a couple of writes, not ten). The re-read rules (which also refresh the cache) are returned so the
// caller can verify the result.
func (c *bucketCache) ModifyCORS(ctx context.Context, bucket string, change func([]policy.CORSRule) ([]policy.CORSRule, bool)) ([]policy.CORSRule, bool, error) {
	req := &corsRequest{change: change, done: make(chan struct{})}
	c.mu.Lock()
	c.pending[bucket] = append(c.pending[bucket], req)
	c.mu.Unlock()

	lock := c.lock(bucket)
	lock.Lock()
	defer lock.Unlock()
	select {
	case <-req.done: // a previous holder applied it with its own batch
		return req.rules, req.wrote, req.err
	default:
	}
	c.mu.Lock()
	batch := c.pending[bucket]
	delete(c.pending, bucket)
	c.mu.Unlock()
	c.runCORSBatch(ctx, bucket, batch)
	return req.rules, req.wrote, req.err
}

func (c *bucketCache) runCORSBatch(ctx context.Context, bucket string, batch []*corsRequest) {
	defer func() {
		for _, r := range batch {
			close(r.done)
		}
	}()
	fail := func(err error, only func(*corsRequest) bool) {
		for _, r := range batch {
			if only == nil || only(r) {
				r.err = err
			}
		}
	}
	current, err := c.CORS(ctx, bucket)
	if err != nil {
		fail(err, nil)
		return
	}
	rules, write := current, false
	for _, r := range batch {
		if next, w := r.change(rules); w {
			rules, r.wrote, write = next, true, true
		}
	}
	if !write {
		for _, r := range batch {
			r.rules = current
		}
		return
	}
	wrote := func(r *corsRequest) bool { return r.wrote }
	region, err := c.Region(ctx, bucket)
	if err == nil {
		err = c.s3.PutBucketCORS(ctx, region, bucket, rules)
	}
	if err != nil {
		c.forgetCORS(bucket)
		fail(err, wrote)
		for _, r := range batch {
			r.rules, r.wrote = current, false
		}
		return
	}
	reread, err := c.readCORS(ctx, bucket)
	if err != nil {
		c.forgetCORS(bucket)
		fail(err, wrote)
		return
	}
	for _, r := range batch {
		r.rules = reread
	}
}

func (c *bucketCache) forgetCORS(bucket string) {
	c.mu.Lock()
	delete(c.cors, bucket)
	c.mu.Unlock()
}

func (c *bucketCache) lock(bucket string) *sync.Mutex {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.locks[bucket]
	if !ok {
		l = &sync.Mutex{}
		c.locks[bucket] = l
	}
	return l
}
