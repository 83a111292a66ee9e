package notify_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"cdnwatch/shared/notify"
	"cdnwatch/shared/notify/notifytest"
)

var (
	errTemp = &notify.DeliveryError{Channel: "x", Status: 503}
	errGone = &notify.DeliveryError{Channel: "x", Status: 410, Permanent: true}
)

type fixture struct {
	d      *notify.Dispatcher
	sleeps *notifytest.Sleeps
	logs   *notifytest.LogBuffer
	box    notify.Outbox
}

func newFixture(chans ...notify.Channel) *fixture {
	f := &fixture{sleeps: &notifytest.Sleeps{}}
	log, logs := notifytest.CaptureLogs()
	f.logs = logs
	f.d = &notify.Dispatcher{Channels: chans, Logger: log, Sleep: f.sleeps.Sleep, MaxAttempts: 3}
	return f
}

func notice(id string) notify.Notice {
	n := notifytest.Notice(notify.TaskFailed)
	n.ID = id
	return n
}

func ids(ns []notify.Notice) []string {
	var out []string
	for _, n := range ns {
		out = append(out, n.ID)
	}
	return out
}

func TestDeliverEveryChannelWhenNoTargets(t *testing.T) {
	a, b := notifytest.NewRecorder("a"), notifytest.NewRecorder("b")
	f := newFixture(a, b)
	f.box.Add(notice("1"), notice("2"))
	rep := f.d.Deliver(t.Context(), &f.box, nil)
	if rep.Err() != nil || rep.Queued != 0 || len(f.box.Queue) != 0 {
		t.Fatalf("report %+v, queue %d", rep, len(f.box.Queue))
	}
	for _, r := range []*notifytest.Recorder{a, b} {
		if got := ids(r.Notices()); !slices.Equal(got, []string{"1", "2"}) {
			t.Errorf("%s got %v, want [1 2] in order", r.Name(), got)
		}
	}
	if rep.Delivered["a"] != 2 || rep.Delivered["b"] != 2 || rep.Total() != 4 {
		t.Errorf("Delivered = %v", rep.Delivered)
	}
}

func TestDeliverTargetsAndUnknownNames(t *testing.T) {
	a, b := notifytest.NewRecorder("a"), notifytest.NewRecorder("b")
	f := newFixture(a, b)
	f.box.Add(notice("1"))
	rep := f.d.Deliver(t.Context(), &f.box, []string{"b", "nope", "b"})
	if len(a.Notices()) != 0 || len(b.Notices()) != 1 {
		t.Errorf("a got %d, b got %d; want 0, 1", len(a.Notices()), len(b.Notices()))
	}
	if !slices.Equal(rep.Unknown, []string{"nope"}) {
		t.Errorf("Unknown = %v", rep.Unknown)
	}
	if len(f.box.Queue) != 0 {
		t.Error("an unconfigured target held the notice in the outbox")
	}
	if !strings.Contains(f.logs.String(), "channel=nope") {
		t.Errorf("unknown target not logged:\n%s", f.logs)
	}
}

// A notice whose every target is unknown or disabled cannot be delivered; it leaves the
// outbox, but loudly.
func TestDeliverDropsLoudlyWhenNoChannelCanTakeIt(t *testing.T) {
	f := newFixture(notifytest.NewRecorder("a"))
	f.box.Add(notice("1"))
	rep := f.d.Deliver(t.Context(), &f.box, []string{"nope"})
	if rep.Dropped != 1 || len(f.box.Queue) != 0 {
		t.Errorf("Dropped = %d, queue %d; want 1, 0", rep.Dropped, len(f.box.Queue))
	}
	if !strings.Contains(f.logs.String(), "notice dropped") {
		t.Errorf("drop not logged:\n%s", f.logs)
	}
}

func TestDeliverKeepsThreads(t *testing.T) {
	a := notifytest.NewRecorder("a")
	f := newFixture(a)
	f.box.Add(notice("1"), notice("2"))
	f.d.Deliver(t.Context(), &f.box, nil)
	f.box.Add(notice("3"))
	f.d.Deliver(t.Context(), &f.box, nil)
	if got := a.Threads(); !slices.Equal(got, []string{"", "a-thread", "a-thread"}) {
		t.Errorf("threads passed = %q", got)
	}
	if f.box.Threads["a"] != "a-thread" {
		t.Errorf("Threads = %v", f.box.Threads)
	}
}

