package connection

import (
	"context"
	"errors"
)

// The fake bucket policy: the document as written, like S3 (AWS normalises it; tests compare by meaning).

func (w *world) bucket(op, region, bucket string) (*fakeBucket, error) {
	if err := w.call(op); err != nil {
		return nil, err
	}
	b, ok := w.buckets[bucket]
	if !ok {
		return nil, notFound("bucket " + bucket)
	}
	if region != b.region {
		return nil, wrongRegion(bucket, region)
	}
	return b, nil
}

func (w *world) BucketPolicy(_ context.Context, region, bucket string) (string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	b, err := w.bucket("BucketPolicy", region, bucket)
	if err != nil {
		return "", err
	}
	return b.policy, nil
}

func (w *world) PutBucketPolicy(_ context.Context, region, bucket, doc string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	b, err := w.bucket("PutBucketPolicy", region, bucket)
	if err != nil {
		return err
	}
	if doc == "" {
		return errors.New("MalformedPolicy: empty policy")
	}
	b.policy = doc
	return nil
}

func (w *world) DeleteBucketPolicy(_ context.Context, region, bucket string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	b, err := w.bucket("DeleteBucketPolicy", region, bucket)
	if err != nil {
		return err
	}
	b.policy = ""
	return nil
}
