// Package awssecrets reads cdnwatch's secret from AWS Secrets Manager (GetSecretValue) for
// config.WithSecret. It is a package of its own so that only the binaries that use it (the
// Lambda function, the command) link it. The call is one signed POST of our own, not the
// SDK's Secrets Manager client (getSecretValue says why).
package awssecrets

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"cdnwatch/shared/config"
)

// Timeout bounds the read: a function that cannot read its secret should fail its start
// quickly, well inside Lambda's 10-second init phase (which is then retried with the
// first invocation), not hang until the platform kills it.
const Timeout = 5 * time.Second

// SourceWith reads the SecretString of a secret id or ARN with a Secrets Manager client
// configured by load (awsenv in the Lambda function, awschain in the command; both honour
// AWS_REGION, AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_SECRETS_MANAGER). A secret id that is
// an ARN gives the region when none is configured.
func SourceWith(load func(context.Context) (aws.Config, error)) config.SecretSource {
	return func(ctx context.Context, id string) (string, error) {
		ctx, cancel := context.WithTimeout(ctx, Timeout)
		defer cancel()
		cfg, err := load(ctx)
		if err != nil {
			return "", fmt.Errorf("load AWS config: %w", err)
		}
		if cfg.Region == "" {
			cfg.Region = regionOfARN(id)
		}
		secret, err := getSecretValue(ctx, cfg, id)
		if err != nil {
			return "", fmt.Errorf("secretsmanager GetSecretValue: %w", err)
		}
		if secret == nil {
			return "", errors.New("the secret has no SecretString (a binary secret); store a JSON object of variable names and values")
		}
		return *secret, nil
	}
}

// getSecretValue is the one Secrets Manager call, made here rather than through the SDK's
// service client, which costs the Lambda binary 0.26 MB (every operation's serializers,
// its endpoint rules) for this single request: an AWS JSON 1.1 POST signed with the SDK's
// Signature Version 4 signer, retried like the SDK's standard retryer (3 attempts, on
// throttling, 5xx and connection errors), all inside Timeout.
// https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
func getSecretValue(ctx context.Context, cfg aws.Config, id string) (*string, error) {
	if cfg.Region == "" {
		return nil, errors.New("no AWS region: set AWS_REGION, or name the secret by its ARN")
	}
	if cfg.Credentials == nil {
		return nil, errors.New("no AWS credentials")
	}
	endpoint := "https://secretsmanager." + cfg.Region + ".amazonaws.com"
	if strings.HasPrefix(cfg.Region, "cn-") {
		endpoint += ".cn"
	}
	if cfg.BaseEndpoint != nil && *cfg.BaseEndpoint != "" {
		endpoint = strings.TrimRight(*cfg.BaseEndpoint, "/")
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	body, err := json.Marshal(map[string]string{"SecretId": id})
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	var last error
	for attempt := 1; attempt <= 3; attempt++ {
		if attempt > 1 {
			select {
			case <-ctx.Done():
				return nil, fmt.Errorf("%w (after %d attempts; last: %v)", ctx.Err(), attempt-1, last)
			case <-time.After(time.Duration(attempt-1) * 200 * time.Millisecond):
			}
		}
		creds, err := cfg.Credentials.Retrieve(ctx)
		if err != nil {
			return nil, fmt.Errorf("get AWS credentials: %w", err)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/", bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("endpoint %q: %w", endpoint, err)
		}
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "secretsmanager.GetSecretValue")
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "secretsmanager", cfg.Region, time.Now()); err != nil {
			return nil, fmt.Errorf("sign: %w", err)
		}
		resp, err := hc.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			last = err
			continue
		}
		raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if err != nil {
			last = err
			continue
		}
		if resp.StatusCode == http.StatusOK {
			var out struct{ SecretString *string }
			if err := json.Unmarshal(raw, &out); err != nil {
				return nil, fmt.Errorf("read the answer: %w", err)
			}
			return out.SecretString, nil
		}
		last = apiError(resp, raw)
		if resp.StatusCode < 500 && !throttled(last.Error()) {
			return nil, last
		}
	}
	return nil, fmt.Errorf("%w (after 3 attempts)", last)
}

// apiError reads an AWS JSON error: {"__type": "[namespace#]Code", "Message": "..."}.
func apiError(resp *http.Response, raw []byte) error {
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"Message"`
		Lower   string `json:"message"`
	}
	_ = json.Unmarshal(raw, &e)
	code := e.Type
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	if code == "" {
		code = fmt.Sprintf("HTTP%d", resp.StatusCode)
	}
	msg := e.Message
	if msg == "" {
		msg = e.Lower
	}
	return fmt.Errorf("%s: %s (HTTP %d, request id %s)", code, msg, resp.StatusCode, resp.Header.Get("X-Amzn-Requestid"))
}

func throttled(msg string) bool {
	return strings.HasPrefix(msg, "ThrottlingException") || strings.HasPrefix(msg, "TooManyRequestsException") ||
		strings.HasPrefix(msg, "RequestLimitExceeded")
}

// regionOfARN reads the region of arn:aws:secretsmanager:<region>:<account>:secret:<name>.
func regionOfARN(id string) string {
	p := strings.SplitN(id, ":", 7)
	if len(p) == 7 && p[0] == "arn" && p[2] == "secretsmanager" {
		return p[3]
	}
	return ""
}
