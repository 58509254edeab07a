package connection

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
	"github.com/ica-tf/terraform-provider-ica/internal/policy"
)

const account = "123456789012"

// world is an in-memory AWS account + ICA tenant implementing every interface of the converger. It
// counts calls per operation and can fail an operation once (faults).
type world struct {
	mu sync.Mutex

	buckets  map[string]*fakeBucket
	users    map[string]*fakeUser
	policies map[string]*fakePolicy // by ARN
	creds    map[string]*fakeCred   // by id
	seq      int
	now      time.Time

	calls  map[string]int
	faults map[string]error
	// probeFailures makes the first n probes of each new key fail (IAM eventual consistency).
	probeFailures int
	probes        map[string]int
	// duplicateNextKey makes the next CreateAccessKey create a key it does not return first (a lost
	// answer retried by the SDK).
	duplicateNextKey bool
	// corsDelay widens the read-modify-write window to expose lost updates.
	corsDelay time.Duration
}

type fakeBucket struct {
	region    string
	versioned bool
	cors      []policy.CORSRule
}

type fakeUser struct {
	name, path string
	tags       map[string]string
	keys       []*fakeKey
	attached   []string
}

type fakeKey struct {
	id, secret string
	active     bool
	created    time.Time
}

type fakePolicy struct {
	name, path string
	tags       map[string]string
	versions   []PolicyVersion
	defaultV   string
	nextV      int
}

type fakeCred struct {
	c             ica.StorageCredential
	keyID, secret string
	updateSecrets int
	shared        bool
}

func newWorld() *world {
	return &world{
		buckets:  map[string]*fakeBucket{},
		users:    map[string]*fakeUser{},
		policies: map[string]*fakePolicy{},
		creds:    map[string]*fakeCred{},
		calls:    map[string]int{},
		faults:   map[string]error{},
		probes:   map[string]int{},
		now:      time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
	}
}

func (w *world) converger() *Converger {
	return New(Deps{S3: w, IAM: w, Prober: w, Credentials: w, Sleep: func(ctx context.Context, d time.Duration) error {
		// Backoff is not what these tests measure: wait a tick, honour the deadline.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
			return nil
		}
	}})
}

// call records op and returns its injected fault, if any (each fault fires once).
func (w *world) call(op string) error {
	w.calls[op]++
	if err, ok := w.faults[op]; ok {
		delete(w.faults, op)
		return err
	}
	return nil
}

func (w *world) tick() time.Time {
	w.now = w.now.Add(time.Second)
	return w.now
}

func (w *world) id(prefix string) string {
	w.seq++
	return fmt.Sprintf("%s%04d", prefix, w.seq)
}

func notFound(what string) error { return fmt.Errorf("%s: %w", what, ErrNotFound) }

// wrongRegion is S3's answer to a call sent to another region than the bucket's (a PermanentRedirect).
func wrongRegion(bucket, region string) error {
	return fmt.Errorf("bucket %s is not in %q: S3 answers PermanentRedirect", bucket, region)
}
func conflict(what string) error { return fmt.Errorf("%s: %w", what, ErrAlreadyExists) }
func cloneMap(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// S3

func (w *world) BucketRegion(ctx context.Context, bucket string) (string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.call("BucketRegion"); err != nil {
		return "", err
	}
	b, ok := w.buckets[bucket]
	if !ok {
		return "", notFound("bucket " + bucket)
	}
	return b.region, nil
}

func (w *world) BucketVersioned(ctx context.Context, region, bucket string) (bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.call("BucketVersioned"); err != nil {
		return false, err
	}
	b, ok := w.buckets[bucket]
	if !ok {
		return false, notFound("bucket " + bucket)
	}
	if region != b.region {
		return false, wrongRegion(bucket, region)
	}
	return b.versioned, nil
}

func (w *world) BucketCORS(ctx context.Context, region, bucket string) ([]policy.CORSRule, error) {
	w.mu.Lock()
	if err := w.call("BucketCORS"); err != nil {
		w.mu.Unlock()
		return nil, err
	}
	b, ok := w.buckets[bucket]
	if !ok {
		w.mu.Unlock()
		return nil, notFound("bucket " + bucket)
	}
	if region != b.region {
		w.mu.Unlock()
		return nil, wrongRegion(bucket, region)
	}
	rules := copyRules(b.cors)
	d := w.corsDelay
	w.mu.Unlock()
	time.Sleep(d)
	if len(rules) == 0 {
		return nil, nil
	}
	return rules, nil
}

func (w *world) PutBucketCORS(ctx context.Context, region, bucket string, rules []policy.CORSRule) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.call("PutBucketCORS"); err != nil {
		return err
	}
	b, ok := w.buckets[bucket]
	if !ok {
		return notFound("bucket " + bucket)
	}
	if region != b.region {
		return wrongRegion(bucket, region)
	}
	b.cors = copyRules(rules)
	return nil
}

