package awsapi

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/ica-tf/terraform-provider-ica/internal/connection"
)

var _ connection.UserDirectory = IAM{}

// ListUsers pages through the account's IAM users (without tags: ListUsers never returns them), calling
// each for every user until it returns false.
func (a IAM) ListUsers(ctx context.Context, each func(connection.User) bool) error {
	cl, err := a.client(ctx)
	if err != nil {
		return err
	}
	pages := iam.NewListUsersPaginator(cl, &iam.ListUsersInput{})
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return mapErr(err)
		}
		for i := range out.Users {
			if !each(userOut(&out.Users[i])) {
				return nil
			}
		}
	}
	return nil
}

// ListUserTags returns all tags of an IAM user (paged; a user has at most 50).
func (a IAM) ListUserTags(ctx context.Context, name string) (map[string]string, error) {
	cl, err := a.client(ctx)
	if err != nil {
		return nil, err
	}
	tags := map[string]string{}
	pages := iam.NewListUserTagsPaginator(cl, &iam.ListUserTagsInput{UserName: aws.String(name)})
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return nil, mapErr(err)
		}
		for k, v := range tagsOut(out.Tags) {
			tags[k] = v
		}
	}
	return tags, nil
}
