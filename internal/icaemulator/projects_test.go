package icaemulator_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
)

type project struct {
	ID                 string `json:"id"`
	Name               string `json:"name"`
	Active             bool   `json:"active"`
	ShortDescription   *string
	BillingMode        string `json:"billingMode"`
	DataSharingEnabled bool   `json:"dataSharingEnabled"`
	AnalysisPriority   string `json:"analysisPriority"`
	Region             struct {
		ID string `json:"id"`
	} `json:"region"`
	StorageBundle struct {
		ID string `json:"id"`
	} `json:"storageBundle"`
	SelfManagedStorageConfiguration *struct {
		ID string `json:"id"`
	} `json:"selfManagedStorageConfiguration"`
	Tags struct {
		UserTags      []string `json:"userTags"`
		TechnicalTags []string `json:"technicalTags"`
	} `json:"tags"`
}

type projectPage struct {
	Items          []project `json:"items"`
	TotalItemCount int       `json:"totalItemCount"`
}

func projectBody(name, country string) map[string]any {
	return map[string]any{
		"name": name, "regionId": icaemulator.RegionID(country), "billingMode": "PROJECT",
		"dataSharingEnabled": false, "storageBundleId": icaemulator.StorageBundleID(country),
	}
}

// okConfig returns a storage configuration in the US region that has validated OK.
func (s *server) okConfig(name string) storageConfiguration {
	s.t.Helper()
	cred := s.createCredential(name+"-cred", "AKIA"+strings.ToUpper(name), "secret")
	c := s.createConfig(configBody(name, cred.ID, icaemulator.RegionID("US"), "bucket-"+name, "data/"))
	if c = s.waitSettled(c.ID); c.Status != "OK" {
		s.t.Fatalf("configuration %s is %s", name, c.Status)
	}
	return c
}

func (s *server) controlProjects() []icaemulator.ControlProject {
	s.t.Helper()
	var out []icaemulator.ControlProject
	s.must(200, "GET", "/_emulator/projects", nil).json(s.t, &out)
	return out
}

func TestStorageBundlesOnePerRegion(t *testing.T) {
	s := newServer(t, icaemulator.Options{})
	var list struct {
		Items []struct {
			ID         string `json:"id"`
			BundleName string `json:"bundleName"`
			Region     struct {
				ID string `json:"id"`
			} `json:"region"`
		} `json:"items"`
	}
	s.must(200, "GET", "/api/storageBundles", nil).json(t, &list)
	perRegion := map[string]int{}
	for _, b := range list.Items {
		perRegion[b.Region.ID]++
	}
	if n := perRegion[icaemulator.RegionID("US")]; n != 1 || len(perRegion) != 12 {
		t.Fatalf("bundles per region = %v, want one in each of the 12 regions", perRegion)
	}
	s.must(201, "POST", "/_emulator/storageBundles", map[string]any{"regionId": icaemulator.RegionID("US"), "bundleName": "Premium", "entitlementName": "Premium"})
	s.must(200, "GET", "/api/storageBundles", nil).json(t, &list)
	if len(list.Items) != 13 {
		t.Errorf("after adding a bundle the list has %d, want 13", len(list.Items))
	}
}

