package policy

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

const testRole = "arn:aws:iam::111122223333:role/ica-copy"

func TestCopyMoveStatement(t *testing.T) {
	sid := CopyMoveSid("ica-b")
	if !strings.HasPrefix(sid, CopyMoveSidPrefix) || strings.ContainsAny(sid, "-_:/") {
		t.Fatalf("Sid %q must be letters and digits starting with %s", sid, CopyMoveSidPrefix)
	}
	if CopyMoveSid("ica-b") != sid || CopyMoveSid("ica-c") == sid {
		t.Fatal("Sid must be stable per user name and differ between users")
	}
	plain := CopyMoveStatement(CopyMoveOptions{Sid: "S", RoleARN: testRole, Bucket: "b", Prefix: "ica/"}).JSON()
	want := `{"Sid":"S","Effect":"Allow","Principal":{"AWS":"` + testRole + `"},"Action":["s3:PutObject","s3:GetObject","s3:DeleteObject","s3:ListMultipartUploadParts","s3:AbortMultipartUpload"],"Resource":"arn:aws:s3:::b/ica/*"}`
	if plain != want {
		t.Fatalf("statement:\n got %s\nwant %s", plain, want)
	}
	versioned := CopyMoveStatement(CopyMoveOptions{Sid: "S", RoleARN: testRole, Bucket: "b", Versioned: true})
	if got := strings.Join(versioned.Action[5:], ","); got != "s3:GetObjectVersion,s3:DeleteObjectVersion" {
		t.Fatalf("versioned actions: %s", got)
	}
	if versioned.Resource[0] != "arn:aws:s3:::b/*" {
		t.Fatalf("whole-bucket resource: %s", versioned.Resource[0])
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(versioned.DocumentJSON()), &doc); err != nil || doc["Version"] != Version {
		t.Fatalf("DocumentJSON is not a policy document: %v %v", err, doc)
	}
}

const foreignStmt = `{"Sid":"Website","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/public/*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}`

func TestBucketPolicyPutKeepsForeignStatementsExactly(t *testing.T) {
	want := CopyMoveStatement(CopyMoveOptions{Sid: CopyMoveSid("u"), RoleARN: testRole, Bucket: "b", Prefix: "ica/"})
	for name, doc := range map[string]string{
		"list":        `{"Version":"2012-10-17","Id":"Mine","Statement":[` + foreignStmt + `]}`,
		"single":      `{"Version":"2012-10-17","Id":"Mine","Statement":` + foreignStmt + `}`,
		"url-encoded": url.PathEscape(`{"Version":"2012-10-17","Id":"Mine","Statement":[` + foreignStmt + `]}`),
	} {
		t.Run(name, func(t *testing.T) {
			p, err := ParseBucketPolicy(doc)
			if err != nil {
				t.Fatal(err)
			}
			put, changed := p.Put(want)
			if !changed || len(put.Statements) != 2 || string(put.Statements[0]) != foreignStmt || put.ID != "Mine" {
				t.Fatalf("Put: changed=%v %s", changed, put.JSON())
			}
			again, changed := put.Put(want)
			if changed || again.JSON() != put.JSON() {
				t.Fatal("Put is not idempotent")
			}
			removed, ok := put.Remove(want.Sid)
			if !ok || removed.Empty() || string(removed.Statements[0]) != foreignStmt {
				t.Fatalf("Remove: %v %s", ok, removed.JSON())
			}
			reparsed, err := ParseBucketPolicy(put.JSON())
			if err != nil || reparsed.Find(want.Sid) != 1 {
				t.Fatalf("rendered policy does not parse back: %v", err)
			}
		})
	}
}

func TestBucketPolicyOnlyOurs(t *testing.T) {
	want := CopyMoveStatement(CopyMoveOptions{Sid: "Ours", RoleARN: testRole, Bucket: "b"})
	p, err := ParseBucketPolicy("")
	if err != nil || !p.Empty() {
		t.Fatalf("no policy: %v %+v", err, p)
	}
	put, _ := p.Put(want)
	removed, ok := put.Remove("Ours")
	if !ok || !removed.Empty() {
		t.Fatal("removing our only statement must leave an empty policy (deleted, not written)")
	}
	if _, ok := removed.Remove("Ours"); ok {
		t.Fatal("Remove of a missing statement reported a change")
	}
}

