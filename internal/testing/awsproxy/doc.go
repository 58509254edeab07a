// Package awsproxy is a reverse proxy for tests and benchmarks that sits between the provider and moto (or any
// AWS-compatible endpoint). It names every request as "service:Operation" (e.g. "iam:CreateAccessKey",
// "s3:GetBucketCors"), counts the calls, keeps a timed log of them, and can inject faults.
//
// # Identifying calls
//
// The service comes from the SigV4 credential scope (Authorization header, or X-Amz-Credential in a presigned
// URL): ".../<region>/<service>/aws4_request". Unsigned query-protocol requests fall back to the API version
// ("2010-05-08" is IAM, "2011-06-15" is STS).
//
//   - IAM and STS (query protocol): the Action parameter of the form body or the query string.
//     JSON-protocol requests use the operation after the dot in X-Amz-Target.
//   - S3 (path-style only: http://proxy/BUCKET/KEY?sub): the method, whether the path names a bucket or an object,
//     and the sub-resource query key: GET /b?cors is "s3:GetBucketCors", PUT /b?cors "s3:PutBucketCors",
//     GET /b?location "s3:GetBucketLocation", GET /b?versioning "s3:GetBucketVersioning", HEAD /b "s3:HeadBucket",
//     GET /b?list-type=2 "s3:ListObjectsV2", PUT /b/k "s3:PutObject", and so on (see s3.go). Point the client
//     at the proxy with path-style addressing (s3_use_path_style = true in the provider).
//
// Read or write: an operation is a read when its name starts with Get, List, Head or Describe; everything else
// is a write (Op.Write). This makes "no-change plan makes no writes" a countable property.
//
// # Counting
//
//	p, err := awsproxy.Start("http://127.0.0.1:5000", awsproxy.Options{})
//	defer p.Close()
//	// point the provider's s3/iam/sts endpoints at p.URL()
//	before := p.Reset()            // counts so far, and start again from zero
//	... run terraform ...
//	c := p.Counts()                // Counts{"iam:GetUser": 50, "s3:GetBucketCors": 5, ...}
//	c.Total(), c.Writes(), c.ByService()["iam"]
//	p.Log()                        // []Record with start time, duration, status, fault, in arrival order
//
// Counts and Log are snapshots; Reset returns the counts and clears counts and log in one step, so no call
// is lost or counted twice between two operations. Every request that reaches the proxy is counted, including
// requests that a fault answered: the client made the call.
//
// # Faults
//
// A Fault matches requests by Service ("s3", "iam", "sts"; empty matches any) and Operation (a path.Match
// pattern on the operation name: "CreateAccessKey", "Put*", "*"; empty matches any), and says what they get:
//
//   - KindThrottle: the service's own throttling error, which the AWS SDK retries with backoff:
//     S3 answers 503 SlowDown, IAM and STS 400 Throttling (Code overrides, e.g. "ThrottlingException").
//   - KindServerError: 500 InternalError (Status and Code override, e.g. 503 ServiceUnavailable).
//   - KindError: any AWS error, Status + Code + Message as given (e.g. 409 EntityAlreadyExists, 404 NoSuchEntity).
//   - KindDrop: the connection is closed with no response (the client sees a transport error).
//   - KindDelay: the request is forwarded after Delay (a slow but successful call).
//   - KindHang: the request is accepted and never answered, until the client gives up (its time limit or
//     cancellation) or the proxy closes: a broken proxy or a black-holed VPC endpoint. With AfterForward
//     the request reaches the upstream first (the write happened) and then the answer never comes.
//     The client's giving up ends the request with status 0 in the Log.
//
// Delay also applies to the other kinds: the fault waits that long first (a slow failure). How often:
// Count > 0 fires on the next Count matching requests and then stops; Probability in (0,1] fires on that share
// of matches (with Count, at most Count times); neither fires on every match until removed. AfterForward sends
// the request to the upstream first and then replaces the response with the fault: the write happened but the
// client does not know, which is how a retry or a re-apply must prove it is idempotent. Error bodies use each
// protocol's XML shape (S3 <Error>, query protocol <ErrorResponse>) so the SDK decodes code and message.
//
//	r, err := p.AddFault(awsproxy.Fault{Service: "iam", Operation: "CreateAccessKey", Kind: awsproxy.KindThrottle, Count: 2})
//	... r.Fired() == 2 ...
//	r.Remove()       // or p.ClearFaults()
//
// Go's HTTP client replays an idempotent request (GET, HEAD) once by itself when a reused connection closes
// before any response, so a dropped read may reach the proxy twice and never surface as an error; a Count of 2
// makes such a drop visible to the caller.
//
// The first matching active fault, in the order they were added, decides; a fault that has used up its Count no
// longer matches. All methods are safe for concurrent use.
package awsproxy
