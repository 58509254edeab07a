package regions

import (
	"strings"
	"testing"
)

func TestTableIsConsistent(t *testing.T) {
	seenAWS := map[string]string{}
	seenCode := map[string]bool{}
	for _, r := range All() {
		if r.Name == "" || r.AWSRegion == "" || len(r.CountryCode) != 2 {
			t.Errorf("incomplete row %+v", r)
		}
		if other, ok := seenAWS[r.AWSRegion]; ok {
			t.Errorf("AWS region %s used by %s and %s", r.AWSRegion, other, r.Name)
		}
		seenAWS[r.AWSRegion] = r.Name
		if seenCode[r.CountryCode] {
			t.Errorf("duplicate country code %s", r.CountryCode)
		}
		seenCode[r.CountryCode] = true
	}
	if len(All()) != 12 {
		t.Errorf("want the 12 documented regions, got %d", len(All()))
	}
}

func TestByName(t *testing.T) {
	cases := map[string]string{
		"Australia":      "ap-southeast-2",
		"australia":      "ap-southeast-2",
		" United States": "us-east-1",
		"Europe":         "eu-central-1",
		"germany":        "eu-central-1",
		"UK":             "eu-west-2",
		"United Kingdom": "eu-west-2",
		"South Korea":    "ap-northeast-2",
		"Israel":         "il-central-1",
	}
	for name, want := range cases {
		r, err := ByName(name)
		if err != nil {
			t.Errorf("ByName(%q): %v", name, err)
			continue
		}
		if r.AWSRegion != want {
			t.Errorf("ByName(%q) = %s, want %s", name, r.AWSRegion, want)
		}
	}
}

func TestByNameUnknownListsValidNames(t *testing.T) {
	_, err := ByName("Atlantis")
	if err == nil {
		t.Fatal("want an error")
	}
	for _, n := range Names() {
		if !strings.Contains(err.Error(), n) {
			t.Errorf("error %q does not list %q", err, n)
		}
	}
}

func TestByAWSRegion(t *testing.T) {
	r, err := ByAWSRegion("EU-WEST-2")
	if err != nil || r.Name != "UK" || r.CountryCode != "GB" {
		t.Fatalf("got %+v, %v", r, err)
	}
	_, err = ByAWSRegion("us-west-2")
	if err == nil || !strings.Contains(err.Error(), "us-east-1") {
		t.Fatalf("want an error listing valid regions, got %v", err)
	}
}

func TestByCountryCode(t *testing.T) {
	r, ok := ByCountryCode("gb")
	if !ok || r.Name != "UK" {
		t.Fatalf("got %+v %v", r, ok)
	}
	if _, ok := ByCountryCode("FR"); ok {
		t.Fatal("FR is not an ICA region")
	}
}

func TestOnlyKoreaHasANote(t *testing.T) {
	for _, r := range All() {
		if (r.Note != "") != (r.CountryCode == "KR") {
			t.Errorf("unexpected note state for %s: %q", r.Name, r.Note)
		}
	}
}

func TestAllReturnsACopy(t *testing.T) {
	a := All()
	a[0].Name = "changed"
	a[2].Aliases[0] = "changed"
	if All()[0].Name == "changed" || All()[2].Aliases[0] == "changed" {
		t.Fatal("All must not expose the table")
	}
}
