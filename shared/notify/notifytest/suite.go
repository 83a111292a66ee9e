package notifytest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"cdnwatch/shared/notify"
)

// wants lists what a person must find in the message for each kind.
func wants(n notify.Notice) []string {
	w := []string{n.Label, strconv.Itoa(n.Counts.Complete), strconv.Itoa(n.Counts.Failed)}
	if n.Kind != notify.SweepDigest {
		w = append(w, strconv.Itoa(n.Counts.Total))
	}
	if len(n.Failures) > 0 {
		w = append(w, n.Failures[0].TaskID, n.Failures[0].Path, n.Failures[0].Reason)
	}
	switch n.Kind {
	case notify.WatchTimeout:
		w = append(w, FixturePending)
	case notify.Progress:
		w = append(w, "61.5")
	case notify.SweepDigest:
		w = append(w, n.Running[0].Path)
	}
	return slices.DeleteFunc(w, func(s string) bool { return s == "" })
}

func testKinds(t *testing.T, h Harness) {
	for _, k := range Kinds() {
		t.Run(string(k), func(t *testing.T) {
			e := newEnv(t, h)
			n := Notice(k)
			var box notify.Outbox
			var rep notify.Report
			if k == notify.Progress {
				rep = e.d.DeliverNow(ctx(t), &box, n, nil)
			} else {
				box.Add(n)
				rep = e.d.Deliver(ctx(t), &box, nil)
			}
			if err := rep.Err(); err != nil {
				t.Fatalf("delivery failed: %v", err)
			}
			if got := rep.Delivered[h.Name]; got != 1 || len(box.Queue) != 0 {
				t.Fatalf("Delivered[%s] = %d, queue %d; want 1, 0", h.Name, got, len(box.Queue))
			}
			msgs := e.rcv.Received()
			if len(msgs) != 1 {
				t.Fatalf("receiver got %d messages, want 1", len(msgs))
			}
			for _, w := range wants(n) {
				if !strings.Contains(msgs[0].Text, w) {
					t.Errorf("message lacks %q:\n%s", w, msgs[0].Text)
				}
			}
			if id := msgs[0].NoticeID; id != "" && id != n.ID {
				t.Errorf("notice id on the wire = %q, want %q", id, n.ID)
			}
		})
	}
}

func testRetry5xx(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.rcv.FailNext(2, http.StatusInternalServerError, 0)
	var box notify.Outbox
	box.Add(Notice(notify.WatchFinished))
	rep := e.d.Deliver(ctx(t), &box, nil)
	if err := rep.Err(); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	if n := len(e.rcv.Received()); n != 1 {
		t.Errorf("receiver got %d messages, want exactly 1", n)
	}
	if n, want := e.rcv.Requests(), 2+max(h.RequestsPerSend, 1); n != want {
		t.Errorf("receiver saw %d requests, want %d (two 500s, then one successful send)", n, want)
	}
	if n := len(e.sleeps.Durations()); n != 2 {
		t.Errorf("dispatcher slept %d times, want 2 (backoff before each retry)", n)
	}
	if len(box.Queue) != 0 || rep.Delivered[h.Name] != 1 {
		t.Errorf("queue %d, delivered %d; want 0, 1", len(box.Queue), rep.Delivered[h.Name])
	}
}

func testRetryAfter(t *testing.T, h Harness) {
	const wait = 7 * time.Second
	e := newEnv(t, h)
	e.rcv.FailNext(1, http.StatusTooManyRequests, wait)
	var box notify.Outbox
	box.Add(Notice(notify.TaskFailed))
	if err := e.d.Deliver(ctx(t), &box, nil).Err(); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	sleeps := e.sleeps.Durations()
	if len(sleeps) != 1 || sleeps[0] < wait {
		t.Errorf("sleeps = %v, want one of at least the Retry-After %v", sleeps, wait)
	}
	if n := len(e.rcv.Received()); n != 1 {
		t.Errorf("receiver got %d messages, want 1", n)
	}
}

