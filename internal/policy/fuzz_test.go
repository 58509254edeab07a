package policy

import (
	"encoding/json"
	"net/url"
	"reflect"
	"testing"
	"unicode/utf8"
)

// FuzzMergeCORS checks the merge invariants on arbitrary bucket configurations: our rule is present
// exactly once after PutCORS and absent after RemoveCORS, and every rule that is not ours keeps its
// content and relative order.
func FuzzMergeCORS(f *testing.F) {
	f.Add(`[{"ID":"website","AllowedMethods":["GET"],"AllowedOrigins":["*"],"MaxAgeSeconds":3000}]`, "ica-tf-u", "https://ica.illumina.com")
	f.Add(`[{"AllowedHeaders":["*"],"AllowedMethods":["HEAD","GET","PUT","POST","DELETE"],"AllowedOrigins":["https://ica.illumina.com"],"ExposeHeaders":["ETag","x-amz-meta-custom-header"]}]`, "ica-tf-u", "")
	f.Add(`[]`, "", "https://x")
	f.Fuzz(func(t *testing.T, rulesJSON, id, origin string) {
		var rules []CORSRule
		if json.Unmarshal([]byte(rulesJSON), &rules) != nil {
			return
		}
		var origins []string
		if origin != "" {
			origins = []string{origin}
		}
		want := ICARule(id, origins)
		isOurs := func(r CORSRule) bool {
			if id != "" {
				return r.ID == id || (r.ID == "" && SameContent(r, want))
			}
			return r.ID == "" && SameContent(r, want)
		}
		var foreignBefore []CORSRule
		oursBefore := 0
		for _, r := range rules {
			if isOurs(r) {
				oursBefore++
			} else {
				foreignBefore = append(foreignBefore, r)
			}
		}
		put, _ := PutCORS(rules, want)
		if FindCORS(put, want) < 0 {
			t.Fatalf("our rule missing after PutCORS: %+v", put)
		}
		var foreignAfter []CORSRule
		oursAfter := 0
		for _, r := range put {
			if isOurs(r) {
				oursAfter++
			} else {
				foreignAfter = append(foreignAfter, r)
			}
		}
		if !reflect.DeepEqual(foreignBefore, foreignAfter) {
			t.Fatalf("foreign rules changed by PutCORS:\nbefore %+v\nafter  %+v", foreignBefore, foreignAfter)
		}
		if oursBefore <= 1 && oursAfter != 1 {
			t.Fatalf("want exactly one rule of ours, got %d: %+v", oursAfter, put)
		}
		if again, changed := PutCORS(put, want); changed || !reflect.DeepEqual(again, put) {
			t.Fatalf("PutCORS is not idempotent")
		}
		removed, _ := RemoveCORS(put, want)
		if oursAfter == 1 && FindCORS(removed, want) >= 0 {
			t.Fatalf("our rule still present after RemoveCORS: %+v", removed)
		}
		var foreignRemoved []CORSRule
		for _, r := range removed {
			if !isOurs(r) {
				foreignRemoved = append(foreignRemoved, r)
			}
		}
		if !reflect.DeepEqual(foreignBefore, foreignRemoved) {
			t.Fatalf("foreign rules changed by RemoveCORS")
		}
	})
}

