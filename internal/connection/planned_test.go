package connection

import (
	"strings"
	"testing"
)

func planned(bucket, prefix, user string) Planned {
	return Planned{Bucket: bucket, Prefix: prefix, UserName: user, PolicyName: user + "-policy", CredentialName: user, CORSRuleID: "ica-tf-" + user}
}

func TestCheckPlannedRefusesTheLaterOfTwoSharingNames(t *testing.T) {
	c := New(Deps{})
	if err := c.CheckPlanned(planned("b", "same/", "u")); err != nil {
		t.Fatal(err)
	}
	err := c.CheckPlanned(planned("b", "same/", "u"))
	if err == nil || !strings.Contains(err.Error(), `bucket "b" and folder "same/"`) || !strings.Contains(err.Error(), `IAM user "u"`) {
		t.Fatalf("want the clash named, got %v", err)
	}
	// IAM names ignore case; a credential name alone is a clash too.
	other := planned("b", "other/", "U")
	if err := c.CheckPlanned(other); err == nil || !strings.Contains(err.Error(), `IAM user "U"`) {
		t.Fatalf("want the user clash without case, got %v", err)
	}
	cred := planned("b", "third/", "v")
	cred.CredentialName = "u"
	if err := c.CheckPlanned(cred); err == nil || !strings.Contains(err.Error(), `ICA credential "u"`) || strings.Contains(err.Error(), `IAM user "v"`) {
		t.Fatalf("want only the credential named, got %v", err)
	}
	if err := c.CheckPlanned(planned("b", "fourth/", "w")); err != nil {
		t.Fatalf("distinct names refused: %v", err)
	}
}

func TestCheckPlannedLeavesExistingPairsToTheApply(t *testing.T) {
	c := New(Deps{})
	a, b := planned("b", "same/", "u"), planned("b", "same/", "u")
	a.Existing, b.Existing = true, true
	if err := c.CheckPlanned(a); err != nil {
		t.Fatal(err)
	}
	if err := c.CheckPlanned(b); err != nil {
		t.Fatalf("two connections already in state share names: the apply reports it, the plan must not fail: %v", err)
	}
	if err := c.CheckPlanned(planned("b", "same/", "v")); err == nil {
		t.Fatal("a new connection on their folder must fail")
	}
}

func TestCheckPlannedSaysMovedForADestroyAndCreateOfOneName(t *testing.T) {
	c := New(Deps{})
	old := planned("b", "data/", "u")
	old.Existing, old.Destroying = true, true
	if err := c.CheckPlanned(old); err != nil {
		t.Fatal(err)
	}
	// A deposed object of a create_before_destroy shares the folder and credential with its replacement.
	replacement := planned("b", "data/", "u2")
	replacement.CredentialName = "u"
	if err := c.CheckPlanned(replacement); err != nil {
		t.Fatalf("a replacement sharing names with the object it replaces was refused: %v", err)
	}
	err := c.CheckPlanned(planned("b", "data/", "u"))
	if err == nil || !strings.Contains(err.Error(), "moved block") {
		t.Fatalf("want the moved-block advice, got %v", err)
	}
}

// TestCheckPlannedLetsAReplacementPlanItsCreate: Terraform plans a replacement twice (the update, then the
// create of the new object), with the same names; that is one connection, not two.
func TestCheckPlannedLetsAReplacementPlanItsCreate(t *testing.T) {
	c := New(Deps{})
	update := planned("b", "data/", "u2")
	update.Existing, update.CORSRuleID = true, "ica-tf-u1"
	if err := c.CheckPlanned(update); err != nil {
		t.Fatal(err)
	}
	if err := c.CheckPlanned(planned("b", "data/", "u2")); err != nil {
		t.Fatalf("the replacement's create was refused: %v", err)
	}
}

// TestCheckPlannedSaysMovedWhenTheCreateComesFirst: Terraform 1.15 may plan a renamed key's create before
// the destroy of its old address; the destroy then gives the same advice. A destroy that shares only some
// names with a planned create (a create_before_destroy replacement of other names) is not refused.
func TestCheckPlannedSaysMovedWhenTheCreateComesFirst(t *testing.T) {
	c := New(Deps{})
	if err := c.CheckPlanned(planned("b", "data/", "u")); err != nil {
		t.Fatal(err)
	}
	partly := planned("b", "data/", "u0")
	partly.Existing, partly.Destroying = true, true
	if err := c.CheckPlanned(partly); err != nil {
		t.Fatalf("a destroy sharing only the folder with a planned create was refused: %v", err)
	}
	old := planned("b", "data/", "u")
	old.Existing, old.Destroying = true, true
	err := c.CheckPlanned(old)
	if err == nil || !strings.Contains(err.Error(), "moved block") {
		t.Fatalf("want the moved-block advice on the destroy, got %v", err)
	}
}