func testCarryOver(t *testing.T, h Harness) {
	e := newEnv(t, h)
	var box notify.Outbox
	box.Add(Notice(notify.WatchFinished))

	// Hop 1: the service is down for longer than this hop retries.
	e.rcv.FailNext(1000, http.StatusServiceUnavailable, 0)
	e.d.MaxAttempts = 3
	rep := e.d.Deliver(ctx(t), &box, nil)
	if rep.Queued != 1 || len(box.Queue) != 1 || box.Queue[0].Attempts != 1 {
		t.Fatalf("after failing hop: Report.Queued=%d queue=%d attempts=%v; want 1, 1, 1",
			rep.Queued, len(box.Queue), attempts(box))
	}
	if got := e.rcv.Requests(); got != 3 {
		t.Errorf("requests = %d, want MaxAttempts = 3", got)
	}
	var de *notify.DeliveryError
	if len(rep.Errors) == 0 || !errors.As(rep.Errors[0], &de) || de.Permanent || de.Status != http.StatusServiceUnavailable {
		t.Errorf("Report.Errors = %v, want a temporary *DeliveryError with status 503", rep.Errors)
	}

	// Hop 2: rate-limited with a Retry-After longer than the hop has left. The
	// dispatcher must not sleep past its deadline: one try, then leave it queued.
	e.rcv.FailNext(1000, http.StatusTooManyRequests, 30*time.Second)
	c, cancel := context.WithTimeout(ctx(t), 2*time.Second)
	before, slept := e.rcv.Requests(), len(e.sleeps.Durations())
	rep = e.d.Deliver(c, &box, nil)
	cancel()
	if got := e.rcv.Requests() - before; got != 1 {
		t.Errorf("requests in a hop with no time to wait = %d, want 1", got)
	}
	if got := e.sleeps.Durations()[slept:]; len(got) != 0 {
		t.Errorf("slept %v although the Retry-After passes the deadline", got)
	}
	if len(box.Queue) != 1 || box.Queue[0].Attempts != 2 {
		t.Fatalf("after deadline hop: queue=%d attempts=%v; want 1, 2", len(box.Queue), attempts(box))
	}

	// Hop 3: the invocation's context has already expired.
	c, cancel = context.WithCancel(ctx(t))
	cancel()
	e.d.Deliver(c, &box, nil)
	if len(box.Queue) != 1 || box.Queue[0].Attempts != 3 {
		t.Fatalf("after expired hop: queue=%d attempts=%v; want 1, 3", len(box.Queue), attempts(box))
	}

	// Hop 4: the service is back; the notice goes out once and leaves the outbox.
	e.rcv.FailNext(0, 0, 0)
	rep = e.d.Deliver(ctx(t), &box, nil)
	if err := rep.Err(); err != nil {
		t.Fatalf("recovered hop: %v", err)
	}
	if len(box.Queue) != 0 || len(e.rcv.Received()) != 1 {
		t.Fatalf("after recovery: queue=%d received=%d; want 0, 1", len(box.Queue), len(e.rcv.Received()))
	}
	// Hop 5: nothing left to send.
	if rep := e.d.Deliver(ctx(t), &box, nil); rep.Total() != 0 || len(e.rcv.Received()) != 1 {
		t.Errorf("an empty outbox sent again: delivered %d, received %d", rep.Total(), len(e.rcv.Received()))
	}
}

func testNoDuplicates(t *testing.T, h Harness) {
	e := newEnv(t, h)
	first, second, third := Notice(notify.TaskFailed), Notice(notify.WatchFinished), Notice(notify.TaskUnknown)
	first.Label, second.Label, third.Label = "first-qx1", "second-qx2", "third-qx3"
	var box notify.Outbox
	box.Add(first, second)
	for i := range 2 {
		if err := e.d.Deliver(ctx(t), &box, nil).Err(); err != nil {
			t.Fatalf("Deliver #%d: %v", i+1, err)
		}
	}
	box.Add(third)
	if err := e.d.Deliver(ctx(t), &box, nil).Err(); err != nil {
		t.Fatalf("Deliver #3: %v", err)
	}
	msgs := e.rcv.Received()
	if len(msgs) != 3 {
		t.Fatalf("receiver got %d messages, want 3 (each notice once)", len(msgs))
	}
	for i, label := range []string{"first-qx1", "second-qx2", "third-qx3"} {
		if !strings.Contains(msgs[i].Text, label) {
			t.Errorf("message %d is not %q (oldest first):\n%s", i, label, msgs[i].Text)
		}
	}
}