// IAM

func (w *world) AccountID(ctx context.Context) (string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return account, w.call("AccountID")
}

func (w *world) userOut(u *fakeUser) User {
	return User{Name: u.name, Path: u.path, ARN: fmt.Sprintf("arn:aws:iam::%s:user%s%s", account, u.path, u.name), Tags: cloneMap(u.tags)}
}

func (w *world) GetUser(ctx context.Context, name string) (User, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.call("GetUser"); err != nil {
		return User{}, err
	}
	u, ok := w.users[name]
	if !ok {
		return User{}, notFound("user " + name)
	}
	return w.userOut(u), nil
}

func (w *world) ListUsers(ctx context.Context) ([]User, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.call("ListUsers"); err != nil {
		return nil, err
	}
	var out []User
	for _, u := range w.users {
		o := w.userOut(u)
		o.Tags = nil // as IAM: ListUsers returns no tags
		out = append(out, o)
	}
	return out, nil
}

func (w *world) CreateUser(ctx context.Context, name, path string, tags map[string]string) (User, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.call("CreateUser"); err != nil {
		return User{}, err
	}
	if _, ok := w.users[name]; ok {
		return User{}, conflict("user " + name)
	}
	u := &fakeUser{name: name, path: path, tags: cloneMap(tags)}
	w.users[name] = u
	return w.userOut(u), nil
}

func (w *world) TagUser(ctx context.Context, name string, tags map[string]string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.call("TagUser"); err != nil {
		return err
	}
	u, ok := w.users[name]
	if !ok {
		return notFound("user " + name)
	}
	for k, v := range tags {
		u.tags[k] = v
	}
	return nil
}

func (w *world) UntagUser(ctx context.Context, name string, keys []string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.call("UntagUser"); err != nil {
		return err
	}
	u, ok := w.users[name]
	if !ok {
		return notFound("user " + name)
	}
	for _, k := range keys {
		delete(u.tags, k)
	}
	return nil
}

func (w *world) DeleteUser(ctx context.Context, name string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.call("DeleteUser"); err != nil {
		return err
	}
	u, ok := w.users[name]
	if !ok {
		return notFound("user " + name)
	}
	if len(u.keys) > 0 || len(u.attached) > 0 {
		return fmt.Errorf("user %s still has keys or policies: %w", name, ErrDeleteConflict)
	}
	delete(w.users, name)
	return nil
}

func (w *world) ListAccessKeys(ctx context.Context, user string) ([]AccessKey, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.call("ListAccessKeys"); err != nil {
		return nil, err
	}
	u, ok := w.users[user]
	if !ok {
		return nil, notFound("user " + user)
	}
	var out []AccessKey
	for _, k := range u.keys {
		out = append(out, AccessKey{ID: k.id, Active: k.active, Created: k.created})
	}
	return out, nil
}

