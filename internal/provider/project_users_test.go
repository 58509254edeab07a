package provider

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
)

// TestProjectsOnConfigurations: the connection's destroy warning names the visible projects on the
// storage configurations that use its credential, and only those.
func TestProjectsOnConfigurations(t *testing.T) {
	emu := icaemulator.New(icaemulator.Options{APIKey: "k", ValidationDelay: 10 * time.Millisecond})
	srv := httptest.NewServer(emu)
	t.Cleanup(func() { srv.Close(); emu.Close() })
	client, err := ica.New(ica.Config{BaseURL: srv.URL, APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	mk := func(name string) ica.CreateProject {
		return ica.CreateProject{Name: name, RegionID: icaemulator.RegionID("US"), BillingMode: ica.BillingModeProject,
			StorageBundleID: icaemulator.StorageBundleID("US")}
	}
	own, _, err := client.CreateProject(ctx, mk("On ICA storage"))
	if err != nil {
		t.Fatal(err)
	}
	data := &ProviderData{ICA: client}
	if got := projectsOnConfigurations(ctx, data, map[string]bool{"some-config": true}); got != "" {
		t.Errorf("no project is on the configuration, got %q", got)
	}
	cred, err := client.CreateStorageCredential(ctx, ica.CreateStorageCredential{Name: "c", Type: ica.CredentialTypeAWSUser,
		AWSCredentials: &ica.AWSCredentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "s"}})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := client.CreateStorageConfiguration(ctx, ica.CreateStorageConfiguration{Name: "cfg", StorageCredentialID: cred.ID,
		Type: ica.StorageTypeAWSS3, RegionID: icaemulator.RegionID("US"), AWSDetails: &ica.AWSDetails{BucketName: "bucket"}})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); cfg.Status != ica.StatusOK; {
		if time.Now().After(deadline) {
			t.Fatalf("configuration is %s after 10s", cfg.Status)
		}
		time.Sleep(10 * time.Millisecond)
		if cfg, err = client.GetStorageConfiguration(ctx, cfg.ID); err != nil {
			t.Fatal(err)
		}
	}
	in, sub := mk("On the bucket"), "runs"
	in.StorageConfigurationID, in.StorageConfigurationSubfolder = &cfg.ID, &sub
	on, _, err := client.CreateProject(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	// One list per provider instance: the destroy plans of N connections share it.
	if got := projectsOnConfigurations(ctx, data, map[string]bool{cfg.ID: true}); got != "" {
		t.Errorf("the provider instance listed the projects again: %q", got)
	}
	data = &ProviderData{ICA: client}
	got := projectsOnConfigurations(ctx, data, map[string]bool{cfg.ID: true})
	if !strings.Contains(got, `"On the bucket" (`+on.ID+`)`) || strings.Contains(got, own.ID) {
		t.Errorf("warning part = %q, want the project on the configuration only", got)
	}
	// A project on ICA's own storage has no configuration id: it must not match an empty key.
	if got := projectsOnConfigurations(ctx, data, map[string]bool{"": true}); strings.Contains(got, own.ID) {
		t.Errorf("a project on ICA's storage was named: %q", got)
	}
}
