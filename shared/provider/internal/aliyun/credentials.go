package aliyun

import (
	"slices"
	"strings"
	"sync"

	credential "github.com/aliyun/credentials-go/credentials"
)

const missingCredentials = "no Alibaba Cloud credentials found: set ALIBABA_CLOUD_ACCESS_KEY_ID and " +
	"ALIBABA_CLOUD_ACCESS_KEY_SECRET (plus ALIBABA_CLOUD_SECURITY_TOKEN for STS), " +
	"or configure an Alibaba Cloud CLI profile or RAM role"

// chainCredential wraps the SDK's default credential chain to tell "no credentials"
// apart from other failures, and to learn the secrets it hands out so that error
// messages can be scrubbed of them.
type chainCredential struct {
	credential.Credential
	secrets *secretSet
	// mu serializes the chain, whose provider remembers the last one used without a lock.
	mu sync.Mutex
}

func (c *chainCredential) GetCredential() (*credential.CredentialModel, error) {
	c.mu.Lock()
	m, err := c.Credential.GetCredential()
	c.mu.Unlock()
	if err != nil {
		// A plain error (not a dara.BaseError): the SDK neither retries nor rewraps it.
		return nil, &credentialsError{cause: err}
	}
	if m != nil {
		c.secrets.add(deref(m.AccessKeySecret), deref(m.SecurityToken))
	}
	return m, nil
}

type credentialsError struct{ cause error }

func (e *credentialsError) Error() string { return missingCredentials + ": " + e.cause.Error() }
func (e *credentialsError) Unwrap() error { return e.cause }

// secretSet is the secrets in use; messages are scrubbed of every one of them.
type secretSet struct {
	mu   sync.Mutex
	vals []string
}

func (s *secretSet) add(vals ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range vals {
		if len(v) >= 4 && !slices.Contains(s.vals, v) {
			s.vals = append(s.vals, v)
		}
	}
}

func (s *secretSet) scrub(msg string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.vals {
		msg = strings.ReplaceAll(msg, v, "***")
	}
	return msg
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