// A channel that cannot take the oldest notice does not get the newer ones out of order.
func TestDeliverStopsChannelAtFirstUndeliverable(t *testing.T) {
	a := notifytest.NewRecorder("a")
	a.FailNext(3, errTemp)
	f := newFixture(a)
	f.box.Add(notice("1"), notice("2"))
	rep := f.d.Deliver(t.Context(), &f.box, nil)
	if a.Calls() != 3 || len(a.Notices()) != 0 {
		t.Fatalf("calls %d, delivered %d; want 3 tries of notice 1 only", a.Calls(), len(a.Notices()))
	}
	if len(f.box.Queue) != 2 || f.box.Queue[0].Attempts != 1 || f.box.Queue[1].Attempts != 0 {
		t.Errorf("queue %+v", f.box.Queue)
	}
	if rep.Queued != 2 || len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0].Error(), "notice 1") {
		t.Errorf("report %+v", rep)
	}
	f.d.Deliver(t.Context(), &f.box, nil)
	if got := ids(a.Notices()); !slices.Equal(got, []string{"1", "2"}) || len(f.box.Queue) != 0 {
		t.Errorf("next hop delivered %v, queue %d", got, len(f.box.Queue))
	}
}

func TestDeliverFailingChannelDoesNotBlockOthers(t *testing.T) {
	slow, fast := notifytest.NewRecorder("slow"), notifytest.NewRecorder("fast")
	slow.FailNext(-1, &notify.DeliveryError{Channel: "slow", Status: 429, RetryAfter: time.Minute})
	f := newFixture(slow, fast)
	f.box.Add(notice("1"), notice("2"))
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	rep := f.d.Deliver(ctx, &f.box, nil)
	if len(fast.Notices()) != 2 || rep.Delivered["fast"] != 2 {
		t.Errorf("fast got %d", len(fast.Notices()))
	}
	if slow.Calls() != 1 {
		t.Errorf("slow tried %d times; a Retry-After past the deadline allows 1", slow.Calls())
	}
	if len(f.box.Queue) != 2 || !slices.Equal(f.box.Queue[0].Acked, []string{"fast"}) {
		t.Errorf("queue %+v", f.box.Queue)
	}
}

func TestDeliverPermanentDisables(t *testing.T) {
	a, b := notifytest.NewRecorder("a"), notifytest.NewRecorder("b")
	a.FailNext(-1, errGone)
	f := newFixture(a, b)
	f.box.Add(notice("1"), notice("2"))
	rep := f.d.Deliver(t.Context(), &f.box, nil)
	if a.Calls() != 1 || !slices.Equal(f.box.Disabled, []string{"a"}) || !slices.Equal(rep.Disabled, []string{"a"}) {
		t.Errorf("calls %d, disabled %v / %v", a.Calls(), f.box.Disabled, rep.Disabled)
	}
	if len(f.box.Queue) != 0 || len(b.Notices()) != 2 {
		t.Errorf("queue %d, b got %d", len(f.box.Queue), len(b.Notices()))
	}
	if !notify.IsPermanent(rep.Err()) {
		t.Errorf("Err() = %v", rep.Err())
	}
}

func TestBackoffGrowsWithJitterWithinBounds(t *testing.T) {
	a := notifytest.NewRecorder("a")
	a.FailNext(-1, errTemp)
	f := newFixture(a)
	f.d.MaxAttempts, f.d.BaseBackoff, f.d.MaxBackoff = 6, time.Second, 4*time.Second
	f.box.Add(notice("1"))
	f.d.Deliver(t.Context(), &f.box, nil)
	got := f.sleeps.Durations()
	ceil := []time.Duration{1, 2, 4, 4, 4}
	if len(got) != len(ceil) {
		t.Fatalf("slept %v, want %d waits", got, len(ceil))
	}
	for i, c := range ceil {
		if hi := c * time.Second; got[i] < hi/2 || got[i] > hi {
			t.Errorf("wait %d = %v, want in [%v, %v]", i+1, got[i], hi/2, hi)
		}
	}
}

func TestRetryAfterBeyondMaxBackoffIsHonoured(t *testing.T) {
	a := notifytest.NewRecorder("a")
	a.FailNext(1, &notify.DeliveryError{Channel: "a", Status: 429, RetryAfter: 90 * time.Second})
	f := newFixture(a)
	f.box.Add(notice("1"))
	f.d.Deliver(t.Context(), &f.box, nil)
	if got := f.sleeps.Durations(); len(got) != 1 || got[0] < 90*time.Second || got[0] > 100*time.Second {
		t.Errorf("slept %v, want one wait of 90s plus at most 10%% jitter", got)
	}
	if len(a.Notices()) != 1 {
		t.Error("not delivered after the wait")
	}
}

