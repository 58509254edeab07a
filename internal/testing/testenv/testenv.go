// Package testenv finds what the tests need on the machine: the repository's root and the moto_server
// binary. It is the one copy of these look-ups for the test harness (acctest), the reliability and bench
// packages, the OpenAPI validator and the emulator's own tests.
package testenv

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// RepoRoot is the directory of the go.mod above the working directory (a test's working directory is
// its package's folder).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding the working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory: run the tests inside the repository")
		}
		dir = parent
	}
}

// MotoServer looks for moto_server on PATH, then in pyenv's versions (pyenv shims are often not on a
// test's PATH), the newest Python version first. When it finds none, searched lists the patterns tried.
func MotoServer() (path, searched string) {
	if p, err := exec.LookPath("moto_server"); err == nil {
		return p, ""
	}
	var roots []string
	if root := os.Getenv("PYENV_ROOT"); root != "" {
		roots = append(roots, root)
	}
	if out, err := exec.Command("pyenv", "root").Output(); err == nil {
		if root := strings.TrimSpace(string(out)); root != "" {
			roots = append(roots, root)
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		roots = append(roots, filepath.Join(home, ".pyenv"))
	}
	roots = append(roots, "/root/.pyenv")

	var patterns []string
	for _, root := range roots {
		pattern := filepath.Join(root, "versions", "*", "bin", "moto_server")
		if slices.Contains(patterns, pattern) {
			continue
		}
		patterns = append(patterns, pattern)
		matches, _ := filepath.Glob(pattern)
		slices.Sort(matches)
		for _, m := range slices.Backward(matches) {
			if info, err := os.Stat(m); err == nil && !info.IsDir() && info.Mode()&0o111 != 0 {
				return m, ""
			}
		}
	}
	return "", fmt.Sprint(patterns)
}
