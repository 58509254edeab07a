package ica_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
)

func newProject(name string) ica.CreateProject {
	return ica.CreateProject{Name: name, RegionID: icaemulator.RegionID("US"), BillingMode: ica.BillingModeProject,
		StorageBundleID: icaemulator.StorageBundleID("US")}
}

// okConfiguration creates a storage configuration in the US region and waits until it is OK.
func okConfiguration(t *testing.T, c *ica.Client, name string) *ica.StorageConfiguration {
	t.Helper()
	ctx := context.Background()
	cred, err := c.CreateStorageCredential(ctx, ica.CreateStorageCredential{Name: name, Type: ica.CredentialTypeAWSUser,
		AWSCredentials: &ica.AWSCredentials{AccessKeyID: "AKIA" + name, SecretAccessKey: "s"}})
	if err != nil {
		t.Fatal(err)
	}
	prefix := "data/"
	cfg, err := c.CreateStorageConfiguration(ctx, ica.CreateStorageConfiguration{Name: name, StorageCredentialID: cred.ID,
		Type: ica.StorageTypeAWSS3, RegionID: icaemulator.RegionID("US"), AWSDetails: &ica.AWSDetails{BucketName: "bucket-" + name, KeyPrefix: &prefix}})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); cfg.Status == ica.StatusInitializing; {
		if time.Now().After(deadline) {
			t.Fatal("configuration still INITIALIZING")
		}
		time.Sleep(10 * time.Millisecond)
		if cfg, err = c.GetStorageConfiguration(ctx, cfg.ID); err != nil {
			t.Fatal(err)
		}
	}
	return cfg
}

