package provider

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/ica-tf/terraform-provider-ica/internal/connection"
	"github.com/ica-tf/terraform-provider-ica/internal/ica"
	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
)

// A destroy plan names the storage configurations that use the connection's credential: destroying the
// connection deletes the key they validate with. Warnings cannot be asserted through terraform-plugin-testing,
// so this drives ModifyPlan directly against the emulator.
func TestS3ConnectionDestroyPlanWarnsAboutStorageConfigurations(t *testing.T) {
	ctx := context.Background()
	emu := icaemulator.New(icaemulator.Options{APIKey: "k", ValidationDelay: time.Millisecond})
	srv := httptest.NewServer(emu)
	t.Cleanup(func() { srv.Close(); emu.Close() })
	client, err := ica.New(ica.Config{BaseURL: srv.URL, APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}

	newCredential := func(name string) string {
		c, err := client.CreateStorageCredential(ctx, ica.CreateStorageCredential{Name: name, Type: ica.CredentialTypeAWSUser,
			AWSCredentials: &ica.AWSCredentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "not-a-real-secret"}})
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	used, unused := newCredential("used"), newCredential("unused")
	rs, err := client.ListRegions(ctx)
	if err != nil || len(rs) == 0 {
		t.Fatalf("regions: %v %v", rs, err)
	}
	cfg, err := client.CreateStorageConfiguration(ctx, ica.CreateStorageConfiguration{Name: "lab-data", Type: ica.StorageTypeAWSS3,
		StorageCredentialID: used, RegionID: rs[0].ID, AWSDetails: &ica.AWSDetails{BucketName: "lab-bucket"}})
	if err != nil {
		t.Fatal(err)
	}

	destroyPlan := func(credentialID string) resource.ModifyPlanResponse {
		r := &s3ConnectionResource{data: &ProviderData{ICA: client}}
		m := s3ConnectionModel{
			Bucket: types.StringValue("lab-bucket"), Prefix: types.StringNull(), ICARegion: types.StringNull(),
			IAMUserName: types.StringValue("u"), IAMPolicyName: types.StringValue("p"), IAMPath: types.StringValue("/"),
			KMSKeyARN: types.StringNull(), CORSAllowedOrigins: types.ListNull(types.StringType),
			ManageCORS: types.BoolValue(true), CredentialName: types.StringValue("c"), ShareCredential: types.BoolValue(false),
			RotationTrigger: types.StringNull(), Tags: types.MapNull(types.StringType), PolicyJSON: types.StringNull(),
			ID: types.StringNull(), Timeouts: timeouts.Value{Object: types.ObjectNull(timeoutAttrTypes)},
		}
		m.setObserved(connection.State{CredentialID: credentialID})
		state := stateOf(t, r, m)
		plan := tfsdk.Plan{Schema: state.Schema, Raw: tftypes.NewValue(state.Schema.Type().TerraformType(ctx), nil)}
		var resp resource.ModifyPlanResponse
		r.ModifyPlan(ctx, resource.ModifyPlanRequest{State: state, Plan: plan}, &resp)
		return resp
	}

	onlyWarning(t, destroyPlan(used).Diagnostics, "lab-data", cfg.ID, `"lab-bucket"`, "turn ERROR")
	if d := destroyPlan(unused).Diagnostics; d.WarningsCount() != 0 || d.HasError() {
		t.Fatalf("a credential no configuration uses must plan its destroy quietly, got %v", d)
	}
}
