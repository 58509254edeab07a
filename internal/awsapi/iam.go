package awsapi

import (
	"context"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ica-tf/terraform-provider-ica/internal/connection"
)

// IAM implements connection.IAM.
type IAM struct{ c *Clients }

var _ connection.IAM = IAM{}

// IAMAdapter returns the connection.IAM implementation.
func (c *Clients) IAMAdapter() IAM { return IAM{c} }

func (a IAM) client(ctx context.Context) (*iam.Client, error) { return a.c.IAM(ctx) }

func (a IAM) AccountID(ctx context.Context) (string, error) {
	cl, err := a.c.STS(ctx)
	if err != nil {
		return "", err
	}
	out, err := cl.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.Account), nil
}

func tagsOut(tags []iamtypes.Tag) map[string]string {
	out := map[string]string{}
	for _, t := range tags {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}

func tagsIn(tags map[string]string) []iamtypes.Tag {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]iamtypes.Tag, 0, len(keys))
	for _, k := range keys {
		out = append(out, iamtypes.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	return out
}

func userOut(u *iamtypes.User) connection.User {
	if u == nil {
		return connection.User{}
	}
	return connection.User{Name: aws.ToString(u.UserName), Path: aws.ToString(u.Path), ARN: aws.ToString(u.Arn), Tags: tagsOut(u.Tags)}
}

func (a IAM) GetUser(ctx context.Context, name string) (connection.User, error) {
	cl, err := a.client(ctx)
	if err != nil {
		return connection.User{}, err
	}
	out, err := cl.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(name)})
	if err != nil {
		return connection.User{}, mapErr(err)
	}
	return userOut(out.User), nil
}

func (a IAM) CreateUser(ctx context.Context, name, path string, tags map[string]string) (connection.User, error) {
	cl, err := a.client(ctx)
	if err != nil {
		return connection.User{}, err
	}
	out, err := cl.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name), Path: aws.String(path), Tags: tagsIn(tags)})
	if err != nil {
		return connection.User{}, mapErr(err)
	}
	u := userOut(out.User)
	u.Tags = tags
	return u, nil
}

func (a IAM) TagUser(ctx context.Context, name string, tags map[string]string) error {
	cl, err := a.client(ctx)
	if err != nil {
		return err
	}
	_, err = cl.TagUser(ctx, &iam.TagUserInput{UserName: aws.String(name), Tags: tagsIn(tags)})
	return mapErr(err)
}

func (a IAM) UntagUser(ctx context.Context, name string, keys []string) error {
	cl, err := a.client(ctx)
	if err != nil {
		return err
	}
	_, err = cl.UntagUser(ctx, &iam.UntagUserInput{UserName: aws.String(name), TagKeys: keys})
	return mapErr(err)
}

func (a IAM) DeleteUser(ctx context.Context, name string) error {
	cl, err := a.client(ctx)
	if err != nil {
		return err
	}
	_, err = cl.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String(name)})
	return mapErr(err)
}

// ListUsers lists the account's IAM users (names, paths and ARNs; IAM returns no tags here), one call
// per page of 1,000.
func (a IAM) ListUsers(ctx context.Context) ([]connection.User, error) {
	cl, err := a.client(ctx)
	if err != nil {
		return nil, err
	}
	var users []connection.User
	p := iam.NewListUsersPaginator(cl, &iam.ListUsersInput{MaxItems: aws.Int32(1000)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, mapErr(err)
		}
		for i := range out.Users {
			users = append(users, userOut(&out.Users[i]))
		}
	}
	return users, nil
}

func (a IAM) ListAccessKeys(ctx context.Context, user string) ([]connection.AccessKey, error) {
	cl, err := a.client(ctx)
	if err != nil {
		return nil, err
	}
	var keys []connection.AccessKey
	p := iam.NewListAccessKeysPaginator(cl, &iam.ListAccessKeysInput{UserName: aws.String(user)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, mapErr(err)
		}
		for _, k := range out.AccessKeyMetadata {
			keys = append(keys, connection.AccessKey{
				ID:      aws.ToString(k.AccessKeyId),
				Active:  k.Status == iamtypes.StatusTypeActive,
				Created: aws.ToTime(k.CreateDate),
			})
		}
	}
	return keys, nil
}

func (a IAM) CreateAccessKey(ctx context.Context, user string) (connection.NewAccessKey, error) {
	cl, err := a.client(ctx)
	if err != nil {
		return connection.NewAccessKey{}, err
	}
	out, err := cl.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(user)})
	if err != nil {
		return connection.NewAccessKey{}, mapErr(err)
	}
	if out.AccessKey == nil {
		return connection.NewAccessKey{}, fmt.Errorf("IAM CreateAccessKey for user %q returned no key", user)
	}
	attempts, _ := retry.GetAttemptResults(out.ResultMetadata)
	return connection.NewAccessKey{
		ID: aws.ToString(out.AccessKey.AccessKeyId), Secret: aws.ToString(out.AccessKey.SecretAccessKey),
		Retried: len(attempts.Results) > 1,
	}, nil
}

func (a IAM) DeleteAccessKey(ctx context.Context, user, keyID string) error {
	cl, err := a.client(ctx)
	if err != nil {
		return err
	}
	_, err = cl.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String(user), AccessKeyId: aws.String(keyID)})
	return mapErr(err)
}