func TestProjectsAgainstEmulator(t *testing.T) {
	srv := startEmulator(t, icaemulator.Options{ValidationDelay: 10 * time.Millisecond})
	c := emulatorClient(t, srv)
	ctx := context.Background()

	cfg := okConfiguration(t, c, "projcfg")
	in := newProject("Chain Project")
	sub := "runs"
	in.StorageConfigurationID, in.StorageConfigurationSubfolder = &cfg.ID, &sub
	p, created, err := c.CreateProject(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if p.StorageConfigurationID() != cfg.ID || !p.Active || created == "" {
		t.Fatalf("created %+v (ETag %q)", p, created)
	}
	got, etag, err := c.GetProject(ctx, p.ID)
	if err != nil || etag == "" || got.Name != "Chain Project" {
		t.Fatalf("GetProject = %+v, %q, %v", got, etag, err)
	}

	// The read-modify-write PUT changes the updatable fields and keeps the rest.
	desc := "described"
	updated, newETag, err := c.UpdateProject(ctx, p.ID, etag, ica.ProjectUpdate{ShortDescription: &desc, BillingMode: ica.BillingModeTenant,
		DataSharingEnabled: true, Tags: ica.ProjectTags{UserTags: []string{"a"}}, StorageBundleID: icaemulator.StorageBundleID("US"), AnalysisPriority: "LOW"})
	if err != nil {
		t.Fatal(err)
	}
	if newETag == "" || newETag == etag {
		t.Errorf("the PUT's ETag %q must be new (was %q)", newETag, etag)
	}
	if *updated.ShortDescription != desc || updated.BillingMode != ica.BillingModeTenant || *updated.AnalysisPriority != "LOW" ||
		updated.StorageConfigurationID() != cfg.ID || len(updated.Tags.UserTags) != 1 {
		t.Errorf("updated %+v", updated)
	}
	// The ETag the plan was made from is stale now: a conflict, not an overwrite.
	_, _, err = c.UpdateProject(ctx, p.ID, etag, ica.ProjectUpdate{BillingMode: ica.BillingModeProject, StorageBundleID: icaemulator.StorageBundleID("US"), AnalysisPriority: "LOW"})
	var changed *ica.ErrProjectChanged
	if !errors.As(err, &changed) {
		t.Errorf("stale ETag: err = %v, want ErrProjectChanged", err)
	}
	// A bundle of another region is ICA's 400.
	if _, _, err := c.UpdateProject(ctx, p.ID, "", ica.ProjectUpdate{BillingMode: ica.BillingModeProject, StorageBundleID: icaemulator.StorageBundleID("DE"), AnalysisPriority: "LOW"}); err == nil {
		t.Error("a bundle of another region was accepted")
	}

	// The undocumented subfolder endpoint, and an ICA without it (404: unknown).
	if sub, known, err := c.ProjectSubfolder(ctx, p.ID); err != nil || !known || sub != "runs" {
		t.Errorf("ProjectSubfolder = %q, %v, %v; want runs", sub, known, err)
	}
	bare := emulatorClient(t, startEmulator(t, icaemulator.Options{NoProjectSubfolder: true}))
	if sub, known, err := bare.ProjectSubfolder(ctx, p.ID); err != nil || known || sub != "" {
		t.Errorf("ProjectSubfolder without the endpoint = %q, %v, %v; want unknown", sub, known, err)
	}

	if err := c.HideProject(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	found, err := c.FindProjectsByName(ctx, "Chain Project")
	if err != nil || len(found) != 1 || found[0].Active {
		t.Fatalf("FindProjectsByName after hide = %+v, %v", found, err)
	}
	visible, err := c.ListProjects(ctx, "", false)
	if err != nil || len(visible) != 0 {
		t.Errorf("visible projects after hide = %+v, %v", visible, err)
	}
}

// TestFindProjectsByNamePagesAndComparesExactly: search is free text, so similar names come back
// and must not match; the match may sit on a later page.
func TestFindProjectsByNamePagesAndComparesExactly(t *testing.T) {
	srv := startEmulator(t, icaemulator.Options{})
	c := emulatorClient(t, srv)
	ctx := context.Background()
	for i := range 120 {
		if _, _, err := c.CreateProject(ctx, newProject(fmt.Sprintf("Target %03d", i))); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := c.CreateProject(ctx, newProject("Target")); err != nil {
		t.Fatal(err)
	}
	found, err := c.FindProjectsByName(ctx, "Target")
	if err != nil || len(found) != 1 || found[0].Name != "Target" {
		t.Fatalf("FindProjectsByName = %d projects, %v", len(found), err)
	}
	var log []icaemulator.ControlRequest
	control(t, srv, http.MethodGet, "/_emulator/requests", nil, &log)
	lists := 0
	for _, r := range log {
		if r.Method == http.MethodGet && r.Path == "/api/projects" {
			lists++
		}
	}
	if lists != 2 {
		t.Errorf("%d list calls for 121 projects, want 2 pages of 100", lists)
	}
}

// TestCreateProjectIsNotRetriedAfterALostResponse: ICA made the project, the answer was lost; the
// client must not POST again (that would be a second project).
func TestCreateProjectIsNotRetriedAfterALostResponse(t *testing.T) {
	srv := startEmulator(t, icaemulator.Options{})
	c := emulatorClient(t, srv)
	control(t, srv, http.MethodPost, "/_emulator/faults", map[string]any{"method": "POST", "path": "/api/projects", "dropResponse": true, "count": 1}, nil)
	if _, _, err := c.CreateProject(context.Background(), newProject("Lost")); err == nil {
		t.Fatal("a lost response was reported as success")
	}
	var projects []icaemulator.ControlProject
	control(t, srv, http.MethodGet, "/_emulator/projects", nil, &projects)
	if len(projects) != 1 {
		t.Fatalf("%d projects after one lost create, want exactly 1", len(projects))
	}
	found, err := c.FindProjectsByName(context.Background(), "Lost")
	if err != nil || len(found) != 1 {
		t.Errorf("FindProjectsByName = %+v, %v", found, err)
	}
}

func TestStorageBundlesAgainstEmulator(t *testing.T) {
	srv := startEmulator(t, icaemulator.Options{})
	bundles, err := emulatorClient(t, srv).ListStorageBundles(context.Background())
	if err != nil || len(bundles) != 12 || bundles[0].BundleName == "" || bundles[0].Region.ID == "" {
		t.Fatalf("ListStorageBundles = %d, %v", len(bundles), err)
	}
}
