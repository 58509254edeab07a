// Command ica-emulator serves the ICA emulator on a loopback address, for trying the provider offline and
// for demos:
//
//	go run ./internal/icaemulator/cmd/ica-emulator -listen 127.0.0.1:8080 -api-key KEY
//
// Point the provider at it with base_url = "http://127.0.0.1:8080" and api_key = "KEY". It prints the URL
// it listens on, logs one line per API request on stderr (method, path, status; never headers or
// bodies), and exits cleanly on SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "ica-emulator:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ica-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "loopback address to listen on (port 0 picks a free port)")
	apiKey := fs.String("api-key", "", "the API key clients must send (required)")
	awsEndpoint := fs.String("aws-endpoint", "", "S3 endpoint (e.g. moto) to validate storage configurations against with the stored key")
	awsRegion := fs.String("aws-region", "us-east-1", "signing region for -aws-endpoint")
	validationDelay := fs.Duration("validation-delay", 2*time.Second, "how long a storage configuration stays INITIALIZING")
	tokenTTL := fs.Duration("token-ttl", time.Hour, "lifetime of the JWTs minted by POST /api/tokens")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *apiKey == "" {
		return errors.New("-api-key is required: choose any value and give the same one to the provider as api_key")
	}
	if err := checkLoopback(*listen); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", *listen, err)
	}
	logger := log.New(stderr, "", log.LstdFlags)
	emu := icaemulator.New(icaemulator.Options{
		APIKey:          *apiKey,
		AWSEndpoint:     *awsEndpoint,
		AWSRegion:       *awsRegion,
		ValidationDelay: *validationDelay,
		TokenTTL:        *tokenTTL,
		LogRequest: func(method, path string, status int) {
			logger.Printf("%s %s %d", method, path, status)
		},
	})
	defer emu.Close()

	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "ica-emulator listening on http://%s\n", ln.Addr())

	select {
	case err := <-served:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	logger.Print("stopped")
	return nil
}

// checkLoopback refuses addresses reachable from other machines: the emulator accepts a fixed API key
// and stores secrets, so it must never be exposed.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-listen %q is not host:port: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("-listen %q is not a loopback address: use 127.0.0.1:PORT, [::1]:PORT or localhost:PORT", addr)
}
