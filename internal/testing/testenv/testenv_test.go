package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRepoRootHoldsTheModule(t *testing.T) {
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "module github.com/ica-tf/terraform-provider-ica\n"; string(b[:len(want)]) != want {
		t.Fatalf("%s/go.mod starts %q, want %q", root, b[:len(want)], want)
	}
}

func TestMotoServerFindsAnExecutableInPyenv(t *testing.T) {
	root := t.TempDir()
	for _, v := range []string{"3.11.0", "3.12.1"} {
		dir := filepath.Join(root, "versions", v, "bin")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "moto_server"), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", t.TempDir()) // nothing on PATH
	t.Setenv("PYENV_ROOT", root)
	got, searched := MotoServer()
	if want := filepath.Join(root, "versions", "3.12.1", "bin", "moto_server"); got != want {
		t.Fatalf("MotoServer() = %q (searched %s), want the newest version's %q", got, searched, want)
	}
}
