package provider

import (
	"strings"
	"testing"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
)

func TestAdoptionVerdict(t *testing.T) {
	const region, other, config = "r-1", "r-2", "c-1"
	spec := projectSpec{Name: "Runs", RegionID: region, StorageConfigurationID: config}
	project := func(id string, active bool, regionID, configID string) ica.Project {
		p := ica.Project{ID: id, Name: "Runs", Active: active, Region: ica.Region{ID: regionID}}
		if configID != "" {
			p.SelfManagedStorageConfiguration = &ica.StorageConfiguration{ID: configID}
		}
		return p
	}
	for _, tt := range []struct {
		name    string
		found   []ica.Project
		adopt   string
		wantErr string
	}{
		{"none", nil, "", ""},
		{"match", []ica.Project{project("p1", true, region, config)}, "p1", ""},
		{"hidden", []ica.Project{project("p1", false, region, config)}, "", "hidden project named \"Runs\" (p1)"},
		{"hidden besides a match", []ica.Project{project("p1", true, region, config), project("p2", false, region, config)}, "", "hidden"},
		{"other region", []ica.Project{project("p1", true, other, config)}, "", "region_id is r-2 in ICA, r-1 here"},
		{"own storage", []ica.Project{project("p1", true, region, "")}, "", "storage_configuration_id is none (ICA's own storage) in ICA"},
		{"two visible", []ica.Project{project("p1", true, region, config), project("p2", true, region, config)}, "", "2 projects named \"Runs\" (p1, p2)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := adoptionVerdict(spec, tt.found)
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || p != nil {
					t.Fatalf("got %v, %v; want an error containing %q", p, err, tt.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			case tt.adopt == "" && p != nil, tt.adopt != "" && (p == nil || p.ID != tt.adopt):
				t.Fatalf("adopted %v, want %q", p, tt.adopt)
			}
		})
	}
}

func TestPickBundle(t *testing.T) {
	b := func(id, name, region string) ica.StorageBundle {
		return ica.StorageBundle{ID: id, BundleName: name, Region: ica.Region{ID: region}}
	}
	all := []ica.StorageBundle{b("a", "Standard", "us"), b("b", "Standard", "de"), b("c", "Premium", "de")}
	if got, err := pickBundle(all, "us", ""); err != nil || got.ID != "a" {
		t.Errorf("us = %v, %v", got, err)
	}
	if got, err := pickBundle(all, "DE", "Premium"); err != nil || got.ID != "c" {
		t.Errorf("de Premium = %v, %v", got, err)
	}
	for _, c := range []struct{ region, name, want string }{
		{"de", "", "has 2 storage bundles"},
		{"us", "Premium", "no storage bundle named \"Premium\". Its bundles: \"Standard\" (a"},
		{"jp", "", "no storage bundle in region jp"},
	} {
		if _, err := pickBundle(all, c.region, c.name); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("pickBundle(%s, %q) = %v, want %q", c.region, c.name, err, c.want)
		}
	}
}

func TestPickOne(t *testing.T) {
	type obj struct{ id, name string }
	items := []obj{{"A-1", "lab"}, {"b-2", "lab"}, {"c-3", "other"}}
	id, name := func(o obj) string { return o.id }, func(o obj) string { return o.name }
	if got, err := pickOne("thing", items, "a-1", "", id, name); err != nil || got.id != "A-1" {
		t.Errorf("by id = %v, %v", got, err)
	}
	if got, err := pickOne("thing", items, "", "other", id, name); err != nil || got.id != "c-3" {
		t.Errorf("by name = %v, %v", got, err)
	}
	if _, err := pickOne("thing", items, "", "lab", id, name); err == nil || !strings.Contains(err.Error(), "2 things named \"lab\": A-1, b-2") {
		t.Errorf("ambiguous = %v", err)
	}
	if _, err := pickOne("thing", items, "", "none", id, name); err == nil || !strings.Contains(err.Error(), `"other" (c-3)`) {
		t.Errorf("not found = %v", err)
	}
}