func (w *world) CreateAccessKey(ctx context.Context, user string) (NewAccessKey, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.call("CreateAccessKey"); err != nil {
		return NewAccessKey{}, err
	}
	u, ok := w.users[user]
	if !ok {
		return NewAccessKey{}, notFound("user " + user)
	}
	if len(u.keys) >= 2 {
		return NewAccessKey{}, fmt.Errorf("LimitExceeded: user %s already has 2 keys", user)
	}
	retried := false
	if w.duplicateNextKey {
		w.duplicateNextKey, retried = false, true
		u.keys = append(u.keys, &fakeKey{id: w.id("AKIALOST"), secret: "lost", active: true, created: w.tick()})
	}
	k := &fakeKey{id: w.id("AKIAFAKE"), secret: "secret-" + uuid.NewString(), active: true, created: w.tick()}
	u.keys = append(u.keys, k)
	return NewAccessKey{ID: k.id, Secret: k.secret, Retried: retried}, nil
}

func (w *world) DeleteAccessKey(ctx context.Context, user, keyID string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.call("DeleteAccessKey"); err != nil {
		return err
	}
	u, ok := w.users[user]
	if !ok {
		return notFound("user " + user)
	}
	for i, k := range u.keys {
		if k.id == keyID {
			u.keys = append(u.keys[:i], u.keys[i+1:]...)
			return nil
		}
	}
	return notFound("key " + keyID)
}

func (w *world) ListAttachedUserPolicies(ctx context.Context, user string) ([]string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.call("ListAttachedUserPolicies"); err != nil {
		return nil, err
	}
	u, ok := w.users[user]
	if !ok {
		return nil, notFound("user " + user)
	}
	return append([]string(nil), u.attached...), nil
}

func (w *world) AttachUserPolicy(ctx context.Context, user, arn string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.call("AttachUserPolicy"); err != nil {
		return err
	}
	u, ok := w.users[user]
	if !ok {
		return notFound("user " + user)
	}
	if _, ok := w.policies[arn]; !ok {
		return notFound("policy " + arn)
	}
	for _, a := range u.attached {
		if a == arn {
			return nil
		}
	}
	u.attached = append(u.attached, arn)
	return nil
}

func (w *world) DetachUserPolicy(ctx context.Context, user, arn string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.call("DetachUserPolicy"); err != nil {
		return err
	}
	u, ok := w.users[user]
	if !ok {
		return notFound("user " + user)
	}
	for i, a := range u.attached {
		if a == arn {
			u.attached = append(u.attached[:i], u.attached[i+1:]...)
			return nil
		}
	}
	return notFound("attachment " + arn)
}

func (w *world) attachments(arn string) int {
	n := 0
	for _, u := range w.users {
		for _, a := range u.attached {
			if a == arn {
				n++
			}
		}
	}
	return n
}

func (w *world) GetPolicy(ctx context.Context, arn string) (Policy, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.call("GetPolicy"); err != nil {
		return Policy{}, err
	}
	p, ok := w.policies[arn]
	if !ok {
		return Policy{}, notFound("policy " + arn)
	}
	return Policy{ARN: arn, Name: p.name, Path: p.path, DefaultVersionID: p.defaultV, Tags: cloneMap(p.tags), AttachmentCount: w.attachments(arn)}, nil
}

func (w *world) GetPolicyVersion(ctx context.Context, arn, versionID string) (PolicyVersion, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.call("GetPolicyVersion"); err != nil {
		return PolicyVersion{}, err
	}
	p, ok := w.policies[arn]
	if !ok {
		return PolicyVersion{}, notFound("policy " + arn)
	}
	for _, v := range p.versions {
		if v.ID == versionID {
			v.IsDefault = v.ID == p.defaultV
			return v, nil
		}
	}
	return PolicyVersion{}, notFound("policy version " + versionID)
}

