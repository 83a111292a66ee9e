package function_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"cdnwatch/shared/cdnsim"
	"cdnwatch/shared/function/fakeruntime"
	"cdnwatch/shared/internal/mototest"
	"cdnwatch/shared/notify/slack"
	"cdnwatch/shared/watch"
)

// TestLambdaBinaryReadsSecret runs the real Lambda binary with no secret in its
// environment, only CDNWATCH_SECRET_ID naming a Secrets Manager secret in moto_server: it
// must read the Aliyun key pair, the Slack webhook and the state key from it, watch a task
// on the simulator, deliver the summary to Slack, seal the answer with the state key, and
// never log any of the secret's values.
func TestLambdaBinaryReadsSecret(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the Lambda binary; skipped with -short")
	}
	motoURL := mototest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	const keyID, keySecret, stateKey = "LTAI5tFromSecret", "aliyun-secret-from-secrets-manager", "state-key-from-secrets-manager"
	sim := cdnsim.New(cdnsim.Options{AccessKeyID: keyID, AccessKeySecret: keySecret})
	api := httptest.NewServer(sim.Handler("aliyun-cdn"))
	defer api.Close()
	id := sim.AddTask("aliyun-cdn", cdnsim.Task{Created: time.Now().Add(-time.Minute), Objects: []cdnsim.Object{
		{Path: "http://static.example.com/from-secret.js", Type: cdnsim.TypeFile, Duration: time.Second}}})
	recv := slack.NewReceiver(nil)
	hook := httptest.NewServer(recv)
	defer hook.Close()
	webhook := hook.URL + "/services/T0SECRET/B0SECRET/webhook-path-is-a-secret"

	secret, _ := json.Marshal(map[string]string{
		"ALIBABA_CLOUD_ACCESS_KEY_ID": keyID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": keySecret,
		"CDNWATCH_SLACK_WEBHOOK_URL": webhook, "CDNWATCH_STATE_KEY": stateKey,
	})
	sm := secretsmanager.New(secretsmanager.Options{Region: "us-east-1", BaseEndpoint: aws.String(motoURL),
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")})
	if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("cdnwatch/prod"), SecretString: aws.String(string(secret))}); err != nil {
		t.Fatal(err)
	}

	bin := filepath.Join(t.TempDir(), "bootstrap")
	build := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", bin, "cdnwatch/functions/lambda")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	doc := `{"v":1,"provider":"aliyun-cdn","taskIds":["` + id + `"],"label":"secret-fed watch"}`
	rt := fakeruntime.New("lambda", 30*time.Second, fakeruntime.Credentials{}, &fakeruntime.Invocation{ID: "req-secret", Payload: []byte(doc)})
	env := []string{
		"CDNWATCH_SECRET_ID=cdnwatch/prod", "CDNWATCH_ALIYUN_CDN_ENDPOINT=" + api.URL, "CDNWATCH_LOG_LEVEL=debug",
		// What Lambda gives every function: the execution role's credentials and region.
		"AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing", "AWS_REGION=us-east-1",
		"AWS_ENDPOINT_URL=" + motoURL, "AWS_EC2_METADATA_DISABLED=true", "ALIBABA_CLOUD_ECS_METADATA_DISABLED=true",
		"HOME=" + t.TempDir(),
	}
	res, err := fakeruntime.Run(ctx, bin, rt, env, 60*time.Second)
	if err != nil {
		t.Fatalf("%v\n%s", err, res.Output)
	}
	inv := res.Invocations[0]
	if inv.Status != "response" {
		t.Fatalf("%s %s\n%s", inv.Status, inv.Body, res.Output)
	}
	var resp watch.Response
	if err := json.Unmarshal(inv.Body, &resp); err != nil || !resp.Done || resp.State == nil || resp.State.Finished != watch.EndComplete {
		t.Fatalf("answer %s (%v)\n%s", inv.Body, err, res.Output)
	}
	// The answer is sealed with the state key from the secret.
	if _, err := watch.Decode(inv.Body, []byte(stateKey)); err != nil {
		t.Errorf("the answer does not verify with the secret's state key: %v", err)
	}
	if _, err := watch.Decode(inv.Body, []byte("another-key-entirely")); err == nil {
		t.Errorf("the answer verifies with any key: it was not sealed")
	}
	msgs, _ := json.Marshal(recv.Messages())
	if !strings.Contains(string(msgs), "secret-fed watch") {
		t.Errorf("no Slack notice through the secret's webhook: %s", msgs)
	}
	if !strings.Contains(res.Output, "CDNWATCH_SLACK_WEBHOOK_URL") {
		t.Errorf("the start log does not name the variables read from the secret:\n%s", res.Output)
	}
	for _, v := range []string{keySecret, stateKey, "webhook-path-is-a-secret"} {
		if strings.Contains(res.Output, v) || strings.Contains(string(inv.Body), v) {
			t.Errorf("a secret value appears in the log or the answer: %q", v)
		}
	}
}
