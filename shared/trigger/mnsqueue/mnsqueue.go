// Package mnsqueue is the Aliyun MNS continuation: a pending watch goes to
// CDNWATCH_MNS_QUEUE (default: the queue the record came from) with DelaySeconds, through
// aliyun-mns-go-sdk, split to MNS's 64 KB message budget.
package mnsqueue

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	alimns "github.com/aliyun/aliyun-mns-go-sdk"
	"github.com/aliyun/credentials-go/credentials"
	"github.com/valyala/fasthttp"

	"cdnwatch/shared/trigger"
	"cdnwatch/shared/watch"
)

// Environment variables.
const (
	EnvQueue    = "CDNWATCH_MNS_QUEUE"    // continuation queue name; default the source queue
	EnvEndpoint = "CDNWATCH_MNS_ENDPOINT" // https://<account>.mns.<region>.aliyuncs.com
	EnvDLQ      = "CDNWATCH_MNS_DLQ"      // optional: poison goes to this queue directly
)

// MaxDelay is MNS's longest DelaySeconds (7 days).
const MaxDelay = 604800 * time.Second

// Queue sends continuations to MNS.
type Queue struct {
	queue, endpoint, dlq string
	region, account      string // FC_REGION / FC_ACCOUNT_ID, for a default endpoint
	timeout              time.Duration
}

// New reads CDNWATCH_MNS_QUEUE, CDNWATCH_MNS_ENDPOINT, CDNWATCH_MNS_DLQ, and FC's
// FC_REGION / FC_ACCOUNT_ID for the default endpoint.
func New(getenv func(string) string) *Queue {
	return &Queue{
		queue:    strings.TrimSpace(getenv(EnvQueue)),
		endpoint: strings.TrimSuffix(strings.TrimSpace(getenv(EnvEndpoint)), "/"),
		dlq:      strings.TrimSpace(getenv(EnvDLQ)),
		region:   strings.TrimSpace(getenv("FC_REGION")),
		account:  strings.TrimSpace(getenv("FC_ACCOUNT_ID")),
		timeout:  10 * time.Second,
	}
}

func (q *Queue) Name() string            { return "mns" }
func (q *Queue) Budget() int             { return watch.BudgetMNS }
func (q *Queue) MaxDelay() time.Duration { return MaxDelay }

// DeadLetter is the target of CDNWATCH_MNS_DLQ, or "".
func (q *Queue) DeadLetter() string {
	if q.dlq == "" {
		return ""
	}
	ep := q.endpoint
	if ep == "" {
		ep = endpointFor(q.account, q.region)
	}
	if ep == "" {
		return ""
	}
	return ep + "#" + q.dlq
}

// Target is "<endpoint>#<queue>": the configured queue, else the source queue named by
// the CloudEvent subject acs:mns:<region>:<account>:queues/<name>.
func (q *Queue) Target(source string) string {
	region, account, name := parseSubject(source)
	if q.queue != "" {
		name = q.queue
	}
	if name == "" {
		return ""
	}
	ep := q.endpoint
	if ep == "" {
		ep = endpointFor(first(account, q.account), first(region, q.region))
	}
	if ep == "" {
		return ""
	}
	return ep + "#" + name
}

// Send implements trigger.Queue. Credentials come from the invocation context (the FC
// function role) when present, else the Aliyun default chain.
func (q *Queue) Send(ctx context.Context, target string, body []byte, delay time.Duration, _ map[string]string) error {
	ep, name, ok := strings.Cut(target, "#")
	if !ok || ep == "" || name == "" {
		return fmt.Errorf("mns: bad target %q", target)
	}
	client, err := q.client(ctx, ep)
	if err != nil {
		return err
	}
	queue := alimns.NewMNSQueue(name, client)
	req := alimns.MessageSendRequest{MessageBody: string(body),
		DelaySeconds: int64(min(max(delay, 0), MaxDelay).Round(time.Second) / time.Second), Priority: 8}
	type result struct{ err error }
	done := make(chan result, 1)
	go func() {
		_, err := queue.SendMessage(req)
		done <- result{err}
	}()
	select {
	case <-ctx.Done():
		return fmt.Errorf("mns SendMessage to queue %s: %w", name, context.Cause(ctx))
	case r := <-done:
		if r.err != nil {
			return fmt.Errorf("mns SendMessage to queue %s: %w", name, r.err)
		}
	}
	return nil
}

// client builds an SDK client. The SDK insists on an endpoint of the form
// http(s)://<account>.mns.<region>.aliyuncs.com (and panics otherwise); an override with
// another host (a local fake in tests) gets a canonical URL and a transport that dials the
// override's address.
func (q *Queue) client(ctx context.Context, ep string) (c alimns.MNSClient, err error) {
	u, err := url.Parse(ep)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("mns: endpoint %q: want https://<account>.mns.<region>.aliyuncs.com", ep)
	}
	cfg := alimns.AliMNSClientConfig{EndPoint: ep, TimeoutSecond: int64(q.timeout / time.Second)}
	if creds := trigger.CredentialsFrom(ctx); creds != nil {
		cfg.AccessKeyId, cfg.AccessKeySecret, cfg.Token = creds.AccessKeyID, creds.AccessKeySecret, creds.SecurityToken
	} else {
		cred, err := credentials.NewCredential(nil)
		if err != nil {
			return nil, fmt.Errorf("mns: Aliyun credentials: %w", err)
		}
		cfg.Credential = cred
	}
	redirect := ""
	if len(strings.Split(u.Host, ".")) != 5 {
		redirect = u.Host
		if _, _, err := net.SplitHostPort(redirect); err != nil {
			redirect = net.JoinHostPort(redirect, map[bool]string{true: "443", false: "80"}[u.Scheme == "https"])
		}
		cfg.EndPoint = "http://0.mns.local.aliyuncs.com"
	}
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, fmt.Errorf("mns: endpoint %q refused by the SDK: %v", ep, r)
		}
	}()
	c = alimns.NewAliMNSClientWithConfig(cfg)
	if redirect != "" {
		c.SetTransport(&redirectTransport{hc: &fasthttp.HostClient{Addr: redirect, IsTLS: u.Scheme == "https"}})
	}
	return c, nil
}

type redirectTransport struct{ hc *fasthttp.HostClient }

func (t *redirectTransport) RoundTrip(_ *fasthttp.HostClient, req *fasthttp.Request, resp *fasthttp.Response) (bool, error) {
	return false, t.hc.Do(req, resp)
}

func endpointFor(account, region string) string {
	if account == "" || region == "" {
		return ""
	}
	return fmt.Sprintf("https://%s.mns.%s.aliyuncs.com", account, region)
}

// parseSubject reads acs:mns:<region>:<account>:queues/<name>.
func parseSubject(s string) (region, account, name string) {
	p := strings.Split(s, ":")
	if len(p) != 5 || p[0] != "acs" || p[1] != "mns" || !strings.HasPrefix(p[4], "queues/") {
		return "", "", ""
	}
	return p[2], p[3], strings.TrimPrefix(p[4], "queues/")
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

var _ trigger.Queue = (*Queue)(nil)