func (w *world) CreatePolicy(ctx context.Context, name, path, document string, tags map[string]string) (Policy, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.call("CreatePolicy"); err != nil {
		return Policy{}, err
	}
	arn := fmt.Sprintf("arn:aws:iam::%s:policy%s%s", account, path, name)
	if _, ok := w.policies[arn]; ok {
		return Policy{}, conflict("policy " + arn)
	}
	p := &fakePolicy{name: name, path: path, tags: cloneMap(tags), nextV: 2, defaultV: "v1",
		versions: []PolicyVersion{{ID: "v1", Created: w.tick(), Document: document}}}
	w.policies[arn] = p
	return Policy{ARN: arn, Name: name, Path: path, DefaultVersionID: "v1", Tags: cloneMap(tags)}, nil
}

func (w *world) CreatePolicyVersion(ctx context.Context, arn, document string) (PolicyVersion, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.call("CreatePolicyVersion"); err != nil {
		return PolicyVersion{}, err
	}
	p, ok := w.policies[arn]
	if !ok {
		return PolicyVersion{}, notFound("policy " + arn)
	}
	if len(p.versions) >= maxPolicyVersions {
		return PolicyVersion{}, fmt.Errorf("LimitExceeded: policy %s has %d versions", arn, len(p.versions))
	}
	v := PolicyVersion{ID: fmt.Sprintf("v%d", p.nextV), Created: w.tick(), Document: document}
	p.nextV++
	p.versions = append(p.versions, v)
	p.defaultV = v.ID
	v.IsDefault = true
	return v, nil
}

func (w *world) ListPolicyVersions(ctx context.Context, arn string) ([]PolicyVersion, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.call("ListPolicyVersions"); err != nil {
		return nil, err
	}
	p, ok := w.policies[arn]
	if !ok {
		return nil, notFound("policy " + arn)
	}
	var out []PolicyVersion
	for _, v := range p.versions {
		out = append(out, PolicyVersion{ID: v.ID, IsDefault: v.ID == p.defaultV, Created: v.Created})
	}
	return out, nil
}

func (w *world) DeletePolicyVersion(ctx context.Context, arn, versionID string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.call("DeletePolicyVersion"); err != nil {
		return err
	}
	p, ok := w.policies[arn]
	if !ok {
		return notFound("policy " + arn)
	}
	if versionID == p.defaultV {
		return fmt.Errorf("cannot delete the default version: %w", ErrDeleteConflict)
	}
	for i, v := range p.versions {
		if v.ID == versionID {
			p.versions = append(p.versions[:i], p.versions[i+1:]...)
			return nil
		}
	}
	return notFound("version " + versionID)
}

func (w *world) DeletePolicy(ctx context.Context, arn string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.call("DeletePolicy"); err != nil {
		return err
	}
	p, ok := w.policies[arn]
	if !ok {
		return notFound("policy " + arn)
	}
	if w.attachments(arn) > 0 || len(p.versions) > 1 {
		return fmt.Errorf("policy %s is attached or has versions: %w", arn, ErrDeleteConflict)
	}
	delete(w.policies, arn)
	return nil
}

func (w *world) TagPolicy(ctx context.Context, arn string, tags map[string]string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.call("TagPolicy"); err != nil {
		return err
	}
	p, ok := w.policies[arn]
	if !ok {
		return notFound("policy " + arn)
	}
	for k, v := range tags {
		p.tags[k] = v
	}
	return nil
}

func (w *world) UntagPolicy(ctx context.Context, arn string, keys []string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.call("UntagPolicy"); err != nil {
		return err
	}
	p, ok := w.policies[arn]
	if !ok {
		return notFound("policy " + arn)
	}
	for _, k := range keys {
		delete(p.tags, k)
	}
	return nil
}

// Prober