func TestProjectLifecycle(t *testing.T) {
	s := newServer(t, icaemulator.Options{})
	cfg := s.okConfig("lifecycle")
	body := projectBody("Project One", "US")
	body["storageConfigurationId"] = cfg.ID
	body["storageConfigurationSubfolder"] = "one/"
	body["tags"] = map[string]any{"userTags": []string{"u"}, "technicalTags": []string{}}
	res := s.must(201, "POST", "/api/projects", body)
	var p project
	res.json(t, &p)
	created := res.header.Get("ETag")
	if created == "" || !p.Active || p.AnalysisPriority != "MEDIUM" || p.SelfManagedStorageConfiguration == nil || p.SelfManagedStorageConfiguration.ID != cfg.ID {
		t.Fatalf("created project = %+v (ETag %q)", p, created)
	}
	get := s.must(200, "GET", "/api/projects/"+p.ID, nil)
	if get.header.Get("ETag") != created {
		t.Errorf("GET ETag %q, want the create's %q", get.header.Get("ETag"), created)
	}

	// A read-modify-write PUT with the current ETag succeeds and changes the ETag.
	var whole map[string]any
	get.json(t, &whole)
	whole["shortDescription"] = "changed"
	whole["analysisPriority"] = "HIGH"
	put := s.do("PUT", "/api/projects/"+p.ID, whole, http.Header{"X-Api-Key": {testKey}, "If-Match": {created}})
	if put.status != 200 || put.header.Get("ETag") == created {
		t.Fatalf("PUT returned %d ETag %q: %s", put.status, put.header.Get("ETag"), put.body)
	}
	put.json(t, &p)
	if p.ShortDescription == nil || *p.ShortDescription != "changed" || p.AnalysisPriority != "HIGH" {
		t.Errorf("after PUT: %+v", p)
	}
	// The old ETag is now a conflict; so is a change of a field that is not updatable.
	stale := s.do("PUT", "/api/projects/"+p.ID, whole, http.Header{"X-Api-Key": {testKey}, "If-Match": {created}})
	if stale.status != 409 {
		t.Errorf("PUT with a stale If-Match returned %d, want 409", stale.status)
	}
	stale.problem(t)
	whole["name"] = "Renamed"
	s.must(400, "PUT", "/api/projects/"+p.ID, whole).problem(t)

	// Hidden: gone from the list unless asked for, still readable, no longer changeable.
	s.must(204, "POST", "/api/projects/"+p.ID+":hide", nil)
	s.must(204, "POST", "/api/projects/"+p.ID+":hide", nil)
	var page projectPage
	s.must(200, "GET", "/api/projects", nil).json(t, &page)
	if len(page.Items) != 0 {
		t.Errorf("hidden project listed without includeHiddenProjects: %+v", page.Items)
	}
	s.must(200, "GET", "/api/projects?includeHiddenProjects=true", nil).json(t, &page)
	if len(page.Items) != 1 || page.Items[0].Active {
		t.Errorf("includeHiddenProjects list = %+v", page.Items)
	}
	whole["name"] = "Project One"
	s.must(409, "PUT", "/api/projects/"+p.ID, whole).problem(t)
	if cp := s.controlProjects(); len(cp) != 1 || !cp[0].Hidden || cp[0].StorageConfigurationSubfolder != "one" || cp[0].StorageConfigurationID != cfg.ID {
		t.Errorf("control projects = %+v", cp)
	}
	// The name stays taken, by choice (ICA has no unhide).
	s.must(409, "POST", "/api/projects", projectBody("Project One", "US")).problem(t)
	s.must(404, "GET", "/api/projects/"+uuid.NewString(), nil).problem(t)
	s.must(404, "POST", "/api/projects/"+uuid.NewString()+":hide", nil).problem(t)
	if res := s.doUnchecked("DELETE", "/api/projects/"+p.ID, nil, nil); res.status != 405 {
		t.Errorf("DELETE project returned %d, want 405 (ICA cannot delete projects)", res.status)
	}
}

