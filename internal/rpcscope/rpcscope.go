// Package rpcscope keeps each Terraform request's context from outliving the request.
//
// terraform-plugin-framework (v1.19) registers every RPC's context so that StopProvider can cancel it, and
// forgets them only at StopProvider, which Terraform sends only when it is interrupted. Each registered
// context holds its parents: the gRPC stream and the request's loggers (terraform-plugin-log copies its
// options at every field it adds, tens of kilobytes per request). A provider process therefore kept every
// request it ever served: 2,400 requests and 50 MB live heap for a plan of 600 resources (BENCHMARKS.md).
//
// Server hands the framework, for the per-resource RPCs, a context that passes everything through to the
// request's own context while the request runs and is cut loose from it when the request returns: it then
// reports itself canceled (as the request's context is by then) and carries no values. The framework keeps
// only that small shell.
package rpcscope

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// Downstream is what Server wraps: the framework's protocol 6 server with the optional capabilities
// terraform-plugin-go looks for (list resources, actions, state stores), so that none is hidden.
type Downstream interface {
	tfprotov6.ProviderServer
	tfprotov6.ListResourceServer
	tfprotov6.ActionServer
	tfprotov6.StateStoreServer
}

// Server wraps inner so that the resource and data source RPCs (the ones Terraform sends per object) run on
// request-scoped contexts. The other RPCs, once per process or streaming (a list's results are read after
// the call returns), go through unchanged.
func Server(inner Downstream) Downstream {
	return &server{Downstream: inner}
}

type server struct{ Downstream }

// scoped runs call on a context that lets go of ctx when call returns.
func scoped[Req, Resp any](ctx context.Context, req Req, call func(context.Context, Req) (Resp, error)) (Resp, error) {
	s := &scope{}
	s.ctx.Store(&boxed{ctx})
	defer s.ctx.Store(&boxed{finished})
	return call(s, req)
}

func (s *server) ValidateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	return scoped(ctx, req, s.Downstream.ValidateResourceConfig)
}

func (s *server) UpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	return scoped(ctx, req, s.Downstream.UpgradeResourceState)
}

func (s *server) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return scoped(ctx, req, s.Downstream.ReadResource)
}

func (s *server) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	return scoped(ctx, req, s.Downstream.PlanResourceChange)
}

func (s *server) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	return scoped(ctx, req, s.Downstream.ApplyResourceChange)
}

func (s *server) ImportResourceState(ctx context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return scoped(ctx, req, s.Downstream.ImportResourceState)
}

func (s *server) MoveResourceState(ctx context.Context, req *tfprotov6.MoveResourceStateRequest) (*tfprotov6.MoveResourceStateResponse, error) {
	return scoped(ctx, req, s.Downstream.MoveResourceState)
}

func (s *server) UpgradeResourceIdentity(ctx context.Context, req *tfprotov6.UpgradeResourceIdentityRequest) (*tfprotov6.UpgradeResourceIdentityResponse, error) {
	return scoped(ctx, req, s.Downstream.UpgradeResourceIdentity)
}

func (s *server) ValidateDataResourceConfig(ctx context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	return scoped(ctx, req, s.Downstream.ValidateDataResourceConfig)
}

func (s *server) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	return scoped(ctx, req, s.Downstream.ReadDataSource)
}

// scope is a context.Context that answers from the request's context until the request returns, and from
// finished afterwards. Code that still holds it then (a shared call started by this request and awaited by
// others runs on a copy detached from its cancellation) sees a canceled context without values, so its
// remaining log lines are dropped; nothing else reads values from it.
type scope struct{ ctx atomic.Pointer[boxed] }

type boxed struct{ context.Context }

func (s *scope) current() context.Context    { return s.ctx.Load().Context }
func (s *scope) Deadline() (time.Time, bool) { return s.current().Deadline() }
func (s *scope) Done() <-chan struct{}       { return s.current().Done() }
func (s *scope) Err() error                  { return s.current().Err() }
func (s *scope) Value(key any) any           { return s.current().Value(key) }

// finished is a context that is canceled and holds nothing.
var finished = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()
