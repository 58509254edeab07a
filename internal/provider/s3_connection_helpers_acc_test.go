package provider_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
	"github.com/ica-tf/terraform-provider-ica/internal/policy"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
)

// connEnv is one connection test's world: moto (shared), an emulator validating against it, and a
// bucket of its own carrying a foreign CORS rule that must survive everything.
type connEnv struct {
	moto   *acctest.Moto
	emu    *acctest.Emulator
	bucket string
}

var connForeignRule = s3types.CORSRule{
	ID:             aws.String("website"),
	AllowedMethods: []string{"GET"},
	AllowedOrigins: []string{"https://example.com"},
	AllowedHeaders: []string{"Authorization"},
	MaxAgeSeconds:  aws.Int32(3000),
}

func newConnEnv(t *testing.T) *connEnv {
	t.Helper()
	m := acctest.SharedMoto(t)
	e := acctest.NewEmulator(t, icaemulator.Options{APIKey: "test-api-key", AWSEndpoint: m.Endpoint})
	env := &connEnv{moto: m, emu: e, bucket: acctest.RandomName("conn")}
	ctx := context.Background()
	if _, err := m.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(env.bucket)}); err != nil {
		t.Fatal(err)
	}
	if err := acctest.EnforceBucketOwner(ctx, m, env.bucket); err != nil {
		t.Fatal(err)
	}
	env.putCORS(t, []s3types.CORSRule{connForeignRule})
	return env
}

func (env *connEnv) providerConfig() string { return acctest.ProviderConfig(env.emu, env.moto) }

func (env *connEnv) putCORS(t *testing.T, rules []s3types.CORSRule) {
	t.Helper()
	_, err := env.moto.S3.PutBucketCors(context.Background(), &s3.PutBucketCorsInput{
		Bucket: aws.String(env.bucket), CORSConfiguration: &s3types.CORSConfiguration{CORSRules: rules},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (env *connEnv) cors(t *testing.T) []s3types.CORSRule {
	t.Helper()
	out, err := env.moto.S3.GetBucketCors(context.Background(), &s3.GetBucketCorsInput{Bucket: aws.String(env.bucket)})
	if err != nil {
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode() == "NoSuchCORSConfiguration" {
			return nil
		}
		t.Fatal(err)
	}
	return out.CORSRules
}

// checkCORS verifies the foreign "website" rule is intact and our rules (ID ica-tf-*, or an ID-less
// rule with the ICA content) are exactly ourIDs, each with the ICA content. Other rules are ignored.
func (env *connEnv) checkCORS(t *testing.T, ourIDs ...string) error {
	rules := env.cors(t)
	var foreign int
	ours := map[string]bool{}
	for _, r := range rules {
		id := aws.ToString(r.ID)
		if id == "website" {
			foreign++
			if !reflect.DeepEqual(r.AllowedMethods, connForeignRule.AllowedMethods) || !reflect.DeepEqual(r.AllowedOrigins, connForeignRule.AllowedOrigins) ||
				!reflect.DeepEqual(r.AllowedHeaders, connForeignRule.AllowedHeaders) || aws.ToInt32(r.MaxAgeSeconds) != 3000 {
				return fmt.Errorf("the foreign CORS rule changed: %+v", r)
			}
			continue
		}
		want := policy.ICARule(id, r.AllowedOrigins)
		got := policy.CORSRule{ID: id, AllowedHeaders: r.AllowedHeaders, AllowedMethods: r.AllowedMethods, AllowedOrigins: r.AllowedOrigins, ExposeHeaders: r.ExposeHeaders, MaxAgeSeconds: r.MaxAgeSeconds}
		if !strings.HasPrefix(id, "ica-tf-") && !(id == "" && policy.SameContent(got, want)) {
			continue // another foreign rule (a test adds one); it is never ours
		}
		if !policy.SameContent(got, want) {
			return fmt.Errorf("rule %q is not the ICA rule: %+v", id, r)
		}
		ours[id] = true
	}
	if foreign != 1 {
		return fmt.Errorf("want the foreign CORS rule once, got %d (rules %d)", foreign, len(rules))
	}
	if len(ours) != len(ourIDs) {
		return fmt.Errorf("want our rules %v, got %v", ourIDs, ours)
	}
	for _, id := range ourIDs {
		if !ours[id] {
			return fmt.Errorf("our rule %q is missing (have %v)", id, ours)
		}
	}
	return nil
}

func (env *connEnv) iam() *iam.Client { return env.moto.IAM }

func (env *connEnv) keys(t *testing.T, user string) []iamtypes.AccessKeyMetadata {
	t.Helper()
	out, err := env.iam().ListAccessKeys(context.Background(), &iam.ListAccessKeysInput{UserName: aws.String(user)})
	if err != nil {
		t.Fatalf("listing keys of %s: %v", user, err)
	}
	return out.AccessKeyMetadata
}

func (env *connEnv) userExists(t *testing.T, user string) bool {
	t.Helper()
	_, err := env.iam().GetUser(context.Background(), &iam.GetUserInput{UserName: aws.String(user)})
	var nse *iamtypes.NoSuchEntityException
	if errors.As(err, &nse) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return true
}

// policiesNamed lists local policies with that name.
func (env *connEnv) policiesNamed(t *testing.T, name string) []iamtypes.Policy {
	t.Helper()
	var out []iamtypes.Policy
	p := iam.NewListPoliciesPaginator(env.iam(), &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, pol := range page.Policies {
			if aws.ToString(pol.PolicyName) == name {
				out = append(out, pol)
			}
		}
	}
	return out
}

func (env *connEnv) policyDocument(t *testing.T, arn string) string {
	t.Helper()
	ctx := context.Background()
	p, err := env.iam().GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	v, err := env.iam().GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: p.Policy.DefaultVersionId})
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := url.PathUnescape(aws.ToString(v.PolicyVersion.Document))
	return doc
}

// checkConverged verifies the AWS and ICA side of one connection against the state: exactly one key,
// which ICA holds; the policy attached; the CORS rules (foreign + ours).
func (env *connEnv) checkConverged(t *testing.T, resourceName string, ourRuleIDs ...string) func(*terraform.State) error {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[resourceName]
		if !ok {
			return fmt.Errorf("%s not in state", resourceName)
		}
		return env.checkConvergedAttrs(t, rs.Primary.Attributes, ourRuleIDs...)
	}
}

