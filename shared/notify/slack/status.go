package slack

import (
	"fmt"

	"cdnwatch/shared/notify"
)

// RenderStatus builds the Slack bot's live message for a watch as of notice n: the
// header, counts, elapsed time and a progress bar, without lists (failures and the
// summary go into the thread). Until the watch ends the header says "In progress"; a
// watch.finished or watch.timeout notice puts the live message in its final state.
func RenderStatus(n notify.Notice, lang string) Message {
	tx := textsFor(lang)
	s := n
	s.Failures, s.FailuresOmitted = nil, 0
	s.Pending, s.PendingOmitted = nil, 0
	s.Running = nil
	s.ID = "" // the live message outlives any one notice
	final := n.Kind == notify.WatchFinished || n.Kind == notify.WatchTimeout
	if !final {
		s.Kind = notify.Progress
		if n.Kind != notify.Progress {
			s.Progress = doneShare(n.Counts)
		}
	}
	if n.Kind == notify.WatchFinished {
		s.Progress = 100
	}
	msg := renderer{n: s, tx: tx}.message()
	if final && len(msg.Blocks) > 0 {
		// The final state keeps the bar at its last value, so a finished watch reads as
		// complete and a timed-out one shows how far it got.
		blocks := msg.Blocks
		bar := sectionBlock(mrkdwn(progressBar(s.Progress)))
		if n.Kind == notify.WatchFinished {
			blocks = append(blocks[:2:2], append([]Block{bar}, blocks[2:]...)...)
		}
		last := len(blocks) - 1
		see := contextBlock(mrkdwn(esc(tx.SeeThread)))
		blocks = append(blocks[:last:last], see, blocks[last])
		msg.Blocks = blocks
	}
	if !final && n.At.Unix() > 0 {
		msg.Text += " · " + fmt.Sprintf(tx.Updated, n.At.UTC().Format("15:04 UTC"))
	}
	return msg
}

// doneShare is the percentage of tasks that ended, for notices without a progress.
func doneShare(c notify.Counts) float64 {
	if c.Total <= 0 {
		return 0
	}
	return float64(c.Complete+c.Failed+c.Unknown) * 100 / float64(c.Total)
}
