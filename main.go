// Command terraform-provider-ica serves the ICA Terraform provider over the plugin protocol.
package main

import (
	"flag"
	"log"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/ica-tf/terraform-provider-ica/internal/process"
	"github.com/ica-tf/terraform-provider-ica/internal/provider"
	"github.com/ica-tf/terraform-provider-ica/internal/rpcscope"
)

// version is set by goreleaser through -ldflags "-X main.version=...".
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	if err := process.QuietUnreadLogs(os.Environ(), debug, os.Setenv); err != nil {
		log.Fatal(err.Error())
	}
	var opts []tf6server.ServeOpt
	if debug {
		opts = append(opts, tf6server.WithManagedDebug())
	}
	// providerserver.Serve, with the framework's server wrapped so that it does not keep every request's
	// context (internal/rpcscope).
	framework := providerserver.NewProtocol6(provider.New(version)())
	err := tf6server.Serve("registry.terraform.io/ica-tf/ica", func() tfprotov6.ProviderServer {
		return rpcscope.Server(framework().(rpcscope.Downstream))
	}, opts...)
	if err != nil {
		log.Fatal(err.Error())
	}
}