func (a IAM) ListAttachedUserPolicies(ctx context.Context, user string) ([]string, error) {
	cl, err := a.client(ctx)
	if err != nil {
		return nil, err
	}
	var arns []string
	p := iam.NewListAttachedUserPoliciesPaginator(cl, &iam.ListAttachedUserPoliciesInput{UserName: aws.String(user)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, mapErr(err)
		}
		for _, ap := range out.AttachedPolicies {
			arns = append(arns, aws.ToString(ap.PolicyArn))
		}
	}
	return arns, nil
}

func (a IAM) AttachUserPolicy(ctx context.Context, user, policyARN string) error {
	cl, err := a.client(ctx)
	if err != nil {
		return err
	}
	_, err = cl.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(user), PolicyArn: aws.String(policyARN)})
	return mapErr(err)
}

func (a IAM) DetachUserPolicy(ctx context.Context, user, policyARN string) error {
	cl, err := a.client(ctx)
	if err != nil {
		return err
	}
	_, err = cl.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String(user), PolicyArn: aws.String(policyARN)})
	return mapErr(err)
}

func policyOut(p *iamtypes.Policy) connection.Policy {
	if p == nil {
		return connection.Policy{}
	}
	return connection.Policy{
		ARN: aws.ToString(p.Arn), Name: aws.ToString(p.PolicyName), Path: aws.ToString(p.Path),
		DefaultVersionID: aws.ToString(p.DefaultVersionId),
		Tags:             tagsOut(p.Tags),
		AttachmentCount:  int(aws.ToInt32(p.AttachmentCount)),
	}
}

func (a IAM) GetPolicy(ctx context.Context, arn string) (connection.Policy, error) {
	cl, err := a.client(ctx)
	if err != nil {
		return connection.Policy{}, err
	}
	out, err := cl.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil {
		return connection.Policy{}, mapErr(err)
	}
	return policyOut(out.Policy), nil
}

func versionOut(v *iamtypes.PolicyVersion) connection.PolicyVersion {
	if v == nil {
		return connection.PolicyVersion{}
	}
	return connection.PolicyVersion{ID: aws.ToString(v.VersionId), IsDefault: v.IsDefaultVersion, Created: aws.ToTime(v.CreateDate), Document: aws.ToString(v.Document)}
}

func (a IAM) GetPolicyVersion(ctx context.Context, arn, versionID string) (connection.PolicyVersion, error) {
	cl, err := a.client(ctx)
	if err != nil {
		return connection.PolicyVersion{}, err
	}
	out, err := cl.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String(versionID)})
	if err != nil {
		return connection.PolicyVersion{}, mapErr(err)
	}
	return versionOut(out.PolicyVersion), nil
}

func (a IAM) CreatePolicy(ctx context.Context, name, path, document string, tags map[string]string) (connection.Policy, error) {
	cl, err := a.client(ctx)
	if err != nil {
		return connection.Policy{}, err
	}
	out, err := cl.CreatePolicy(ctx, &iam.CreatePolicyInput{
		PolicyName: aws.String(name), Path: aws.String(path), PolicyDocument: aws.String(document), Tags: tagsIn(tags),
		Description: aws.String("ICA access to an S3 bucket, managed by terraform-provider-ica"),
	})
	if err != nil {
		return connection.Policy{}, mapErr(err)
	}
	p := policyOut(out.Policy)
	p.Tags = tags
	return p, nil
}

func (a IAM) CreatePolicyVersion(ctx context.Context, arn, document string) (connection.PolicyVersion, error) {
	cl, err := a.client(ctx)
	if err != nil {
		return connection.PolicyVersion{}, err
	}
	out, err := cl.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(document), SetAsDefault: true})
	if err != nil {
		return connection.PolicyVersion{}, mapErr(err)
	}
	v := versionOut(out.PolicyVersion)
	v.Document = document
	return v, nil
}

func (a IAM) ListPolicyVersions(ctx context.Context, arn string) ([]connection.PolicyVersion, error) {
	cl, err := a.client(ctx)
	if err != nil {
		return nil, err
	}
	var versions []connection.PolicyVersion
	p := iam.NewListPolicyVersionsPaginator(cl, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(arn)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, mapErr(err)
		}
		for i := range out.Versions {
			versions = append(versions, versionOut(&out.Versions[i]))
		}
	}
	return versions, nil
}

func (a IAM) DeletePolicyVersion(ctx context.Context, arn, versionID string) error {
	cl, err := a.client(ctx)
	if err != nil {
		return err
	}
	_, err = cl.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String(versionID)})
	return mapErr(err)
}

func (a IAM) DeletePolicy(ctx context.Context, arn string) error {
	cl, err := a.client(ctx)
	if err != nil {
		return err
	}
	_, err = cl.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arn)})
	return mapErr(err)
}

func (a IAM) TagPolicy(ctx context.Context, arn string, tags map[string]string) error {
	cl, err := a.client(ctx)
	if err != nil {
		return err
	}
	_, err = cl.TagPolicy(ctx, &iam.TagPolicyInput{PolicyArn: aws.String(arn), Tags: tagsIn(tags)})
	return mapErr(err)
}

func (a IAM) UntagPolicy(ctx context.Context, arn string, keys []string) error {
	cl, err := a.client(ctx)
	if err != nil {
		return err
	}
	_, err = cl.UntagPolicy(ctx, &iam.UntagPolicyInput{PolicyArn: aws.String(arn), TagKeys: keys})
	return mapErr(err)
}
