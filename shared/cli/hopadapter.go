package cli

import (
	"errors"
	"time"

	"cdnwatch/shared/engine"
	"cdnwatch/shared/provider"
)

// providerTrouble is what a hop says about a provider that keeps failing: the last error,
// since when, and over how many polls in a row.
func providerTrouble(h engine.Hop) (err error, since time.Time, polls int) {
	if h.ProviderErr == nil || h.FailingSince.IsZero() {
		return nil, time.Time{}, 0
	}
	polls = 1
	if st := h.Doc.State; st != nil && st.Failing > 0 {
		polls = st.Failing
	}
	return h.ProviderErr, h.FailingSince, polls
}

// observedTasks are the hop's answers task by task, for the display's last known
// progress of each pending task.
func observedTasks(h engine.Hop) map[string]provider.Task { return h.Observed }

func providerError(err error) *provider.Error {
	var pe *provider.Error
	if errors.As(err, &pe) {
		return pe
	}
	return nil
}