func TestProjectCreateChecks(t *testing.T) {
	s := newServer(t, icaemulator.Options{})
	cfg := s.okConfig("checks")
	with := func(change map[string]any) map[string]any {
		b := projectBody("Checked", "US")
		b["storageConfigurationId"] = cfg.ID
		b["storageConfigurationSubfolder"] = "checked"
		for k, v := range change {
			if v == nil {
				delete(b, k)
			} else {
				b[k] = v
			}
		}
		return b
	}
	for _, tt := range []struct {
		name   string
		change map[string]any
		field  string
	}{
		{"bundle of another region", map[string]any{"storageBundleId": icaemulator.StorageBundleID("DE")}, "storageBundleId"},
		{"unknown bundle", map[string]any{"storageBundleId": uuid.NewString()}, "storageBundleId"},
		{"configuration of another region", map[string]any{"regionId": icaemulator.RegionID("DE"), "storageBundleId": icaemulator.StorageBundleID("DE")}, "storageConfigurationId"},
		{"unknown configuration", map[string]any{"storageConfigurationId": uuid.NewString()}, "storageConfigurationId"},
		{"leading slash", map[string]any{"storageConfigurationSubfolder": "/a"}, "storageConfigurationSubfolder"},
		{"dot segment", map[string]any{"storageConfigurationSubfolder": "./a"}, "storageConfigurationSubfolder"},
		{"dot dot", map[string]any{"storageConfigurationSubfolder": "a/../b"}, "storageConfigurationSubfolder"},
		{"empty segment", map[string]any{"storageConfigurationSubfolder": "a//b"}, "storageConfigurationSubfolder"},
		{"subfolder without configuration", map[string]any{"storageConfigurationId": nil}, "storageConfigurationSubfolder"},
		{"missing billing mode", map[string]any{"billingMode": nil}, "billingMode"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := s.in(t).doUnchecked("POST", "/api/projects", with(tt.change), nil)
			if res.status != 400 {
				t.Fatalf("returned %d, want 400: %s", res.status, res.body)
			}
			if p := res.problem(t); p.Parameters[tt.field] == "" {
				t.Errorf("parameters %v do not name %s", p.Parameters, tt.field)
			}
		})
	}
	if len(s.controlProjects()) != 0 {
		t.Fatal("a refused create left a project")
	}

	// Folder conflicts on one configuration: the same or a nested folder, and the root.
	s.must(201, "POST", "/api/projects", with(map[string]any{"name": "First", "storageConfigurationSubfolder": "team/a"}))
	for i, sub := range []any{"team/a/", "team", "team/a/deeper", nil} {
		b := with(map[string]any{"name": fmt.Sprintf("Second %d", i), "storageConfigurationSubfolder": sub})
		s.must(409, "POST", "/api/projects", b).problem(t)
	}
	s.must(201, "POST", "/api/projects", with(map[string]any{"name": "Sibling", "storageConfigurationSubfolder": "team/b"}))

	// A configuration that is not OK is refused with its message.
	cred := s.createCredential("gone-cred", "AKIAGONE", "secret")
	bad := s.waitSettled(s.createConfig(configBody("gone", cred.ID, icaemulator.RegionID("US"), "bucket-gone", "x/")).ID)
	s.must(204, "DELETE", "/_emulator/credentials/"+cred.ID, nil)
	res := s.must(400, "POST", "/api/projects", with(map[string]any{"name": "On Error", "storageConfigurationId": bad.ID}))
	if p := res.problem(t); !strings.Contains(p.Parameters["storageConfigurationId"], "ERROR") {
		t.Errorf("parameters %v do not say the configuration is in ERROR", p.Parameters)
	}
}

func TestProjectListSearchAndPaging(t *testing.T) {
	s := newServer(t, icaemulator.Options{})
	for i := range 5 {
		s.must(201, "POST", "/api/projects", projectBody(fmt.Sprintf("Alpha %d", i), "US"))
	}
	s.must(201, "POST", "/api/projects", projectBody("Beta", "DE"))
	var page projectPage
	s.must(200, "GET", "/api/projects?search=alpha&pageSize=2&pageOffset=4", nil).json(t, &page)
	if page.TotalItemCount != 5 || len(page.Items) != 1 || page.Items[0].Name != "Alpha 4" {
		t.Errorf("search page = %+v", page)
	}
	s.must(200, "GET", "/api/projects?region="+icaemulator.RegionID("DE"), nil).json(t, &page)
	if len(page.Items) != 1 || page.Items[0].Name != "Beta" {
		t.Errorf("region filter = %+v", page.Items)
	}
	s.must(400, "GET", "/api/projects?pageSize=0", nil).problem(t)

	// The drift control: a project vanishes, as no API can make it.
	id := page.Items[0].ID
	s.must(204, "DELETE", "/_emulator/projects/"+id, nil)
	s.must(404, "GET", "/api/projects/"+id, nil).problem(t)
	s.must(404, "DELETE", "/_emulator/projects/"+id, nil)
}
