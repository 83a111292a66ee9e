// Package mnsqueue is the Aliyun MNS continuation: a pending watch goes to
// CDNWATCH_MNS_QUEUE (default: the queue the record came from) with DelaySeconds, by one
// signed SendMessage of our own (send.go), split so that each base64 body fits MNS's 64 KB.
package mnsqueue

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aliyun/credentials-go/credentials"

	"cdnwatch/shared/trigger"
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
	hc                   *http.Client

	mu    sync.Mutex
	chain credentials.Credential // the Aliyun default chain, made on first use
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
		hc:       &http.Client{},
	}
}

func (q *Queue) Name() string { return "mns" }

// Budget is the largest document whose base64 fits one 64 KB message.
func (q *Queue) Budget() int             { return base64.StdEncoding.DecodedLen(MaxBodyBytes) }
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

// Send implements trigger.Queue: one signed SendMessage (send.go) whose MessageBody is
// the document in base64, as MNS asks; s.yaml's MNS trigger sets IsBase64Decode: true, so
// EventBridge hands FC the document itself in data.messageBody. Credentials come from the
// invocation context (the FC function role) when present, else the Aliyun default chain.
func (q *Queue) Send(ctx context.Context, target string, body []byte, delay time.Duration, _ map[string]string) error {
	ep, name, ok := strings.Cut(target, "#")
	if !ok || ep == "" || name == "" {
		return fmt.Errorf("mns: bad target %q", target)
	}
	if u, err := url.Parse(ep); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("mns: endpoint %q: want https://<account>.mns.<region>.aliyuncs.com", ep)
	}
	k, err := q.key(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, q.timeout)
	defer cancel()
	delaySeconds := int64(min(max(delay, 0), MaxDelay).Round(time.Second) / time.Second)
	if _, err := sendMessage(ctx, q.hc, ep, name, k, EncodeBody(body), delaySeconds, time.Now()); err != nil {
		return fmt.Errorf("mns SendMessage to queue %s: %w", name, err)
	}
	return nil
}

// EncodeBody is the MessageBody cdnwatch sends for a document: its base64.
func EncodeBody(doc []byte) string { return base64.StdEncoding.EncodeToString(doc) }

// key returns the credentials to sign with: the FC role's from ctx, else the Aliyun
// default chain (environment, profile, RAM role), made once and reused (it refreshes
// STS credentials itself).
func (q *Queue) key(ctx context.Context) (key, error) {
	if c := trigger.CredentialsFrom(ctx); c != nil {
		return key{c.AccessKeyID, c.AccessKeySecret, c.SecurityToken}, nil
	}
	q.mu.Lock()
	if q.chain == nil {
		cred, err := credentials.NewCredential(nil)
		if err != nil {
			q.mu.Unlock()
			return key{}, fmt.Errorf("mns: Aliyun credentials: %w", err)
		}
		q.chain = cred
	}
	chain := q.chain
	q.mu.Unlock()
	m, err := chain.GetCredential()
	if err != nil {
		return key{}, fmt.Errorf("mns: Aliyun credentials: %w", err)
	}
	k := key{id: deref(m.AccessKeyId), secret: deref(m.AccessKeySecret), token: deref(m.SecurityToken)}
	if k.id == "" || k.secret == "" {
		return key{}, fmt.Errorf("mns: the Aliyun credential chain gave no access key")
	}
	return k, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
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