func TestPerChannelTimeout(t *testing.T) {
	hung, ok := notifytest.NewRecorder("hung"), notifytest.NewRecorder("ok")
	hung.Hang()
	f := newFixture(hung, ok)
	f.d.PerChannelTimeout, f.d.MaxAttempts = 20*time.Millisecond, 2
	f.box.Add(notice("1"))
	start := time.Now()
	rep := f.d.Deliver(t.Context(), &f.box, nil)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Deliver took %v", d)
	}
	if hung.Calls() != 2 || !errors.Is(rep.Err(), context.DeadlineExceeded) || notify.IsPermanent(rep.Err()) {
		t.Errorf("calls %d, err %v; want 2 tries ending in a temporary deadline error", hung.Calls(), rep.Err())
	}
	if len(ok.Notices()) != 1 || len(f.box.Queue) != 1 {
		t.Errorf("ok got %d, queue %d", len(ok.Notices()), len(f.box.Queue))
	}
}

// A channel returning a plain error with a URL in it: retried as temporary, and the URL
// path never reaches the report or the log.
func TestUnclassifiedErrorsAreTemporaryAndRedacted(t *testing.T) {
	a := notifytest.NewRecorder("a")
	secret := "/hook/T0/B0/supersecrettoken"
	a.FailNext(-1, fmt.Errorf(`Post "https://hooks.example.com%s": connection reset`, secret))
	f := newFixture(a)
	f.box.Add(notice("1"))
	rep := f.d.Deliver(t.Context(), &f.box, nil)
	if a.Calls() != 3 {
		t.Errorf("calls = %d, want MaxAttempts", a.Calls())
	}
	var de *notify.DeliveryError
	if !errors.As(rep.Err(), &de) || de.Channel != "a" || de.Permanent {
		t.Errorf("err = %#v, want a temporary DeliveryError for channel a", rep.Err())
	}
	notifytest.AssertNoSecrets(t, "report", rep.Err().Error(), secret)
	notifytest.AssertNoSecrets(t, "log", f.logs.String(), secret)
	if !strings.Contains(rep.Err().Error(), "https://hooks.example.com") {
		t.Errorf("the host should stay for diagnosis: %v", rep.Err())
	}
}

func TestDeliverNowIsBestEffort(t *testing.T) {
	a, b, gone := notifytest.NewRecorder("a"), notifytest.NewRecorder("b"), notifytest.NewRecorder("gone")
	b.FailNext(1, errTemp)
	gone.FailNext(-1, errGone)
	f := newFixture(a, b, gone)
	n := notifytest.Notice(notify.Progress)
	rep := f.d.DeliverNow(t.Context(), &f.box, n, nil)
	if len(a.Notices()) != 1 || b.Calls() != 1 || len(b.Notices()) != 0 {
		t.Errorf("a got %d; b called %d times (want 1, no retry)", len(a.Notices()), b.Calls())
	}
	if len(f.box.Queue) != 0 || len(f.sleeps.Durations()) != 0 {
		t.Error("a progress notice was queued or retried")
	}
	if f.box.Threads["a"] != "a-thread" || !slices.Equal(f.box.Disabled, []string{"gone"}) {
		t.Errorf("threads %v, disabled %v", f.box.Threads, f.box.Disabled)
	}
	if len(rep.Errors) != 2 || rep.Delivered["a"] != 1 {
		t.Errorf("report %+v", rep)
	}
	f.d.DeliverNow(t.Context(), nil, n, []string{"gone"}) // nil box: no state, no panic
	if gone.Calls() != 2 {
		t.Errorf("gone called %d times", gone.Calls())
	}
}

func TestDeliverEmptyOutbox(t *testing.T) {
	a := notifytest.NewRecorder("a")
	f := newFixture(a)
	rep := f.d.Deliver(t.Context(), &f.box, nil)
	rep2 := f.d.Deliver(t.Context(), nil, nil)
	if a.Calls() != 0 || rep.Total() != 0 || rep2.Queued != 0 {
		t.Errorf("calls %d", a.Calls())
	}
}