func (w *world) ProbeKey(ctx context.Context, id, secret string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.call("ProbeKey"); err != nil {
		return err
	}
	w.probes[id]++
	if w.probes[id] <= w.probeFailures {
		return fmt.Errorf("InvalidClientTokenId: the security token included in the request is invalid")
	}
	for _, u := range w.users {
		for _, k := range u.keys {
			if k.id == id && k.secret == secret && k.active {
				return nil
			}
		}
	}
	return fmt.Errorf("InvalidClientTokenId: unknown key %s", id)
}

// ICA

func (w *world) ListStorageCredentials(ctx context.Context) ([]ica.StorageCredential, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.call("ListStorageCredentials"); err != nil {
		return nil, err
	}
	var out []ica.StorageCredential
	for _, c := range w.creds {
		out = append(out, c.c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (w *world) CreateStorageCredential(ctx context.Context, in ica.CreateStorageCredential) (*ica.StorageCredential, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.call("CreateStorageCredential"); err != nil {
		return nil, err
	}
	for _, c := range w.creds {
		if c.c.Name == in.Name {
			return nil, &ica.APIError{Method: "POST", Path: "/api/storageCredentials", StatusCode: 409, Title: "Conflict"}
		}
	}
	c := &fakeCred{c: ica.StorageCredential{ID: uuid.NewString(), Name: in.Name, Type: in.Type},
		keyID: in.AWSCredentials.AccessKeyID, secret: in.AWSCredentials.SecretAccessKey}
	w.creds[c.c.ID] = c
	out := c.c
	return &out, nil
}

func (w *world) UpdateStorageCredentialSecrets(ctx context.Context, id string, creds ica.AWSCredentials) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.call("UpdateStorageCredentialSecrets"); err != nil {
		return err
	}
	c, ok := w.creds[id]
	if !ok {
		return &ica.APIError{Method: "POST", Path: "/api/storageCredentials/" + id + ":updateSecrets", StatusCode: 404, Title: "Not Found"}
	}
	c.keyID, c.secret = creds.AccessKeyID, creds.SecretAccessKey
	c.updateSecrets++
	return nil
}

func (w *world) ShareStorageCredential(ctx context.Context, id string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.call("ShareStorageCredential"); err != nil {
		return err
	}
	c, ok := w.creds[id]
	if !ok {
		return &ica.APIError{Method: "POST", Path: "/api/storageCredentials/" + id + ":share", StatusCode: 404, Title: "Not Found"}
	}
	c.shared = true
	return nil
}

// helpers for assertions

// keyWorks reports whether the credential's key is a live key of user (ICA could use it).
func (w *world) credKeyWorks(credID, user string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	c, ok := w.creds[credID]
	u, uok := w.users[user]
	if !ok || !uok {
		return false
	}
	for _, k := range u.keys {
		if k.id == c.keyID && k.secret == c.secret && k.active {
			return true
		}
	}
	return false
}

func (w *world) writes() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for op, n := range w.calls {
		if n == 0 {
			continue
		}
		for _, p := range []string{"Put", "Create", "Delete", "Tag", "Untag", "Attach", "Detach", "Update", "Share"} {
			if strings.HasPrefix(op, p) {
				out = append(out, op)
			}
		}
	}
	sort.Strings(out)
	return out
}

func (w *world) resetCalls() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls = map[string]int{}
}

func (w *world) count(op string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.calls[op]
}

func copyRules(rules []policy.CORSRule) []policy.CORSRule {
	var out []policy.CORSRule
	for _, r := range rules {
		c := r
		c.AllowedHeaders = append([]string(nil), r.AllowedHeaders...)
		c.AllowedMethods = append([]string(nil), r.AllowedMethods...)
		c.AllowedOrigins = append([]string(nil), r.AllowedOrigins...)
		c.ExposeHeaders = append([]string(nil), r.ExposeHeaders...)
		if r.MaxAgeSeconds != nil {
			v := *r.MaxAgeSeconds
			c.MaxAgeSeconds = &v
		}
		out = append(out, c)
	}
	return out
}