func (env *connEnv) checkConvergedAttrs(t *testing.T, a map[string]string, ourRuleIDs ...string) error {
	user := a["iam_user_name"]
	keys := env.keys(t, user)
	if len(keys) != 1 || aws.ToString(keys[0].AccessKeyId) != a["access_key_id"] {
		return fmt.Errorf("want exactly the state's key %s on %s, got %d keys", a["access_key_id"], user, len(keys))
	}
	var held string
	for _, c := range env.emu.Credentials(t) {
		if c.ID == a["credential_id"] {
			held = c.AccessKeyID
		}
	}
	if held != a["access_key_id"] {
		return fmt.Errorf("ICA holds key %q, state says %q", held, a["access_key_id"])
	}
	attached, err := env.iam().ListAttachedUserPolicies(context.Background(), &iam.ListAttachedUserPoliciesInput{UserName: aws.String(user)})
	if err != nil {
		return err
	}
	if len(attached.AttachedPolicies) != 1 || aws.ToString(attached.AttachedPolicies[0].PolicyArn) != a["iam_policy_arn"] {
		return fmt.Errorf("policy %s not attached alone to %s", a["iam_policy_arn"], user)
	}
	if eq, err := policy.Equivalent(env.policyDocument(t, a["iam_policy_arn"]), a["policy_json"]); err != nil || !eq {
		return fmt.Errorf("policy in AWS differs from policy_json (%v)", err)
	}
	if err := env.checkUserTags(t, user, a); err != nil {
		return err
	}
	if ourRuleIDs == nil {
		ourRuleIDs = []string{a["cors_rule_id"]}
	}
	return env.checkCORS(t, ourRuleIDs...)
}

