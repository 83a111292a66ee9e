package config_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"net/http"
	"net/http/httptest"

	"cdnwatch/shared/config"
	"cdnwatch/shared/engine"
	"cdnwatch/shared/notify"
	"cdnwatch/shared/notify/dingtalk"
	"cdnwatch/shared/notify/feishu"
	"cdnwatch/shared/notify/notifytest"
	"cdnwatch/shared/notify/slack"
	"cdnwatch/shared/notify/webhook"
	"cdnwatch/shared/notify/wecom"
	"cdnwatch/shared/provider"
	"cdnwatch/shared/watch"
)

const (
	slackToken   = "xoxb-e2e-s3cr3t-b0t-t0k3n"
	slackChanID  = "C0E2E0001"
	dingToken    = "e2edingaccesstoken0001"
	dingSecret   = "SECe2edingsigningsecret0001"
	feishuHook   = "e2e0feis-hu00-hook-0000-000000000001"
	feishuSecret = "e2efeishusigningsecret"
	wecomKey     = "e2e0wec0-m000-key0-0000-000000000001"
)

var whSecret = webhook.SecretPrefix + base64.StdEncoding.EncodeToString([]byte("e2e webhook secret, 32 bytes...."))

// script is a provider whose tasks move on with the hop: task 1 fails at hop 1, task 2
// completes at hop 2.
type script struct {
	mu  sync.Mutex
	hop int
}

func (s *script) Name() string { return "scripted" }
func (s *script) Limits() provider.Limits {
	return provider.Limits{IDsPerCall: 10, QPS: 1000, Retention: time.Hour}
}
func (s *script) Describe(_ context.Context, ids []string) ([]provider.Object, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []provider.Object
	for _, id := range ids {
		o := provider.Object{TaskID: id, Path: "https://static.example.com/" + id + ".js", Status: provider.Running, Progress: "40%"}
		switch {
		case id == "1" && s.hop >= 1:
			o.Status, o.Reason = provider.Failed, "origin answered 502"
		case id == "2" && s.hop >= 2:
			o.Status, o.Progress = provider.Complete, "100%"
		}
		out = append(out, o)
	}
	return out, nil
}

