package notify_test

import (
	"context"
	"testing"

	"cdnwatch/shared/notify"
	"cdnwatch/shared/notify/notifytest"
)

// live is a Recorder that shows live progress.
type live struct{ *notifytest.Recorder }

func (live) LiveProgress() bool { return true }

// DeliverProgress reaches only ProgressChannels: a webhook must not get a message per hop.
func TestDeliverProgressOnlyToLiveChannels(t *testing.T) {
	bot, hook := live{notifytest.NewRecorder("slack")}, notifytest.NewRecorder("webhook")
	f := newFixture(bot, hook)
	n := notifytest.Notice(notify.Progress)
	for range 3 {
		if err := f.d.DeliverProgress(t.Context(), &f.box, n, nil).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if len(bot.Notices()) != 3 || len(hook.Notices()) != 0 {
		t.Fatalf("bot got %d, webhook %d; want 3, 0", len(bot.Notices()), len(hook.Notices()))
	}
	if f.box.Threads["slack"] != "slack-thread" || len(f.box.Queue) != 0 {
		t.Errorf("threads %v, queue %d", f.box.Threads, len(f.box.Queue))
	}
	// Targets still apply.
	if rep := f.d.DeliverProgress(t.Context(), &f.box, n, []string{"webhook"}); rep.Total() != 0 {
		t.Errorf("progress reached a channel outside the targets: %+v", rep)
	}
}

// threadThenFail creates its thread, then fails: like the Slack bot whose reply fails
// after the live message was posted.
type threadThenFail struct{ calls int }

func (c *threadThenFail) Name() string { return "bot" }
func (c *threadThenFail) Send(_ context.Context, _ notify.Notice, thread string) (string, error) {
	c.calls++
	if thread == "" {
		return "T1", errTemp
	}
	return thread, nil
}

func TestDeliverKeepsThreadCreatedBeforeAFailure(t *testing.T) {
	ch := &threadThenFail{}
	f := newFixture(ch)
	f.d.MaxAttempts = 1
	f.box.Add(notice("1"))
	f.d.Deliver(t.Context(), &f.box, nil)
	if f.box.Threads["bot"] != "T1" || len(f.box.Queue) != 1 {
		t.Fatalf("threads %v queue %d; want T1 kept and the notice queued", f.box.Threads, len(f.box.Queue))
	}
	f.d.Deliver(t.Context(), &f.box, nil)
	if len(f.box.Queue) != 0 || ch.calls != 2 {
		t.Fatalf("queue %d calls %d; want delivered on the second hop with the kept thread", len(f.box.Queue), ch.calls)
	}
}
