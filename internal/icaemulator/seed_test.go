package icaemulator_test

import (
	"testing"

	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
)

// TestSeedSameName: a copy of each kind of object shares the original's name under a new id; the lists
// and gets (validated against the OpenAPI document) show both, and an unknown id is an error.
func TestSeedSameName(t *testing.T) {
	s := newServer(t, icaemulator.Options{})
	cfg := s.okConfig("dup")
	var p project
	s.must(201, "POST", "/api/projects", projectBody("Dup", "US")).json(t, &p)
	var creds struct{ Items []credential }
	s.must(200, "GET", "/api/storageCredentials", nil).json(t, &creds)
	if len(creds.Items) != 1 {
		t.Fatalf("want one credential, got %d", len(creds.Items))
	}

	for _, c := range []struct{ what, id, list, name string }{
		{"credential", creds.Items[0].ID, "/api/storageCredentials", creds.Items[0].Name},
		{"configuration", cfg.ID, "/api/storageConfigurations", cfg.Name},
		{"project", p.ID, "/api/projects", p.Name},
	} {
		dup, err := s.emu.SeedSameName(c.id)
		if err != nil || dup == "" || dup == c.id {
			t.Fatalf("%s: SeedSameName(%s) = %q, %v", c.what, c.id, dup, err)
		}
		var one struct{ ID, Name string }
		s.must(200, "GET", c.list+"/"+dup, nil).json(t, &one)
		if one.ID != dup || one.Name != c.name {
			t.Errorf("%s copy reads as %+v, want id %s named %q", c.what, one, dup, c.name)
		}
		var list struct{ Items []struct{ ID, Name string } }
		s.must(200, "GET", c.list, nil).json(t, &list)
		var named []string
		for _, it := range list.Items {
			if it.Name == c.name {
				named = append(named, it.ID)
			}
		}
		if len(named) != 2 || named[0] != c.id || named[1] != dup {
			t.Errorf("%s list: want %s and %s named %q, got %v", c.what, c.id, dup, c.name, named)
		}
	}
	var copied project
	s.must(200, "GET", "/api/projects/"+s.controlProjects()[1].ID, nil).json(t, &copied)
	if copied.SelfManagedStorageConfiguration != nil || copied.Region.ID != p.Region.ID || copied.BillingMode != p.BillingMode {
		t.Errorf("the copied project is not the original on ICA's own storage: %+v", copied)
	}
	if _, err := s.emu.SeedSameName("00000000-0000-0000-0000-000000000000"); err == nil {
		t.Error("SeedSameName of an unknown id succeeded")
	}
}