// A statement as AWS returns it: principal as a list, actions reordered, account root spelled by id.
func TestStatementMatchesByMeaning(t *testing.T) {
	want := CopyMoveStatement(CopyMoveOptions{Sid: "Ours", RoleARN: testRole, Bucket: "b", Prefix: "p/"})
	for name, tc := range map[string]struct {
		stmt string
		same bool
	}{
		"as written":      {want.JSON(), true},
		"reordered":       {`{"Resource":["arn:aws:s3:::b/p/*"],"Action":["s3:AbortMultipartUpload","s3:ListMultipartUploadParts","s3:DeleteObject","s3:GetObject","s3:PutObject"],"Principal":{"AWS":["` + testRole + `"]},"Effect":"Allow","Sid":"Ours"}`, true},
		"action missing":  {`{"Sid":"Ours","Effect":"Allow","Principal":{"AWS":"` + testRole + `"},"Action":["s3:PutObject","s3:GetObject"],"Resource":"arn:aws:s3:::b/p/*"}`, false},
		"other prefix":    {strings.Replace(want.JSON(), "b/p/*", "b/*", 1), false},
		"role deleted":    {strings.Replace(want.JSON(), `"`+testRole+`"`, `"AROAEXAMPLEID12345678"`, 1), false},
		"effect deny":     {strings.Replace(want.JSON(), "Allow", "Deny", 1), false},
		"extra principal": {strings.Replace(want.JSON(), `"`+testRole+`"`, `["`+testRole+`","arn:aws:iam::444455556666:root"]`, 1), false},
	} {
		if got := StatementMatches(json.RawMessage(tc.stmt), want); got != tc.same {
			t.Errorf("%s: StatementMatches = %v, want %v", name, got, tc.same)
		}
	}
	p, _ := ParseBucketPolicy(`{"Version":"2012-10-17","Statement":[` + strings.Replace(want.JSON(), `"`+testRole+`"`, `"AROAEXAMPLEID12345678"`, 1) + `]}`)
	if got := DeletedPrincipal(p.Statements[0]); got != "AROAEXAMPLEID12345678" {
		t.Fatalf("DeletedPrincipal = %q", got)
	}
	if got := DeletedPrincipal(json.RawMessage(want.JSON())); got != "" {
		t.Fatalf("DeletedPrincipal of a live role = %q", got)
	}
}

func TestFindMatchingAdoptsHandWrittenStatement(t *testing.T) {
	want := CopyMoveStatement(CopyMoveOptions{Sid: CopyMoveSid("u"), RoleARN: testRole, Bucket: "b", Prefix: "p/"})
	hand := strings.Replace(want.JSON(), want.Sid, "IcaCopyByHand", 1)
	p, err := ParseBucketPolicy(`{"Version":"2012-10-17","Statement":[` + foreignStmt + `,` + hand + `]}`)
	if err != nil {
		t.Fatal(err)
	}
	if p.Find(want.Sid) >= 0 {
		t.Fatal("hand-written statement found by our Sid")
	}
	i := p.FindMatching(want)
	if i != 1 || p.SidAt(i) != "IcaCopyByHand" {
		t.Fatalf("FindMatching = %d", i)
	}
	noSid, _ := ParseBucketPolicy(`{"Version":"2012-10-17","Statement":[` + strings.Replace(hand, `"Sid":"IcaCopyByHand",`, "", 1) + `]}`)
	if noSid.FindMatching(want) >= 0 {
		t.Fatal("a statement without a Sid cannot be adopted: there is nothing to find it by later")
	}
}

func TestParseBucketPolicyRejects(t *testing.T) {
	for _, bad := range []string{`{`, `{"Statement":"x"}`, `{"Statement":[1]}`, `%zz`} {
		if _, err := ParseBucketPolicy(bad); err == nil {
			t.Errorf("ParseBucketPolicy(%q) accepted", bad)
		}
	}
}

func TestDiscoverCopyMove(t *testing.T) {
	ours := CopyMoveStatement(CopyMoveOptions{Sid: CopyMoveSid("u"), RoleARN: testRole, Bucket: "b", Prefix: "p/", Versioned: true})
	hand := strings.Replace(ours.JSON(), ours.Sid, "ByHand", 1)
	p, _ := ParseBucketPolicy(`{"Version":"2012-10-17","Statement":[` + foreignStmt + `,` + hand + `]}`)
	if sid, role := DiscoverCopyMove(p, ours.Sid, "b", "p/", true); sid != "ByHand" || role != testRole {
		t.Fatalf("hand-made statement: %q %q", sid, role)
	}
	if sid, _ := DiscoverCopyMove(p, ours.Sid, "b", "p/", false); sid != "" {
		t.Fatal("a versioned statement was taken for an unversioned bucket's")
	}
	if sid, _ := DiscoverCopyMove(p, ours.Sid, "b", "other/", true); sid != "" {
		t.Fatal("a statement of another folder was found")
	}
	both, _ := ParseBucketPolicy(`{"Version":"2012-10-17","Statement":[` + hand + `,` + ours.JSON() + `]}`)
	if sid, _ := DiscoverCopyMove(both, ours.Sid, "b", "p/", true); sid != ours.Sid {
		t.Fatalf("our own Sid must win: %q", sid)
	}
}
