package policy

import (
	"reflect"
	"testing"
)

func i32(v int32) *int32 { return &v }

var foreign = CORSRule{
	ID:             "website",
	AllowedHeaders: []string{"Authorization"},
	AllowedMethods: []string{"GET"},
	AllowedOrigins: []string{"https://example.com"},
	MaxAgeSeconds:  i32(3000),
}

var foreignNoID = CORSRule{AllowedMethods: []string{"PUT"}, AllowedOrigins: []string{"*"}}

func TestICARule(t *testing.T) {
	r := ICARule("ica-tf-x", nil)
	want := CORSRule{
		ID:             "ica-tf-x",
		AllowedHeaders: []string{"*"},
		AllowedMethods: []string{"HEAD", "GET", "PUT", "POST", "DELETE"},
		AllowedOrigins: []string{"https://ica.illumina.com"},
		ExposeHeaders:  []string{"ETag", "x-amz-meta-custom-header"},
	}
	if !reflect.DeepEqual(r, want) {
		t.Fatalf("got %+v", r)
	}
}

func TestSameContent(t *testing.T) {
	a := ICARule("a", []string{"https://x", "https://y"})
	b := ICARule("b", []string{"https://y", "https://x"})
	b.AllowedMethods = []string{"DELETE", "POST", "PUT", "GET", "HEAD"}
	b.ExposeHeaders = []string{"etag", "X-Amz-Meta-Custom-Header"}
	if !SameContent(a, b) {
		t.Fatal("order, ID and header case must not matter")
	}
	c := ICARule("a", []string{"https://x", "https://y"})
	c.MaxAgeSeconds = i32(3000)
	if SameContent(a, c) {
		t.Fatal("max age must matter")
	}
	d := ICARule("a", []string{"https://x"})
	if SameContent(a, d) {
		t.Fatal("origins must matter")
	}
	e := ICARule("a", []string{"https://x", "https://y"})
	e.AllowedMethods = []string{"get", "HEAD", "PUT", "POST", "DELETE"}
	if SameContent(a, e) {
		t.Fatal("method case must matter (S3 needs upper case)")
	}
}

func TestPutCORS(t *testing.T) {
	ours := ICARule("ica-tf-u", nil)
	edited := ours
	edited.AllowedMethods = []string{"GET"}
	handMade := ICARule("", nil)
	tests := []struct {
		name        string
		in          []CORSRule
		want        []CORSRule
		wantChanged bool
	}{
		{"empty bucket", nil, []CORSRule{ours}, true},
		{"append after foreign", []CORSRule{foreign, foreignNoID}, []CORSRule{foreign, foreignNoID, ours}, true},
		{"already there", []CORSRule{foreign, ours, foreignNoID}, []CORSRule{foreign, ours, foreignNoID}, false},
		{"edited is repaired in place", []CORSRule{foreign, edited, foreignNoID}, []CORSRule{foreign, ours, foreignNoID}, true},
		{"hand-made ID-less rule adopted", []CORSRule{handMade, foreign}, []CORSRule{ours, foreign}, true},
		{"other connection's rule kept", []CORSRule{ICARule("ica-tf-other", nil)}, []CORSRule{ICARule("ica-tf-other", nil), ours}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := cloneRules(tc.in)
			got, changed := PutCORS(tc.in, ours)
			if changed != tc.wantChanged {
				t.Errorf("changed = %v, want %v", changed, tc.wantChanged)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
			if !reflect.DeepEqual(tc.in, before) {
				t.Error("input was modified")
			}
		})
	}
}

func TestPutCORSWithoutIDKeepsHandMadeRule(t *testing.T) {
	handMade := ICARule("", nil)
	got, changed := PutCORS([]CORSRule{foreign, handMade}, ICARule("", nil))
	if changed || !reflect.DeepEqual(got, []CORSRule{foreign, handMade}) {
		t.Fatalf("changed=%v got %+v", changed, got)
	}
}

func TestRemoveAndFindCORS(t *testing.T) {
	ours := ICARule("ica-tf-u", nil)
	rules := []CORSRule{foreign, ours, foreignNoID}
	if i := FindCORS(rules, ours); i != 1 {
		t.Fatalf("FindCORS = %d", i)
	}
	got, removed := RemoveCORS(rules, ours)
	if !removed || !reflect.DeepEqual(got, []CORSRule{foreign, foreignNoID}) {
		t.Fatalf("removed=%v got %+v", removed, got)
	}
	got, removed = RemoveCORS([]CORSRule{foreign}, ours)
	if removed || !reflect.DeepEqual(got, []CORSRule{foreign}) {
		t.Fatalf("removing a missing rule: removed=%v got %+v", removed, got)
	}
	if FindCORS([]CORSRule{ICARule("", nil)}, ours) != -1 {
		t.Fatal("with an ID, an ID-less rule is not found (PutCORS adopts it instead)")
	}
	if FindCORS([]CORSRule{foreign, ICARule("", nil)}, ICARule("", nil)) != 1 {
		t.Fatal("without an ID, the ID-less rule with our content is ours")
	}
}