// FuzzEquivalent checks that a document is equivalent to itself and to its URL-encoded form, and that
// parsing never panics.
func FuzzEquivalent(f *testing.F) {
	f.Add(documented)
	f.Add(Build(Options{Bucket: "b", Prefix: "p/", Versioned: true, KMSKeyARN: "arn:aws:kms:us-east-1:1:key/k"}).JSON())
	f.Add(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`)
	f.Fuzz(func(t *testing.T, doc string) {
		eq, err := Equivalent(doc, doc)
		if err != nil {
			return
		}
		if !eq {
			t.Fatalf("document not equivalent to itself: %q", doc)
		}
		if d, derr := Decode(doc); derr == nil && len(d) > 0 && d[0] == '{' {
			eq, err = Equivalent(doc, url.PathEscape(d))
			if err != nil || !eq {
				t.Fatalf("document not equivalent to its URL-encoded form: %q (%v)", doc, err)
			}
		}
		_, _, _ = Discover(doc, "b")
	})
}

// FuzzBuildRoundTrip checks that every built policy is discovered back with the same options.
func FuzzBuildRoundTrip(f *testing.F) {
	f.Add("my-bucket", "ica/", "", false)
	f.Add("b", "", "arn:aws:kms:eu-central-1:111122223333:key/abc", true)
	f.Fuzz(func(t *testing.T, bucket, prefix, kms string, versioned bool) {
		// Bucket, prefix and key ARN are validated before they get here: no invalid UTF-8.
		if bucket == "" || !utf8.ValidString(bucket) || !utf8.ValidString(prefix) || !utf8.ValidString(kms) || kms != "" && (len(kms) < 5 || kms[:4] != "arn:") {
			return
		}
		o := Options{Bucket: bucket, Prefix: prefix, KMSKeyARN: kms, Versioned: versioned}
		doc := Build(o).JSON()
		d, found, err := Discover(doc, bucket)
		if err != nil || !found {
			t.Fatalf("Discover(%q) found=%v err=%v", doc, found, err)
		}
		if d.Prefix != prefix || d.KMSKeyARN != kms || d.Versioned != versioned {
			t.Fatalf("round trip: got %+v for %+v", d, o)
		}
		if eq, err := Equivalent(doc, url.PathEscape(doc)); err != nil || !eq {
			t.Fatalf("built document not equivalent to its encoded form: %v", err)
		}
	})
}

// FuzzMergeBucketPolicy checks the bucket-policy merge invariants on arbitrary policies: after Put our
// statement is there once and means what we asked for, after Remove it is gone, and every other statement
// keeps its exact text and relative order through both.
func FuzzMergeBucketPolicy(f *testing.F) {
	f.Add(`{"Version":"2012-10-17","Statement":[{"Sid":"Website","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`, "ica/", false)
	f.Add(`{"Version":"2012-10-17","Statement":{"Sid":"IcaTfCopyMove0","Effect":"Allow","Principal":{"AWS":"AROAEXAMPLE123456"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`, "", true)
	f.Add(``, "", false)
	f.Fuzz(func(t *testing.T, doc, prefix string, versioned bool) {
		p, err := ParseBucketPolicy(doc)
		if err != nil {
			return
		}
		want := CopyMoveStatement(CopyMoveOptions{Sid: "IcaTfCopyMove0", RoleARN: "arn:aws:iam::111122223333:role/r", Bucket: "b", Prefix: prefix, Versioned: versioned})
		var foreignBefore []string
		for i, s := range p.Statements {
			if p.SidAt(i) != want.Sid {
				foreignBefore = append(foreignBefore, string(s))
			}
		}
		put, _ := p.Put(want)
		reparsed, err := ParseBucketPolicy(put.JSON())
		if err != nil {
			t.Fatalf("merged policy does not parse: %v\n%s", err, put.JSON())
		}
		i := reparsed.Find(want.Sid)
		if i < 0 || !StatementMatches(reparsed.Statements[i], want) {
			t.Fatalf("our statement missing or wrong after Put: %s", put.JSON())
		}
		var foreignAfter []string
		for j, s := range reparsed.Statements {
			if reparsed.SidAt(j) != want.Sid {
				foreignAfter = append(foreignAfter, string(s))
			}
		}
		// A policy that already held several statements with our Sid keeps the others.
		if p.Find(want.Sid) < 0 && !reflect.DeepEqual(foreignBefore, foreignAfter) {
			t.Fatalf("foreign statements changed by Put:\nbefore %v\nafter  %v", foreignBefore, foreignAfter)
		}
		if again, changed := reparsed.Put(want); changed || again.JSON() != reparsed.JSON() {
			t.Fatalf("Put is not idempotent on %s", reparsed.JSON())
		}
		removed, ok := reparsed.Remove(want.Sid)
		if !ok {
			t.Fatal("Remove did not find our statement")
		}
		var foreignRemoved []string
		for j, s := range removed.Statements {
			if removed.SidAt(j) != want.Sid {
				foreignRemoved = append(foreignRemoved, string(s))
			}
		}
		if !reflect.DeepEqual(foreignAfter, foreignRemoved) {
			t.Fatalf("foreign statements changed by Remove")
		}
	})
}
