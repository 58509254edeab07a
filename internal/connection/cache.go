package connection

import (
	"context"
	"sync"

	"golang.org/x/sync/singleflight"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
	"github.com/ica-tf/terraform-provider-ica/internal/policy"
)

// bucketCache shares bucket-level reads (region, versioning, CORS) between every connection of one
// provider process: Terraform refreshes many connections on the same bucket concurrently, and each read
// would otherwise repeat per connection. Concurrent misses collapse into one call (singleflight); our own
// CORS writes replace the cached rules with a re-read.
type bucketCache struct {
	s3    S3
	group singleflight.Group

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
	v, err, _ := c.group.Do("region/"+bucket, func() (any, error) {
		r, err := c.s3.BucketRegion(ctx, bucket)
		if err == nil {
			c.mu.Lock()
			c.region[bucket] = r
			c.mu.Unlock()
		}
		return r, err
	})
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

func (c *bucketCache) Versioned(ctx context.Context, bucket string) (bool, error) {
	c.mu.Lock()
	r, ok := c.versioned[bucket]
	c.mu.Unlock()
	if ok {
		return r, nil
	}
	v, err, _ := c.group.Do("versioning/"+bucket, func() (any, error) {
		r, err := c.s3.BucketVersioned(ctx, bucket)
		if err == nil {
			c.mu.Lock()
			c.versioned[bucket] = r
			c.mu.Unlock()
		}
		return r, err
	})
	if err != nil {
		return false, err
	}
	return v.(bool), nil
}

// CORS returns the bucket's rules (a copy: callers may modify it).
func (c *bucketCache) CORS(ctx context.Context, bucket string) ([]policy.CORSRule, error) {
	c.mu.Lock()
	r, ok := c.cors[bucket]
	c.mu.Unlock()
	if ok {
		return append([]policy.CORSRule(nil), r...), nil
	}
	v, err, _ := c.group.Do("cors/"+bucket, func() (any, error) { return c.readCORS(ctx, bucket) })
	if err != nil {
		return nil, err
	}
	return append([]policy.CORSRule(nil), v.([]policy.CORSRule)...), nil
}

func (c *bucketCache) readCORS(ctx context.Context, bucket string) ([]policy.CORSRule, error) {
	r, err := c.s3.BucketCORS(ctx, bucket)
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
	if err := c.s3.PutBucketCORS(ctx, bucket, rules); err != nil {
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

// credentialDirectory reads ICA's credential list once per provider process (the list endpoint returns
// every credential in one call) and keeps it current with our own creations.
type credentialDirectory struct {
	ica   Credentials
	group singleflight.Group

	mu     sync.Mutex
	loaded bool
	items  []ica.StorageCredential
}

func (d *credentialDirectory) list(ctx context.Context) ([]ica.StorageCredential, error) {
	d.mu.Lock()
	if d.loaded {
		items := append([]ica.StorageCredential(nil), d.items...)
		d.mu.Unlock()
		return items, nil
	}
	d.mu.Unlock()
	v, err, _ := d.group.Do("list", func() (any, error) {
		items, err := d.ica.ListStorageCredentials(ctx)
		if err != nil {
			return nil, err
		}
		d.mu.Lock()
		d.items, d.loaded = items, true
		d.mu.Unlock()
		return items, nil
	})
	if err != nil {
		return nil, err
	}
	return append([]ica.StorageCredential(nil), v.([]ica.StorageCredential)...), nil
}

// ByID returns the credential with that id, or nil.
func (d *credentialDirectory) ByID(ctx context.Context, id string) (*ica.StorageCredential, error) {
	items, err := d.list(ctx)
	if err != nil {
		return nil, err
	}
	for i := range items {
		if items[i].ID == id {
			return &items[i], nil
		}
	}
	return nil, nil
}

// ByName returns the credential with that name, or nil.
func (d *credentialDirectory) ByName(ctx context.Context, name string) (*ica.StorageCredential, error) {
	items, err := d.list(ctx)
	if err != nil {
		return nil, err
	}
	for i := range items {
		if items[i].Name == name {
			return &items[i], nil
		}
	}
	return nil, nil
}

func (d *credentialDirectory) added(c ica.StorageCredential) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.loaded {
		d.items = append(d.items, c)
	}
}

// forget drops the cached list so the next lookup reads ICA again (after a conflict showed it stale).
func (d *credentialDirectory) forget() {
	d.mu.Lock()
	d.loaded, d.items = false, nil
	d.mu.Unlock()
}
