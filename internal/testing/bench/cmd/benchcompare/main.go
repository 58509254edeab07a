// Command benchcompare prints the differences between two benchmark results written by internal/testing/bench:
//
//	go run ./internal/testing/bench/cmd/benchcompare bench-results/OLD.json bench-results/NEW.json
package main

import (
	"fmt"
	"os"

	"github.com/ica-tf/terraform-provider-ica/internal/testing/bench"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: benchcompare BEFORE.json AFTER.json (results written by make bench to bench-results/)")
		os.Exit(2)
	}
	before, err := bench.Load(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchcompare:", err)
		os.Exit(1)
	}
	after, err := bench.Load(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchcompare:", err)
		os.Exit(1)
	}
	bench.Compare(os.Stdout, before, after)
}