// A watch with a failure, every channel configured from the environment, and every
// receiver failing its first two requests: each notice reaches each channel exactly
// once, carried across hops by the outbox, and no secret reaches the logs.
func TestEveryChannelDeliversEachNoticeOnce(t *testing.T) {
	api := slack.NewWebAPI(nil, slackToken, "#cdn-ops", slackChanID)
	wh, err := webhook.NewReceiver(nil, whSecret)
	if err != nil {
		t.Fatal(err)
	}
	dt := dingtalk.NewReceiver(nil, dingToken, dingSecret)
	fs := feishu.NewReceiver(nil, feishuHook, feishuSecret)
	wc := wecom.NewReceiver(nil, wecomKey)
	api.FailNext(2, 503, 0)
	wh.FailNext(2, 503, 0)
	dt.FailNext(2, 503, 0)
	fs.FailNext(2, 503, 0)
	wc.FailNext(2, 503, 0)
	srv := map[string]*httptest.Server{}
	for name, h := range map[string]http.Handler{"slack": api, "webhook": wh, "dingtalk": dt, "feishu": fs, "wecom": wc} {
		srv[name] = httptest.NewServer(h)
		defer srv[name].Close()
	}
	env := map[string]string{
		slack.EnvBotToken:  slackToken,
		slack.EnvChannel:   "#cdn-ops",
		slack.EnvAPIURL:    srv["slack"].URL + "/api",
		webhook.EnvURL:     srv["webhook"].URL + "/hooks/cdn",
		webhook.EnvSecret:  whSecret,
		dingtalk.EnvURL:    srv["dingtalk"].URL + "/robot/send?access_token=" + dingToken,
		dingtalk.EnvSecret: dingSecret,
		feishu.EnvURL:      srv["feishu"].URL + "/open-apis/bot/v2/hook/" + feishuHook,
		feishu.EnvSecret:   feishuSecret,
		wecom.EnvURL:       srv["wecom"].URL + "/cgi-bin/webhook/send?key=" + wecomKey,
		"CDNWATCH_LANG":    "en",
	}
	cfg, err := config.FromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	log, logs := notifytest.CaptureLogs()
	chans, err := cfg.Channels(log)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range chans {
		names = append(names, c.Name())
	}
	if want := []string{"slack", "webhook", "dingtalk", "feishu", "wecom"}; !slices.Equal(names, want) {
		t.Fatalf("channels %v, want %v", names, want)
	}

	drv := &script{}
	client := provider.NewClient(drv, 0)
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	e := &engine.Engine{
		Open: func(context.Context, *watch.Document) (*provider.Client, error) { return client, nil },
		// One try per hop: a failed delivery must wait in the outbox for the next hop.
		Dispatcher: &notify.Dispatcher{Channels: chans, Logger: log, MaxAttempts: 1,
			Sleep: func(context.Context, time.Duration) error { return nil }},
		Policy: watch.DefaultPolicy(),
		Now:    func() time.Time { return now },
		Logger: log,
		Sleep: func(_ context.Context, d time.Duration) error {
			now = now.Add(d)
			drv.mu.Lock()
			drv.hop++
			drv.mu.Unlock()
			return nil
		},
	}
	doc := &watch.Document{V: 1, Provider: "scripted", TaskIDs: []string{"1", "2"}, Label: "web v1.4.2"}
	h, err := e.Run(t.Context(), doc, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !h.Done() || h.Doc.State.Failed != 1 || h.Doc.State.Complete != 1 {
		t.Fatalf("watch not done: done=%v state=%+v", h.Done(), h.Doc.State)
	}
	if len(h.Doc.State.Outbox.Disabled) != 0 {
		t.Fatalf("channels disabled: %v", h.Doc.State.Outbox.Disabled)
	}

	// Each receiver refused two requests and took two notices (the Slack bot: its live
	// message, edits and two replies), so the failures really happened.
	for name, n := range map[string]int{"webhook": wh.Requests(), "dingtalk": dt.Requests(), "feishu": fs.Requests(), "wecom": wc.Requests()} {
		if n != 4 {
			t.Errorf("%s saw %d requests, want 4 (2 refused + 2 notices)", name, n)
		}
	}
	if api.Requests() < 5 {
		t.Errorf("slack saw %d requests, want at least 5", api.Requests())
	}
	want := []string{"Task failed", "Finished with failures"}
	check := func(name string, texts []string) {
		t.Helper()
		if len(texts) != len(want) {
			t.Errorf("%s got %d messages, want %d (one per notice):\n%s", name, len(texts), len(want), strings.Join(texts, "\n---\n"))
			return
		}
		for i, w := range want {
			if !strings.Contains(texts[i], w) || !strings.Contains(texts[i], "origin answered 502") {
				t.Errorf("%s message %d is not %q with the failure:\n%s", name, i+1, w, texts[i])
			}
		}
	}
	check("dingtalk", dt.Texts())
	check("feishu", fs.Texts())
	check("wecom", wc.Texts())
	var whTexts, ids []string
	for _, d := range wh.Deliveries() {
		whTexts = append(whTexts, string(d.Raw))
		ids = append(ids, d.ID)
	}
	if wh.Duplicates() != 0 {
		t.Errorf("webhook receiver dropped %d duplicates", wh.Duplicates())
	}
	if len(ids) != 2 || ids[0] == ids[1] {
		t.Errorf("webhook ids %v, want two distinct notice ids", ids)
	}
	if len(whTexts) == 2 && (!strings.Contains(whTexts[0], `"type":"task.failed"`) || !strings.Contains(whTexts[1], `"type":"watch.finished"`)) {
		t.Errorf("webhook bodies out of order:\n%s", strings.Join(whTexts, "\n"))
	}
	// Slack: one live message, edited; each notice once as a reply in its thread.
	var top, replies []string
	for _, m := range api.Messages() {
		if m.ThreadTS == "" {
			top = append(top, slack.PlainText(m.Msg))
		} else {
			replies = append(replies, slack.PlainText(m.Msg))
		}
	}
	if len(top) != 1 {
		t.Errorf("slack has %d top-level messages, want 1 live message", len(top))
	}
	check("slack replies", replies)
	if len(top) == 1 && !strings.Contains(top[0], "Finished with failures") {
		t.Errorf("slack live message not in its final state:\n%s", top[0])
	}
	for _, s := range []string{slackToken, dingToken, dingSecret, feishuHook, feishuSecret, wecomKey, whSecret} {
		notifytest.AssertNoSecrets(t, "logs", logs.String(), s)
	}
	if sec := config.SecretsOf(chans); len(sec) < 7 {
		t.Errorf("SecretsOf found %d secrets, want at least one per channel secret", len(sec))
	}
}

func TestEngineLoggerRedactsSecrets(t *testing.T) {
	var buf bytes.Buffer
	env, err := config.FromEnv(func(k string) string {
		return map[string]string{
			"CDNWATCH_SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T1/B1/leakysecretpath",
			"CDNWATCH_STATE_KEY":         "state-key-never-logged",
		}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := env.Engine(slog.New(slog.NewTextHandler(&buf, nil)))
	if err != nil {
		t.Fatal(err)
	}
	eng.Logger.Info("oops", "url", "https://hooks.slack.com/services/T1/B1/leakysecretpath", "key", "state-key-never-logged")
	if strings.Contains(buf.String(), "leakysecretpath") || strings.Contains(buf.String(), "state-key-never-logged") || !strings.Contains(buf.String(), "oops") {
		t.Fatalf("log = %s", buf.String())
	}
}

// The FC role's credentials are Aliyun keys: CloudFront, Tencent and Volcengine must
// never sign with them.
func TestExplicitCredentialsOnlyForAliyun(t *testing.T) {
	e, err := config.FromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	e.Credentials = &provider.Credentials{AccessKeyID: "STS.role", AccessKeySecret: "s"}
	for name, want := range map[string]bool{"aliyun-cdn": true, "aliyun-dcdn": true, "aws-cloudfront": false, "tencent-cdn": false, "volc-cdn": false, "volc-mcdn": false} {
		cfg, err := e.ProviderConfig(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := cfg.Credentials != nil; got != want {
			t.Errorf("%s: explicit credentials passed = %v, want %v", name, got, want)
		}
	}
}