// checkUserTags compares the IAM user's tags, without the provider's reserved ica-tf: ownership tags,
// with the state's tags.
func (env *connEnv) checkUserTags(t *testing.T, user string, a map[string]string) error {
	out, err := env.iam().ListUserTags(context.Background(), &iam.ListUserTagsInput{UserName: aws.String(user)})
	if err != nil {
		return err
	}
	got := map[string]string{}
	for _, tag := range out.Tags {
		if !strings.HasPrefix(aws.ToString(tag.Key), "ica-tf:") {
			got[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
		}
	}
	want := map[string]string{}
	for k, v := range a {
		if key, ok := strings.CutPrefix(k, "tags."); ok && key != "%" {
			want[key] = v
		}
	}
	if !maps.Equal(got, want) {
		return fmt.Errorf("IAM user %s has tags %v, state says %v", user, got, want)
	}
	return nil
}

// convergedAll is a state check (it works with for_each, unlike the legacy Check shim) running
// checkConvergedAttrs on every ica_s3_connection in the state.
type convergedAll struct {
	t       *testing.T
	env     *connEnv
	want    int
	ruleIDs []string
}

func (c convergedAll) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	ruleIDs := c.ruleIDs
	if ruleIDs == nil {
		// Every connection's rule is on the bucket next to the others'.
		for _, r := range req.State.Values.RootModule.Resources {
			if id, ok := r.AttributeValues["cors_rule_id"].(string); ok && r.Type == "ica_s3_connection" {
				ruleIDs = append(ruleIDs, id)
			}
		}
	}
	conns := connectionAttrs(req)
	for _, address := range slices.Sorted(maps.Keys(conns)) {
		if err := c.env.checkConvergedAttrs(c.t, conns[address], ruleIDs...); err != nil {
			resp.Error = fmt.Errorf("%s: %w", address, err)
			return
		}
	}
	if len(conns) != c.want {
		resp.Error = fmt.Errorf("want %d connections in state, got %d", c.want, len(conns))
	}
}

// connectionAttrs returns the string attributes of every ica_s3_connection in the state by address (a
// deposed object's with its key), tags
// flattened as the legacy state shows them ("tags.team").
func connectionAttrs(req statecheck.CheckStateRequest) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, r := range req.State.Values.RootModule.Resources {
		if r.Type != "ica_s3_connection" {
			continue
		}
		attrs := map[string]string{}
		for k, v := range r.AttributeValues {
			switch v := v.(type) {
			case string:
				attrs[k] = v
			case map[string]any:
				for mk, mv := range v {
					if s, ok := mv.(string); ok {
						attrs[k+"."+mk] = s
					}
				}
			}
		}
		address := r.Address
		if r.DeposedKey != "" {
			address += " (deposed " + r.DeposedKey + ")"
		}
		out[address] = attrs
	}
	return out
}

// checkNoSecret fails when any state attribute is a secret ICA holds (the emulator shows only hashes).
func (env *connEnv) checkNoSecret(t *testing.T) func(*terraform.State) error {
	return func(s *terraform.State) error {
		hashes := map[string]bool{}
		for _, c := range env.emu.Credentials(t) {
			hashes[c.SecretSha256] = true
		}
		for name, rs := range s.RootModule().Resources {
			for k, v := range rs.Primary.Attributes {
				sum := sha256.Sum256([]byte(v))
				if hashes[hex.EncodeToString(sum[:])] {
					return fmt.Errorf("%s.%s holds a secret access key", name, k)
				}
			}
		}
		return nil
	}
}

// checkDestroyed verifies that no IAM user (so no key) or policy remains of the connections in the state
// it is given or of the names given, and that the foreign CORS rule is intact and alone. As CheckDestroy
// it receives the state before the destroy, so every connection there is checked by its names; a Check
// in a destroy step sees an empty state, so there the names must be given. Nothing to check is an error.
func (env *connEnv) checkDestroyed(t *testing.T, users, policies []string) func(*terraform.State) error {
	return func(s *terraform.State) error {
		users, policies := slices.Clone(users), slices.Clone(policies)
		if s != nil && len(s.Modules) > 0 {
			for _, rs := range s.RootModule().Resources {
				if rs.Type == "ica_s3_connection" {
					users = append(users, rs.Primary.Attributes["iam_user_name"])
					policies = append(policies, rs.Primary.Attributes["iam_policy_name"])
				}
			}
		}
		if len(users) == 0 || len(policies) == 0 {
			return fmt.Errorf("checkDestroyed has no IAM user or policy to check (users %q, policies %q)", users, policies)
		}
		for _, u := range users {
			if env.userExists(t, u) {
				return fmt.Errorf("IAM user %s still exists", u)
			}
		}
		for _, p := range policies {
			if n := len(env.policiesNamed(t, p)); n != 0 {
				return fmt.Errorf("IAM policy %s still exists", p)
			}
		}
		return env.checkCORS(t)
	}
}

// emulatorCount counts emulator requests whose path ends with suffix and whose method matches.
func (env *connEnv) emulatorCount(t *testing.T, method, suffix string) int {
	n := 0
	for _, r := range env.emu.Requests(t) {
		if r.Method == method && strings.HasSuffix(r.Path, suffix) && r.Status < 300 {
			n++
		}
	}
	return n
}