func testPermanent(t *testing.T, h Harness) {
	for _, status := range []int{http.StatusNotFound, http.StatusGone} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			other := NewRecorder("other-" + h.Name)
			e := newEnv(t, h, other)
			e.rcv.FailNext(1000, status, 0)
			var box notify.Outbox
			box.Add(Notice(notify.TaskFailed))
			rep := e.d.Deliver(ctx(t), &box, nil)
			if !slices.Contains(box.Disabled, h.Name) || !slices.Contains(rep.Disabled, h.Name) {
				t.Fatalf("Disabled: box %v, report %v; want %q in both", box.Disabled, rep.Disabled, h.Name)
			}
			if !notify.IsPermanent(rep.Err()) {
				t.Errorf("Report.Err() = %v, want a permanent DeliveryError", rep.Err())
			}
			if got := e.rcv.Requests(); got != 1 {
				t.Errorf("requests = %d, want 1: a permanent error is not retried", got)
			}
			if len(box.Queue) != 0 || len(other.Notices()) != 1 {
				t.Errorf("queue=%d, other channel got %d; want 0, 1", len(box.Queue), len(other.Notices()))
			}
			if logs := e.logs.String(); !strings.Contains(logs, "channel="+h.Name) {
				t.Errorf("the permanent failure is not logged with the channel name:\n%s", logs)
			}

			// Later notices skip the disabled channel without trying it.
			box.Add(Notice(notify.WatchFinished))
			e.d.Deliver(ctx(t), &box, nil)
			if got := e.rcv.Requests(); got != 1 {
				t.Errorf("disabled channel was tried again (%d requests)", got)
			}
			if len(other.Notices()) != 2 || len(box.Queue) != 0 {
				t.Errorf("other channel got %d, queue %d; want 2, 0", len(other.Notices()), len(box.Queue))
			}
		})
	}
}

// testSecrets drives every error path (5xx, 429, 404, connection refused) and checks
// that no secret reaches a log line, a Report error or an error returned by Send.
func testSecrets(t *testing.T, h Harness) {
	e := newEnv(t, h)
	var texts []string
	addErr := func(what string, err error) {
		if err != nil {
			texts = append(texts, what+": "+err.Error(), fmt.Sprintf("%s: %+v", what, err))
		}
	}
	e.d.MaxAttempts = 2
	for _, plan := range []struct {
		status int
		after  time.Duration
	}{{500, 0}, {429, time.Second}, {403, 0}, {404, 0}} {
		e.rcv.FailNext(1, plan.status, plan.after)
		_, err := e.ch.Send(ctx(t), Notice(notify.TaskFailed), "")
		addErr(fmt.Sprintf("Send (%d)", plan.status), err)
		if err == nil {
			t.Errorf("Send succeeded against a receiver answering %d", plan.status)
		}
		var box notify.Outbox
		box.Add(Notice(notify.TaskFailed))
		e.rcv.FailNext(1000, plan.status, plan.after)
		for _, err := range e.d.Deliver(ctx(t), &box, nil).Errors {
			addErr(fmt.Sprintf("Report (%d)", plan.status), err)
		}
	}

	// Connection refused: the error comes from net/http and prints the request URL.
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	ch := h.New(t, deadURL)
	_, err := ch.Send(ctx(t), Notice(notify.TaskFailed), "")
	if err == nil {
		t.Fatal("Send to a closed server succeeded")
	}
	addErr("Send (refused)", err)
	d := *e.d
	d.Channels = []notify.Channel{ch}
	var box notify.Outbox
	box.Add(Notice(notify.WatchFinished))
	for _, err := range d.Deliver(ctx(t), &box, nil).Errors {
		addErr("Report (refused)", err)
	}

	if len(texts) < 10 {
		t.Fatalf("only %d error texts collected; the scenarios did not fail as planned", len(texts))
	}
	for _, s := range texts {
		AssertNoSecrets(t, "error text", s, h.Secrets...)
	}
	if e.logs.String() == "" {
		t.Error("nothing was logged; the leak check of the log would be vacuous")
	}
}

func attempts(box notify.Outbox) []int {
	var a []int
	for _, q := range box.Queue {
		a = append(a, q.Attempts)
	}
	return a
}

// testManyFailures delivers the summary of a watch with 500 failed objects (50 listed
// in the notice, as the watch state keeps them, 450 counted). The receiver enforces the
// service's message limits and rejects what the service would, so delivery succeeding
// means the channel cut the message to size; the message must still say how many were
// left out.
func testManyFailures(t *testing.T, h Harness) {
	e := newEnv(t, h)
	var box notify.Outbox
	box.Add(ManyFailures(50, 450))
	rep := e.d.Deliver(ctx(t), &box, nil)
	if err := rep.Err(); err != nil {
		t.Fatalf("a 500-failure summary was not delivered: %v", err)
	}
	msgs := e.rcv.Received()
	if len(msgs) != 1 {
		t.Fatalf("receiver got %d messages, want 1", len(msgs))
	}
	if !strings.Contains(msgs[0].Text, "1652") {
		t.Errorf("no failure is listed:\n%.2000s", msgs[0].Text)
	}
	if !strings.Contains(msgs[0].Text, "more") && !strings.Contains(msgs[0].Text, "450") {
		t.Errorf("the message does not say how many failures it left out:\n%.2000s", msgs[0].Text)
	}
}
